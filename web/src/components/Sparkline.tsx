/**
 * A run-outcome sparkline: one bar per run, oldest left, coloured by outcome (success full height, partial
 * two thirds, failed full in red, live and cancelled low in grey). Hover shows the run's status and time.
 */
const COLOUR: Record<string, string> = {
  success: 'fill-emerald-500',
  partial: 'fill-amber-500',
  failed: 'fill-red-500',
};
const HEIGHT: Record<string, number> = { success: 1, failed: 1, partial: 0.66 };

export function Sparkline({
  runs,
  label,
}: {
  runs: readonly { id: string; status: string; createdAt: string }[];
  label: string;
}) {
  const w = 6;
  const h = 18;
  if (runs.length === 0) return <span className="text-xs text-zinc-400">no runs yet</span>;
  return (
    <svg
      role="img"
      aria-label={label}
      data-testid="sparkline"
      width={runs.length * w}
      height={h}
      className="inline-block align-middle"
    >
      {runs.map((r, i) => {
        const bar = Math.max(3, (HEIGHT[r.status] ?? 0.3) * h);
        return (
          <rect
            key={r.id}
            data-status={r.status}
            x={i * w}
            y={h - bar}
            width={w - 1.5}
            height={bar}
            rx={1}
            className={COLOUR[r.status] ?? 'fill-zinc-400 dark:fill-zinc-600'}
          >
            <title>{`${r.status} · ${r.createdAt}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

/** "92 %" or "—". */
export function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)} %`;
}
