import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { SyncBadge } from '../components/SyncBadge';
import { Button, Card, EmptyState, Skeleton, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Page, RecordSyncLogEntry, RecordWithSync, StoredRecord, Sync } from '../lib/types';

/** A sync between a collection and a platform's posts (e.g. collection ⇄ Synup posts). */
interface PostSync {
  sync: Sync;
  collection: string;
}

/** Only posts syncs: a collection on side a paired with the platform's `posts` (never, say, a tasks table). */
function postSyncs(syncs: Sync[]): PostSync[] {
  return syncs.flatMap((sync) => {
    const d = sync.definition as unknown as {
      a?: { connector?: string };
      objects?: { a?: string; b?: string }[];
    };
    const pair = d.objects?.find((o) => o.b === 'posts' && o.a);
    return d.a?.connector === 'collection' && pair?.a ? [{ sync, collection: pair.a }] : [];
  });
}

interface PostData {
  content?: string;
  status?: string;
  notes?: { body?: string }[];
}

/** What the syncs did with one post, newest first: pushed to the platform, pulled from it, refused, failed. */
function SyncLog({ collection, recordId }: { collection: string; recordId: string }) {
  const log = useQuery({
    queryKey: ['sync-log', collection, recordId],
    queryFn: () =>
      api<Page<RecordSyncLogEntry>>(`/collections/${collection}/records/${recordId}/sync-log?limit=20`),
    refetchInterval: 3000,
  });
  if (log.isLoading) return <Skeleton />;
  const entries = log.data?.data ?? [];
  if (entries.length === 0)
    return <p className="text-sm text-zinc-500">No sync has touched this post yet.</p>;
  return (
    <ol className="space-y-1 text-xs" aria-label="Sync log" data-testid="sync-log">
      {entries.map((e) => (
        <li key={e.id} className="flex gap-2" data-direction={e.direction} data-ok={String(e.ok)}>
          <span className="w-20 shrink-0 text-zinc-500" title={e.createdAt}>
            {relativeTime(e.createdAt)}
          </span>
          <span className="w-20 shrink-0">{e.direction === 'outbound' ? '→ platform' : '← platform'}</span>
          <span className={e.ok ? '' : 'text-red-700 dark:text-red-400'}>{e.message}</span>
          <span className="ml-auto shrink-0 text-zinc-500">{e.trigger}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * Posts on a platform through a sync: write a draft here, publish it, and watch the platform's status (queued →
 * published or failed) and notes come back. Every save queues a push of the sync (the API's outbox); the list
 * polls while a post is on its way.
 */
export function PostsPage() {
  const queryClient = useQueryClient();
  const syncs = useQuery({
    queryKey: ['syncs', 'posts'],
    queryFn: () => api<Page<Sync>>('/syncs?limit=100'),
  });
  const choices = postSyncs(syncs.data?.data ?? []);
  const [chosen, setChosen] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const current = choices.find((c) => c.sync.id === chosen) ?? choices[0];
  const posts = useQuery({
    queryKey: ['posts', current?.collection],
    enabled: Boolean(current),
    queryFn: () => api<Page<RecordWithSync>>(`/collections/${current!.collection}/records?limit=50`),
    // Statuses change on the platform: keep looking while any post has not reached a final state or has not
    // gone out yet.
    refetchInterval: (query) =>
      (query.state.data?.data ?? []).some(
        (r) =>
          ['queued', 'draft'].includes(String((r.data as PostData).status)) ||
          r.sync.some((s) => s.status === 'pending'),
      )
        ? 2000
        : false,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['posts', current?.collection] });
  // Every save queues its own push (the API's outbox): the page only writes the post.

  const create = useMutation({
    mutationFn: async (content: string) => {
      await api(`/collections/${current!.collection}/records`, {
        method: 'POST',
        body: { data: { content, status: 'draft', notes: [] } },
      });
    },
    onSuccess: () => {
      toast.success('Draft saved; pushing it to the platform');
      refresh();
    },
    onError: (e) => toast.error(e.message),
  });
  const push = useMutation({
    mutationFn: (record: StoredRecord) =>
      api<{ runs: { syncId: string; runId: string }[] }>(
        `/collections/${current!.collection}/records/${record.id}/push`,
        { method: 'POST' },
      ),
    onSuccess: (result) => {
      toast.success(result.runs.length === 1 ? 'Push queued' : `${result.runs.length} pushes queued`);
      refresh();
    },
    onError: (e) => toast.error(e.message),
  });
  const publish = useMutation({
    mutationFn: async (record: StoredRecord) => {
      await api(`/collections/${current!.collection}/records/${record.id}`, {
        method: 'PUT',
        body: { data: { ...record.data, status: 'queued' }, version: record.version },
      });
    },
    onSuccess: () => {
      toast.success('Publishing: the status will follow the platform');
      refresh();
    },
    onError: (e) => toast.error(e.message),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const content = String(form.get('content') ?? '').trim();
    if (!content) return;
    create.mutate(content);
    event.currentTarget.reset();
  }

  if (syncs.isLoading) return <Skeleton />;
  if (!current)
    return (
      <EmptyState
        title="No posts sync"
        hint="Create a sync between a collection and a Synup connection (objects: posts) to publish from here."
      />
    );
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Posts</h1>
      {choices.length > 1 ? (
        <label className="block text-sm">
          <span className="mb-1 block font-medium">Sync</span>
          <select
            className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
            value={current.sync.id}
            onChange={(e) => setChosen(e.target.value)}
          >
            {choices.map((c) => (
              <option key={c.sync.id} value={c.sync.id}>
                {c.sync.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <Card title="New post">
        <form onSubmit={submit} className="space-y-3">
          <label className="block text-sm">
            <span className="mb-1 block font-medium">Content</span>
            <textarea
              name="content"
              required
              maxLength={5000}
              rows={3}
              className="block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </label>
          <Button type="submit" disabled={create.isPending}>
            Save draft
          </Button>
        </form>
      </Card>
      <Card title={`Posts in ${current.collection}`}>
        {posts.isLoading ? (
          <Skeleton />
        ) : (posts.data?.data ?? []).length === 0 ? (
          <EmptyState title="No posts yet" hint="Write a draft above." />
        ) : (
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-zinc-500">
                <th className="py-1">Content</th>
                <th>Status</th>
                <th>Notes</th>
                <th>Sync</th>
                <th>Updated</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(posts.data?.data ?? []).map((record) => {
                const post = record.data as PostData;
                const status = String(post.status ?? 'draft');
                return (
                  <Fragment key={record.id}>
                    <tr className="border-t border-zinc-200 dark:border-zinc-800" data-post={record.id}>
                      <td className="py-2 pr-3">{post.content}</td>
                      <td>
                        <StatusChip status={status} />
                      </td>
                      <td className="text-zinc-500">
                        {(post.notes ?? [])
                          .map((n) => n.body)
                          .filter(Boolean)
                          .join(' · ') || '—'}
                      </td>
                      <td className="py-2 pr-3">
                        <SyncBadge sync={record.sync} />
                      </td>
                      <td className="text-zinc-500">{relativeTime(record.updatedAt)}</td>
                      <td className="space-x-2 text-right whitespace-nowrap">
                        <Button
                          variant="secondary"
                          onClick={() => push.mutate(record)}
                          disabled={push.isPending}
                        >
                          Push to Synup
                        </Button>
                        {status === 'draft' || status === 'failed' ? (
                          <Button onClick={() => publish.mutate(record)} disabled={publish.isPending}>
                            Publish
                          </Button>
                        ) : null}
                        <Button
                          variant="secondary"
                          aria-expanded={open === record.id}
                          onClick={() => setOpen(open === record.id ? null : record.id)}
                        >
                          Sync log
                        </Button>
                      </td>
                    </tr>
                    {open === record.id ? (
                      <tr data-sync-log-for={record.id}>
                        <td colSpan={6} className="bg-zinc-50 px-3 py-2 dark:bg-zinc-900/50">
                          <SyncLog collection={current.collection} recordId={record.id} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
