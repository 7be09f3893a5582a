/** The four roles, least privileged first, as one select: API keys and members offer the same choice. */
import type { SelectHTMLAttributes } from 'react';

export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;

export function RoleSelect(props: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select
      className="rounded-md border border-zinc-300 bg-white px-2 py-2 dark:border-zinc-700 dark:bg-zinc-900"
      {...props}
    >
      {ROLES.map((r) => (
        <option key={r}>{r}</option>
      ))}
    </select>
  );
}
