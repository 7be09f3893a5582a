/**
 * @module `runSync`: one run of one sync, end to end. This is the function the runtime's job worker calls.
 *
 * It loads the sync and its state, opens both endpoints through the connector registry, compiles the pairs, and
 * runs them parents-first (dependency levels), then applies pending deletes children-first behind the mass-delete
 * guard. Every batch commits its links, conflicts and cursor together, so a crash or a cancel (AbortSignal)
 * loses nothing committed and the next run resumes after the last committed batch.
 *
 * Errors: an unknown sync, a bad definition or an unknown connector throw a DataSyncError before anything is
 * written. A platform failure during the run (network, auth, rate limit…) ends the run with outcome `failed` and
 * `error.kind` / `error.retryAfterMs` for the runtime's retry policy. Record-level failures make it `partial`.
 */
import type { Kysely } from 'kysely';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Connector, ObjectClient } from '../connectors/sdk/connector.js';
import { ConnectorError, isConnectorError } from '../connectors/sdk/errors.js';
import type { RequestPacer } from '../connectors/sdk/pacing.js';
import {
  DataSyncError,
  errorMessage,
  isDataSyncError,
  RunDrained,
  RunInterruption,
  type ErrorCode,
} from '../lib/errors.js';
import type { ConnectionRepository } from '../store/repositories/connections.js';
import { SyncRepository } from '../store/repositories/syncs.js';
import type { Database } from '../store/schema.js';
import type { EndpointDefinition, Side } from './definition.js';
import { dependencyLevels } from './dependencies.js';
import { emptyCounts, type SyncEvent, type SyncResult } from './events.js';
import { CompiledPair } from './mapping.js';
import { PairRunner, type RunShared } from './pair-runner.js';

export interface RunSyncOptions {
  db: Kysely<Database>;
  connectors: ConnectorRegistry;
  /** Needed when an endpoint names a connection (opens its settings and credentials). */
  connections?: Pick<ConnectionRepository, 'get' | 'credentials'> &
    Partial<Pick<ConnectionRepository, 'update' | 'setHealth'>>;
  orgId: string;
  syncId: string;
  /** Stored on conflicts and echoed in the result; the runtime passes its run id. */
  runId?: string;
  /** Decide and report, write nothing (no links, no cursors, no platform calls that write). */
  dryRun?: boolean;
  /** Apply deletes even when they trip the mass-delete guard (a person approved them). */
  approveDeletes?: boolean;
  /** Cancel or time out: checked between batches; committed batches stay committed. */
  signal?: AbortSignal;
  /**
   * Shutdown: the run stops at its next batch boundary, without aborting a request in flight, and throws
   * RunDrained (committed batches and the cursor stay; the runtime resumes the run from there).
   */
  drain?: AbortSignal;
  onEvent?: (event: SyncEvent) => void;
  /**
   * Called before every engine operation that calls a platform: the runtime yields the event loop here and, for
   * connectors that do not pace their own requests, takes a token of the connection's bucket.
   */
  throttle?: (side: Side, operation: 'read' | 'write') => Promise<void>;
  /** The pacer each opened connection's HTTP requests go through (see connectors/sdk/pacing.ts). */
  pacerFor?: (connectionId: string, connector: string) => RequestPacer | undefined;
  /** Dry-run plan entries kept in the result (default 1000). */
  planLimit?: number;
  /** Page size asked of connectors (default 1000). */
  pageSize?: number;
  /** Run this time in one direction only (e.g. an import pulls, an export pushes a two-way sync's links). */
  direction?: 'push' | 'pull';
  /** Run only these pairs (their parents' links still resolve references). */
  pairs?: readonly string[];
  /** Run the pairs of one dependency level at once (independent branches in parallel). */
  parallelLevels?: boolean;
}

async function openEndpoint(options: RunSyncOptions, endpoint: EndpointDefinition): Promise<Connector> {
  if (endpoint.connector !== undefined) {
    return options.connectors.create(endpoint.connector, {
      orgId: options.orgId,
      settings: endpoint.settings,
      credentials: {},
      db: options.db,
    });
  }
  const id = endpoint.connectionId!;
  if (!options.connections) {
    throw new DataSyncError('internal', `runSync needs connections to open connection ${id}`);
  }
  const connection = await options.connections.get(options.orgId, id);
  if (!connection) throw new DataSyncError('not_found', `connection ${id} does not exist`);
  const connections = options.connections;
  const credentials = (await connections.credentials(options.orgId, id)) ?? {};
  const pacer = options.pacerFor?.(id, connection.connector);
  return options.connectors.create(connection.connector, {
    orgId: options.orgId,
    settings: { ...connection.settings, ...endpoint.settings },
    credentials,
    db: options.db,
    connectionId: id,
    ...(pacer ? { pacer } : {}),
    // Refreshed OAuth tokens are sealed on the connection before any call uses them, so a crash after the
    // refresh never leaves the connection with a refresh token the platform has already rotated away.
    tokens: {
      save: async (tokens) => {
        if (!connections.update) return;
        const current = (await connections.credentials(options.orgId, id)) ?? credentials;
        await connections.update(options.orgId, id, {
          credentials: {
            ...current,
            accessToken: tokens.accessToken,
            ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
            ...(tokens.expiresAt ? { expiresAt: tokens.expiresAt } : {}),
          },
        });
      },
      failed: async (message) => {
        await connections.setHealth?.(options.orgId, id, 'unhealthy', message);
      },
    },
  });
}

