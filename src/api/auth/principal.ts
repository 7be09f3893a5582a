/**
 * @module Who is calling and for which organization. Resolved once per request by `authenticate.ts`; handlers read
 * it and never look at headers or cookies themselves.
 */
import type { Role } from '../../store/schema.js';
import type { ApiKey } from '../../store/repositories/api-keys.js';
import type { Membership, User } from '../../store/repositories/organizations.js';
import type { Session } from '../../store/repositories/sessions.js';

export type Principal =
  | { kind: 'user'; user: User; session: Session; sessionToken: string; memberships: Membership[] }
  | { kind: 'api_key'; apiKey: ApiKey };

/** The caller with the organization the request acts on and the caller's role there. */
export interface RequestAuth {
  principal: Principal;
  orgId: string;
  role: Role;
  actor: { type: 'user' | 'api_key'; id: string };
}

export function actorOf(principal: Principal): RequestAuth['actor'] {
  return principal.kind === 'user'
    ? { type: 'user', id: principal.user.id }
    : { type: 'api_key', id: principal.apiKey.id };
}
