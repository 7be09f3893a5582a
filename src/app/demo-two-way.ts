/**
 * @module The two-way part of the demo: in demo mode `datasync start` runs the Synup and Airtable simulators in
 * this process (seeded, the same ids every start) and gives the demo organization a connection to each, a
 * collection per platform and a two-way sync between them (Synup posts with the posts policy: newest wins,
 * status by its lifecycle, content edited on both sides waits for a person). Once the server listens, the Synup
 * simulator's signed webhooks are pointed at /api/v1/hooks/:connectionId. On the first start only, both syncs
 * run once and then one post is edited on both sides, so the newcomer finds a conflict to resolve and the
 * webhook that announced the Synup edit. The simulators get new ports each start: the connections follow them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncDefinitionInput } from '../engine/definition.js';
import { errorMessage } from '../lib/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { enqueueRun } from '../runtime/triggers.js';
import { startAirtableSimulator, type AirtableSimulator } from '../simulators/airtable/airtable-simulator.js';
import { SYNUP_POSTS_POLICY } from '../policies/synup-posts.js';
import { startSynupSimulator, type SynupSimulator } from '../simulators/synup/synup-simulator.js';
import type { Repositories } from '../store/repositories/index.js';
import { isFinalStatus } from '../store/repositories/runs.js';
import type { AppContext } from './context.js';

export const DEMO_SYNUP_CONNECTION = 'Synup (demo simulator)';
export const DEMO_AIRTABLE_CONNECTION = 'Airtable (demo simulator)';
export const DEMO_SYNUP_SYNC = 'Posts ⇄ Synup (demo)';
export const DEMO_AIRTABLE_SYNC = 'Tasks ⇄ Airtable (demo)';
const SYNUP_COLLECTION = 'synup_posts';
const AIRTABLE_COLLECTION = 'airtable_tasks';
/** Seeded sizes: a page of each, small enough that the first runs end within a second or two. */
const SYNUP_SEED = 12;
const AIRTABLE_SEED = 10;
const FIRST_RUN_TIMEOUT_MS = 60_000;

export interface TwoWayDemo {
  synup: SynupSimulator;
  airtable: AirtableSimulator;
  /** One line per simulator for the start banner. */
  lines: string[];
  /**
   * Points Synup's webhooks at this server (call once it listens and the worker runs); on the first start, runs
   * both syncs and seeds the conflict in the background, so the start banner does not wait for them.
   */
  connect(serverUrl: string, runtime: Pick<Runtime, 'queue'>): void;
  close(): Promise<void>;
}

function synupDefinition(connectionId: string): SyncDefinitionInput {
  return {
    a: { connector: 'collection' },
    b: { connectionId },
    direction: 'two-way',
    objects: [
      {
        name: 'posts',
        a: SYNUP_COLLECTION,
        b: 'posts',
        fields: [
          { a: 'content', b: 'content' },
          { a: 'status', b: 'status' },
          { a: 'scheduledAt', b: 'scheduledAt' },
          { a: 'notes', b: 'notes' },
          { a: 'publishedAt', b: 'publishedAt', direction: 'b_to_a' },
        ],
      },
    ],
    conflicts: {
      ...SYNUP_POSTS_POLICY,
      fields: {
        ...SYNUP_POSTS_POLICY.fields,
        // The demo's one change: before publish, words both sides rewrote are worth a person's look (the
        // conflict the demo seeds), where the policy would let the later edit win.
        content: { ...SYNUP_POSTS_POLICY.fields.content, else: { policy: 'manual' } },
      },
    },
  };
}

function airtableDefinition(connectionId: string, tableId: string): SyncDefinitionInput {
  return {
    a: { connector: 'collection' },
    b: { connectionId },
    direction: 'two-way',
    objects: [
      {
        name: 'tasks',
        a: AIRTABLE_COLLECTION,
        b: tableId,
        matchKeys: ['key'],
        fields: [
          { a: 'name', b: 'Name' },
          { a: 'key', b: 'Key' },
          { a: 'status', b: 'Status' },
          { a: 'notes', b: 'Notes' },
          { a: 'estimate', b: 'Estimate' },
          { a: 'done', b: 'Done' },
        ],
      },
    ],
    conflicts: { default: { policy: 'newest_wins' }, fields: {} },
  };
}

/** The demo connection by name, pointed at this start's simulator (created the first time). */
async function upsertConnection(
  repos: Repositories,
  orgId: string,
  input: {
    name: string;
    connector: string;
    settings: Record<string, unknown>;
    credentials: Record<string, string>;
  },
): Promise<string> {
  const existing = (
    await repos.connections.list(orgId, { connector: input.connector, limit: 100 })
  ).data.find((c) => c.name === input.name);
  if (!existing) return (await repos.connections.create(orgId, input)).id;
  await repos.connections.update(orgId, existing.id, {
    settings: input.settings,
    credentials: input.credentials,
  });
  return existing.id;
}