/** Runs one sync once. See the module doc for what is committed when, and how failures are reported. */
export async function runSync(options: RunSyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const syncs = new SyncRepository(options.db);
  const sync = await syncs.get(options.orgId, options.syncId);
  if (!sync) throw new DataSyncError('not_found', `sync ${options.syncId} does not exist`);
  const definition = options.direction
    ? { ...sync.definition, direction: options.direction }
    : sync.definition;
  const only = options.pairs ? new Set(options.pairs) : undefined;
  const unknownPair = options.pairs?.find((name) => !definition.objects.some((p) => p.name === name));
  if (unknownPair !== undefined)
    throw new DataSyncError('validation_failed', `unknown pair "${unknownPair}"`);
  const connectors = {
    a: await openEndpoint(options, definition.a),
    b: await openEndpoint(options, definition.b),
  };

  const shared: RunShared = {
    db: options.db,
    orgId: options.orgId,
    syncId: sync.id,
    runId: options.runId ?? null,
    definition,
    state: await syncs.state(options.orgId, sync.id),
    dryRun: options.dryRun ?? false,
    signal: options.signal,
    drain: options.drain,
    emit: (event) => options.onEvent?.(event),
    counts: emptyCounts(),
    traffic: { a: { read: 0, written: 0 }, b: { read: 0, written: 0 } },
    errors: [],
    plan: [],
    planLimit: options.planLimit ?? 1000,
    planTruncated: false,
    conflicted: new Set(),
    plannedDeletes: new Map(),
    throttle: options.throttle,
    pageSize: options.pageSize ?? 1000,
    firstPass: connectors.b.rateLimit && !connectors.a.rateLimit ? 'b' : 'a',
  };

  const runners = new Map<string, PairRunner>();
  // Opening a side's objects is where connectors fetch the platform's schema (once, then cached): that request
  // draws on the rate budget like any other.
  await options.throttle?.('a', 'read');
  await options.throttle?.('b', 'read');
  for (const pair of definition.objects) {
    let clients: { a: ObjectClient; b: ObjectClient };
    try {
      clients = { a: await connectors.a.object(pair.a), b: await connectors.b.object(pair.b) };
    } catch (error) {
      // A platform that could not answer (network, 5xx, rate limit, auth) is not a bad definition: its error
      // keeps its kind, so the runtime backs off and retries it. Only an object that does not exist is ours.
      if (!(error instanceof ConnectorError) || error.kind === 'not_found' || error.kind === 'validation')
        throw new DataSyncError('validation_failed', `pair ${pair.name}: ${errorMessage(error)}`, {
          cause: error,
        });
      throw error;
    }
    const compiled = new CompiledPair(pair, definition, { a: clients.a.spec, b: clients.b.spec });
    runners.set(pair.name, new PairRunner(shared, compiled, clients));
  }
  const levels = dependencyLevels(
    [...runners.values()].map((r) => ({ name: r.pair.name, parents: r.pair.parents })),
  );

  const result = (outcome: SyncResult['outcome'], error?: SyncResult['error']): SyncResult => ({
    syncId: sync.id,
    runId: shared.runId,
    dryRun: shared.dryRun,
    outcome,
    counts: shared.counts,
    traffic: shared.traffic,
    errors: shared.errors,
    plan: shared.plan,
    planTruncated: shared.planTruncated,
    ...(error ? { error } : {}),
    durationMs: Date.now() - started,
  });

  let guard: SyncResult['error'] | undefined;
  try {
    for (const [level, all] of levels.entries()) {
      const names = only ? all.filter((n) => only.has(n)) : all;
      const runPair = async (name: string) => {
        const runner = runners.get(name)!;
        options.signal?.throwIfAborted();
        if (options.drain?.aborted) throw new RunDrained();
        shared.emit({
          type: 'pair_started',
          pair: name,
          level,
          mode: definition.mode === 'full' ? 'scan' : 'mixed',
        });
        await runner.run();
        shared.emit({ type: 'pair_finished', pair: name });
      };
      if (options.parallelLevels) {
        // Every branch settles before the run ends, so nothing keeps writing after the result is returned.
        const settled = await Promise.allSettled(names.map(runPair));
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      } else for (const name of names) await runPair(name);
    }
    for (const all of [...levels].reverse()) {
      const names = only ? all.filter((n) => only.has(n)) : all;
      for (const name of names) {
        const outcome = await runners.get(name)!.applyDeletes(options.approveDeletes ?? false);
        if (outcome.tripped && !options.approveDeletes && !guard) {
          guard = {
            code: 'conflict',
            message: `mass-delete guard: ${outcome.pending} deletes pending in ${name} (of ${outcome.linked} linked records); approve them to apply`,
            details: {
              reason: 'mass_delete_guard',
              pair: name,
              pending: outcome.pending,
              linked: outcome.linked,
            },
          };
        }
      }
    }
  } catch (error) {
    // Committed batches stay committed; the runtime resumes from the checkpoint at `resumeAt`.
    if (error instanceof RunInterruption) throw error;
    if (options.signal?.aborted) {
      return result('cancelled', {
        code: 'internal',
        message: `cancelled: ${errorMessage(options.signal.reason)}`,
      });
    }
    return result('failed', describeFailure(error));
  }
  if (guard) return result('failed', guard);
  return result(shared.counts.errors > 0 ? 'partial' : 'success');
}

function describeFailure(error: unknown): NonNullable<SyncResult['error']> {
  if (isConnectorError(error)) {
    const code: ErrorCode =
      error.kind === 'rate_limited'
        ? 'quota'
        : error.kind === 'auth'
          ? 'auth'
          : error.kind === 'validation'
            ? 'remote_validation'
            : error.kind === 'conflict'
              ? 'remote_conflict'
              : error.kind === 'not_found'
                ? 'remote_not_found'
                : 'network';
    return {
      code,
      message: error.message,
      kind: error.kind,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  if (isDataSyncError(error)) return { code: error.code, message: error.message, details: error.details };
  return { code: 'internal', message: errorMessage(error) };
}
