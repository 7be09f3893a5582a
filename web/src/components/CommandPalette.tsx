/**
 * ⌘K / Ctrl-K: a command palette over the screens of the navigation and the organization's syncs and
 * connections (found by name). Arrows move, Enter goes, Escape closes. A sync opens
 * its runs, a connection the runs of the syncs using it.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../lib/api';
import type { Connection, Page, Sync } from '../lib/types';

interface Command {
  group: 'Page' | 'Sync' | 'Connection';
  label: string;
  to: string;
}

export function CommandPalette({ pages }: { pages: readonly { to: string; label: string }[] }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [at, setAt] = useState(0);
  const navigate = useNavigate();

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen((o) => !o);
        setText('');
        setAt(0);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const syncs = useQuery({
    queryKey: ['syncs', 'options'],
    queryFn: () => api<Page<Sync>>('/syncs?limit=200'),
    enabled: open,
  });
  const connections = useQuery({
    queryKey: ['connections', 'options'],
    queryFn: () => api<Page<Connection>>('/connections?limit=200'),
    enabled: open,
  });

  const matches = useMemo(() => {
    const all: Command[] = [
      ...pages.map((p) => ({ group: 'Page' as const, label: p.label, to: p.to })),
      ...(syncs.data?.data ?? []).map((s) => ({
        group: 'Sync' as const,
        label: s.name,
        to: `/runs?syncId=${s.id}`,
      })),
      ...(connections.data?.data ?? []).map((c) => ({
        group: 'Connection' as const,
        label: c.name,
        to: `/runs?connectionId=${c.id}`,
      })),
    ];
    const needle = text.trim().toLowerCase();
    return (needle ? all.filter((c) => c.label.toLowerCase().includes(needle)) : all).slice(0, 50);
  }, [pages, syncs.data, connections.data, text]);

  if (!open) return null;
  function go(c: Command | undefined) {
    if (!c) return;
    setOpen(false);
    void navigate(c.to);
  }
  return (
    <div
      className="fixed inset-0 z-30 flex items-start justify-center bg-black/30 pt-24"
      onClick={() => setOpen(false)}
    >
      <div
        role="dialog"
        aria-label="Command palette"
        className="w-full max-w-lg rounded-lg border border-zinc-200 bg-white shadow-xl dark:border-zinc-800 dark:bg-zinc-900"
        onClick={(e) => e.stopPropagation()}
      >
        <input
          autoFocus
          aria-label="Command"
          placeholder="Go to a page, find a sync or connection…"
          className="w-full rounded-t-lg border-b border-zinc-200 bg-transparent px-4 py-3 text-sm outline-none dark:border-zinc-800"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setAt(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setOpen(false);
            else if (e.key === 'ArrowDown') setAt((i) => Math.min(i + 1, matches.length - 1));
            else if (e.key === 'ArrowUp') setAt((i) => Math.max(i - 1, 0));
            else if (e.key === 'Enter') go(matches[at]);
            else return;
            e.preventDefault();
          }}
        />
        <ul role="listbox" aria-label="Commands" className="max-h-80 overflow-y-auto p-1 text-sm">
          {matches.map((c, i) => (
            <li
              key={`${c.group}:${c.to}`}
              role="option"
              aria-selected={i === at}
              onMouseEnter={() => setAt(i)}
              onClick={() => go(c)}
              className={`flex cursor-pointer justify-between rounded px-3 py-2 ${i === at ? 'bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300' : ''}`}
            >
              <span>{c.label}</span>
              <span className="text-xs text-zinc-500">{c.group}</span>
            </li>
          ))}
          {matches.length === 0 ? <li className="px-3 py-2 text-zinc-500">No match</li> : null}
        </ul>
      </div>
    </div>
  );
}