/** Starts the simulators and seeds the demo organization's two-way setup; undefined without a demo org. */
export async function startTwoWayDemo(ctx: AppContext): Promise<TwoWayDemo | undefined> {
  const org = await ctx.repos.organizations.bySlug('acme');
  if (!org) return undefined;
  const synup = await startSynupSimulator({ seedRecords: SYNUP_SEED });
  let airtable: AirtableSimulator;
  try {
    airtable = await startAirtableSimulator({ seedRecords: AIRTABLE_SEED });
  } catch (error) {
    await synup.close();
    throw error;
  }
  const repos = ctx.repos;
  const synupConnection = await upsertConnection(repos, org.id, {
    name: DEMO_SYNUP_CONNECTION,
    connector: 'synup',
    settings: { baseUrl: synup.url, locationId: synup.credentials.locationId, demo: true },
    credentials: { apiKey: synup.credentials.apiKey!, webhookSecret: synup.credentials.webhookSecret! },
  });
  const airtableConnection = await upsertConnection(repos, org.id, {
    name: DEMO_AIRTABLE_CONNECTION,
    connector: 'airtable',
    settings: { baseUrl: airtable.url, baseId: airtable.baseId, demo: true },
    credentials: { token: airtable.credentials.token! },
  });
  for (const [key, name] of [
    [SYNUP_COLLECTION, 'Synup posts'],
    [AIRTABLE_COLLECTION, 'Airtable tasks'],
  ] as const) {
    if (!(await repos.collections.byKey(org.id, key))) await repos.collections.create(org.id, { key, name });
  }
  const created: string[] = [];
  for (const [name, definition] of [
    [DEMO_SYNUP_SYNC, synupDefinition(synupConnection)],
    [DEMO_AIRTABLE_SYNC, airtableDefinition(airtableConnection, airtable.tableId)],
  ] as const) {
    if (await repos.syncs.byName(org.id, name)) continue;
    created.push((await repos.syncs.create(org.id, { name, definition })).id);
  }
  const lines = [`demo: synup simulator at ${synup.url}`, `demo: airtable simulator at ${airtable.url}`];
  for (const line of lines) ctx.logger.info(line);

  const stopping = new AbortController();
  let seeding: Promise<void> = Promise.resolve();

  /** Queues a run and waits for its end by reading the row (the worker runs in this process). */
  const runToEnd = async (queue: Runtime['queue'], syncId: string): Promise<string> => {
    const { runId } = await ctx.store.db
      .transaction()
      .execute((trx) =>
        enqueueRun(trx, queue, { orgId: org.id, kind: 'sync.run', trigger: 'manual', syncId }),
      );
    const deadline = Date.now() + FIRST_RUN_TIMEOUT_MS;
    for (;;) {
      const run = await repos.runs.get(org.id, runId);
      if (run && isFinalStatus(run.status)) return run.status;
      if (Date.now() > deadline) return 'still running';
      await sleep(100, undefined, { signal: stopping.signal });
    }
  };

  /** Both syncs once, then the same Synup post rewritten locally and on Synup: the next run holds a conflict. */
  const seed = async (queue: Runtime['queue']) => {
    const [synupSync, airtableSync] = await Promise.all([
      repos.syncs.byName(org.id, DEMO_SYNUP_SYNC),
      repos.syncs.byName(org.id, DEMO_AIRTABLE_SYNC),
    ]);
    if (!synupSync || !airtableSync) return;
    const outcomes = await Promise.all([runToEnd(queue, synupSync.id), runToEnd(queue, airtableSync.id)]);
    ctx.logger.info({ synup: outcomes[0], airtable: outcomes[1] }, 'demo: first two-way runs ended');
    if (outcomes[0] !== 'success') return;
    const collection = (await repos.collections.byKey(org.id, SYNUP_COLLECTION))!;
    const links = await repos.links.pageBySide(org.id, synupSync.id, 'posts', 'b', null, 100);
    const link = links.find(
      (l) => l.aId && synup.account.posts.values().some((p) => p.id === l.bId && p.status === 'draft'),
    );
    if (!link) return;
    const local = await repos.records.get(org.id, collection.id, link.aId!);
    if (!local) return;
    await repos.records.update(org.id, collection.id, local.id, {
      data: { ...local.data, content: `${String(local.data.content)} (edited in DataSync)` },
    });
    // Synup announces the edit with a signed post.updated webhook, which queues the run that finds the conflict.
    const post = synup.ops.edit(link.bId!, { content: `${String(local.data.content)} (edited on Synup)` });
    ctx.logger.info(
      { post: post.id },
      'demo: one post was edited on both sides: resolve the conflict in Conflicts (GET /api/v1/conflicts)',
    );
  };

  return {
    synup,
    airtable,
    lines,
    connect(serverUrl, runtime) {
      synup.registerWebhook(`${serverUrl}/api/v1/hooks/${synupConnection}`);
      if (created.length === 0) return;
      seeding = seed(runtime.queue).catch((error: unknown) => {
        if (!stopping.signal.aborted)
          ctx.logger.warn({ err: errorMessage(error) }, 'demo: two-way seed stopped');
      });
    },
    async close() {
      stopping.abort();
      await seeding;
      await synup.close();
      await airtable.close();
    },
  };
}
