/**
 * A run's live log: fed by the API's Server-Sent Events (EventSource sends the session cookie and resumes with
 * Last-Event-ID after a drop), coloured by level, filtered by level and text, auto-scrolling unless paused,
 * with a jump to the first error and "show in context" (clears the filters and centres a line). The list is
 * windowed: lines have one fixed height and only those in view (plus a margin) are in the DOM, so a 100,000
 * line log scrolls as smoothly as a short one. Lines arriving in a burst (the replay of a long log) are added
 * once per animation frame, not one render each. Calls `onEnd` when the stream says the run ended.
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
const MAX_LINES = 200_000;
/** Pixel height of one line (text-xs with leading-5); the window arithmetic depends on it. */
const ROW = 20;
/** Lines rendered above and below the visible ones. */
const OVERSCAN = 20;
const VIEW_HEIGHT = 320;

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
  const [scrollTop, setScrollTop] = useState(0);
  const [focusId, setFocusId] = useState<number | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const endRef = useRef(onEnd);
  endRef.current = onEnd;

  useEffect(() => {
    setLines([]);
    setEnded(null);
    let pending: RunLogLine[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setLines((prev) => {
        const next = prev.concat(batch);
        return next.length > MAX_LINES ? next.slice(-MAX_LINES) : next;
      });
    };
    // EventSource cannot send X-DataSync-Org: a person in several organizations names it in the URL.
    const org = currentOrg();
    const query = org ? `?org=${encodeURIComponent(org)}` : '';
    const source = new EventSource(`/api/v1/runs/${runId}/logs${query}`, { withCredentials: true });
    source.onmessage = (e: MessageEvent<string>) => {
      pending.push(JSON.parse(e.data) as RunLogLine);
      if (!frame) frame = requestAnimationFrame(flush);
    };
    source.addEventListener('end', (e) => {
      if (frame) cancelAnimationFrame(frame);
      flush();
      const end = JSON.parse((e as MessageEvent<string>).data) as RunEnd;
      setEnded(end);
      endRef.current?.(end);
      // The run is over: stop EventSource from reconnecting.
      source.close();
    });
    return () => {
      if (frame) cancelAnimationFrame(frame);
      source.close();
    };
  }, [runId]);

  const shown = useMemo(() => {
    const from = LEVELS.indexOf(minLevel);
    const needle = text.toLowerCase();
    if (from === 0 && !needle) return lines;
    return lines.filter(
      (l) => LEVELS.indexOf(l.level) >= from && (!needle || l.message.toLowerCase().includes(needle)),
    );
  }, [lines, minLevel, text]);
  const firstError = useMemo(() => lines.find((l) => l.level === 'error'), [lines]);

  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, paused]);

  /** Centres line `id` once the unfiltered list is rendered. */
  function reveal(id: number) {
    setPaused(true);
    setMinLevel('debug');
    setText('');
    setFocusId(id);
    const index = lines.findIndex((l) => l.id === id);
    requestAnimationFrame(() => {
      if (box.current) box.current.scrollTop = Math.max(0, index * ROW - VIEW_HEIGHT / 2);
    });
  }

  const start = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const end = Math.min(shown.length, Math.ceil((scrollTop + VIEW_HEIGHT) / ROW) + OVERSCAN);
  const filtered = shown !== lines;

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
          onClick={() => firstError && reveal(firstError.id)}
          disabled={!firstError}
        >
          Jump to first error
        </Button>
        <span className="text-xs text-zinc-500" data-testid="log-state">
          {ended ? `ended: ${ended.status}` : 'live'} · {lines.length} lines
          {filtered ? ` · ${shown.length} shown` : ''}
        </span>
      </div>
      <div
        ref={box}
        role="log"
        aria-label="Run log"
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        style={{ height: VIEW_HEIGHT }}
        className="overflow-y-auto rounded-md bg-zinc-950 font-mono text-xs leading-5"
      >
        <div style={{ height: shown.length * ROW + 24, position: 'relative' }}>
          {shown.slice(start, end).map((l, i) => (
            <div
              key={l.id}
              id={`log-${l.id}`}
              data-level={l.level}
              title={filtered ? 'double-click: show in context' : l.message}
              onDoubleClick={() => filtered && reveal(l.id)}
              style={{ position: 'absolute', top: (start + i) * ROW + 12, height: ROW, left: 0, right: 0 }}
              className={`truncate whitespace-pre px-3 ${COLOUR[l.level]} ${l.id === focusId ? 'bg-zinc-800' : ''}`}
            >
              <span className="text-zinc-600">{l.createdAt.slice(11, 23)} </span>
              <span className="uppercase">{l.level.padEnd(5)} </span>
              {l.message}
            </div>
          ))}
          {shown.length === 0 ? (
            <div className="px-3 pt-3 text-zinc-500">{ended ? 'no lines' : 'waiting for lines…'}</div>
          ) : null}
        </div>
      </div>
      {ended ? (
        <p className="text-xs text-zinc-500" data-testid="log-summary">
          Run ended {ended.status}:{' '}
          {Object.entries(ended.counts)
            .filter(([, v]) => v > 0)
            .map(([k, v]) => `${v} ${k}`)
            .join(' · ') || 'no records touched'}
          {ended.error ? ` — ${ended.error}` : ''}
        </p>
      ) : null}
    </div>
  );
}
