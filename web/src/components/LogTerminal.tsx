/**
 * A run's live log: fed by the API's Server-Sent Events (EventSource sends the session cookie and resumes with
 * Last-Event-ID after a drop), coloured by level, filtered by level and text, auto-scrolling unless paused,
 * with a jump to the first error. Calls `onEnd` with the run's final status when the stream says it ended.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { currentOrg } from '../lib/api';
import type { RunLogLine } from '../lib/types';
import { Button } from './ui';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

const COLOUR: Record<Level, string> = {
  debug: 'text-zinc-500',
  info: 'text-zinc-100',
  warn: 'text-amber-300',
  error: 'text-red-400',
};

/** Lines kept in memory: the oldest are dropped past this, the API still has them. */
const MAX_LINES = 5000;

export interface RunEnd {
  status: string;
  counts: Record<string, number>;
  error: string | null;
}

export function LogTerminal({ runId, onEnd }: { runId: string; onEnd?: (end: RunEnd) => void }) {
  const [lines, setLines] = useState<RunLogLine[]>([]);
  const [ended, setEnded] = useState<RunEnd | null>(null);
  const [minLevel, setMinLevel] = useState<Level>('debug');
  const [text, setText] = useState('');
  const [paused, setPaused] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const endRef = useRef(onEnd);
  endRef.current = onEnd;

  useEffect(() => {
    setLines([]);
    setEnded(null);
    // EventSource cannot send X-DataSync-Org: a person in several organizations names it in the URL.
    const org = currentOrg();
    const query = org ? `?org=${encodeURIComponent(org)}` : '';
    const source = new EventSource(`/api/v1/runs/${runId}/logs${query}`, { withCredentials: true });
    source.onmessage = (e: MessageEvent<string>) => {
      const line = JSON.parse(e.data) as RunLogLine;
      setLines((prev) =>
        prev.length >= MAX_LINES ? [...prev.slice(-MAX_LINES + 1), line] : [...prev, line],
      );
    };
    source.addEventListener('end', (e) => {
      const end = JSON.parse((e as MessageEvent<string>).data) as RunEnd;
      setEnded(end);
      endRef.current?.(end);
      // The run is over: stop EventSource from reconnecting.
      source.close();
    });
    return () => source.close();
  }, [runId]);

  const shown = useMemo(() => {
    const from = LEVELS.indexOf(minLevel);
    const needle = text.toLowerCase();
    return lines.filter(
      (l) => LEVELS.indexOf(l.level) >= from && (!needle || l.message.toLowerCase().includes(needle)),
    );
  }, [lines, minLevel, text]);

  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, paused]);

  function jumpToFirstError() {
    const first = lines.find((l) => l.level === 'error');
    if (!first) return;
    setPaused(true);
    setMinLevel('debug');
    setText('');
    requestAnimationFrame(() =>
      document.getElementById(`log-${first.id}`)?.scrollIntoView({ block: 'center' }),
    );
  }

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <select
          aria-label="Minimum level"
          className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
          value={minLevel}
          onChange={(e) => setMinLevel(e.target.value as Level)}
        >
          {LEVELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
        <input
          aria-label="Filter log text"
          placeholder="filter…"
          className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button variant="secondary" onClick={() => setPaused((p) => !p)}>
          {paused ? 'Resume autoscroll' : 'Pause autoscroll'}
        </Button>
        <Button
          variant="secondary"
          onClick={jumpToFirstError}
          disabled={!lines.some((l) => l.level === 'error')}
        >
          Jump to first error
        </Button>
        <span className="text-xs text-zinc-500" data-testid="log-state">
          {ended ? `ended: ${ended.status}` : 'live'} · {lines.length} lines
        </span>
      </div>
      <div
        ref={box}
        role="log"
        aria-label="Run log"
        className="h-80 overflow-y-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-5"
      >
        {shown.map((l) => (
          <div key={l.id} id={`log-${l.id}`} className={COLOUR[l.level]} data-level={l.level}>
            <span className="text-zinc-600">{l.createdAt.slice(11, 23)} </span>
            <span className="uppercase">{l.level.padEnd(5)} </span>
            {l.message}
          </div>
        ))}
        {shown.length === 0 ? (
          <div className="text-zinc-500">{ended ? 'no lines' : 'waiting for lines…'}</div>
        ) : null}
      </div>
    </div>
  );
}
