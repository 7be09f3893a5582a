/** A secret shown once (API key, signing secret): copyable, with the warning that it will not be shown again. */
import { toast } from 'sonner';
import { Button } from './ui';

export function OnceSecret({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  return (
    <div
      role="dialog"
      aria-label={label}
      className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-800 dark:bg-amber-950/40"
    >
      <p className="font-medium">{label}: copy it now, it will not be shown again.</p>
      <code
        data-testid="once-secret"
        className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs dark:bg-zinc-900"
      >
        {value}
      </code>
      <div className="mt-2 flex gap-2">
        <Button
          variant="secondary"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => toast.success('Copied'));
          }}
        >
          Copy
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
