/**
 * @module Loads a config file, compares it with the organization's database and applies the difference in one
 * transaction. Applying twice changes nothing the second time; a change made by hand to a managed resource shows
 * up in the next plan and is put back by apply.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createJiti } from 'jiti';
import type { AppContext } from '../app/context.js';
import { parseSyncDefinition } from '../engine/definition.js';
import { canonicalJson } from '../lib/checksum.js';
import { DataSyncError } from '../lib/errors.js';
import { createRepositories, type Repositories } from '../store/repositories/index.js';
import { readAllPages } from '../store/repositories/page.js';
import { configFileSchema, ENV_MARKER, type ConfigFile } from './define-config.js';
import { planChanges, type Change, type Comparable } from './plan.js';

export const MANAGED_BY = 'config';
export const DEFAULT_CONFIG_FILE = 'datasync.config.ts';

export async function loadConfigFile(file: string): Promise<ConfigFile> {
  const full = path.resolve(file);
  if (!existsSync(full)) {
    throw new DataSyncError('config_invalid', `no config file at ${full}`, {
      hint: 'create datasync.config.ts (or write one with `datasync export`) or pass --config <file>',
    });
  }
  let loaded: unknown;
  try {
    const jiti = createJiti(import.meta.url, { moduleCache: false });
    loaded = await jiti.import(full, { default: true });
  } catch (error) {
    throw new DataSyncError('config_invalid', `cannot load ${full}: ${(error as Error).message}`, {
      hint: 'fix the file so it runs and default-exports defineConfig({...})',
      cause: error,
    });
  }
  const parsed = configFileSchema.safeParse(loaded);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new DataSyncError(
      'config_invalid',
      `${full}: ${first.path.join('.') || 'config'} ${first.message}`,
      {
        hint: 'fix the value in the config file',
      },
    );
  }
  return parsed.data;
}

const digest = (value: unknown) =>
  createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);

interface Desired {
  orgId: string;
  connections: (Comparable & {
    connector: string;
    settings: Record<string, unknown>;
    credentials: Record<string, string>;
  })[];
  collections: (Comparable & { displayName: string; schema: Record<string, unknown> })[];
  syncs: (Comparable & {
    definition: Record<string, unknown>;
    schedule: string | null;
    status: 'active' | 'paused';
  })[];
}

async function resolveOrg(repos: Repositories, slug: string | undefined): Promise<string> {
  if (slug) {
    const org = await repos.organizations.bySlug(slug);
    if (!org)
      throw new DataSyncError('not_found', `organization "${slug}" does not exist`, {
        hint: 'fix `organization` in the config file',
      });
    return org.id;
  }
  const org = await repos.organizations.first();
  if (!org)
    throw new DataSyncError('not_found', 'the database has no organization yet', {
      hint: 'start DataSync once, or set `organization`',
    });
  return org.id;
}

function desiredFrom(
  config: ConfigFile,
  orgId: string,
  environment: NodeJS.ProcessEnv,
  connectionIds: Map<string, string>,
): Desired {
  const missing: string[] = [];
  const connections = Object.entries(config.connections).map(([name, c]) => {
    const credentials: Record<string, string> = {};
    for (const [field, ref] of Object.entries(c.credentials)) {
      const value = environment[ref[ENV_MARKER]];
      if (value === undefined || value === '') missing.push(ref[ENV_MARKER]);
      else credentials[field] = value;
    }
    return {
      name,
      managed: true,
      connector: c.connector,
      settings: c.settings,
      credentials,
      fields: { connector: c.connector, settings: c.settings, credentials: digest(credentials) },
    };
  });
  if (missing.length > 0) {
    throw new DataSyncError(
      'config_invalid',
      `credentials missing from the environment: ${[...new Set(missing)].join(', ')}`,
      {
        hint: 'set them in the environment or .env before plan/apply',
      },
    );
  }
  const collections = Object.entries(config.collections).map(([key, c]) => ({
    name: key,
    managed: true,
    displayName: c.name,
    schema: c.schema,
    fields: { name: c.name, schema: c.schema },
  }));
  const syncs = Object.entries(config.syncs).map(([name, s]) => {
    const definition = structuredClone(s.definition);
    for (const side of ['a', 'b']) {
      const endpoint = definition[side] as Record<string, unknown> | undefined;
      if (endpoint && typeof endpoint.connection === 'string') {
        const ref = endpoint.connection;
        const id = connectionIds.get(ref) ?? `pending:${ref}`;
        if (!(ref in config.connections) && !connectionIds.has(ref)) {
          throw new DataSyncError(
            'config_invalid',
            `sync "${name}" names connection "${ref}", which the config does not declare`,
            {
              hint: 'declare it under connections or fix the name',
            },
          );
        }
        delete endpoint.connection;
        endpoint.connectionId = id;
      }
    }
    const status = s.paused ? ('paused' as const) : ('active' as const);
    let normalized: Record<string, unknown>;
    try {
      // Compared as stored: the engine's parse fills defaults, so an unchanged file plans no change.
      normalized = parseSyncDefinition(definition) as unknown as Record<string, unknown>;
    } catch (error) {
      const issues = (error as DataSyncError).details?.issues as
        { path: string; message: string }[] | undefined;
      const first = issues?.[0];
      throw new DataSyncError(
        'config_invalid',
        `sync "${name}": ${first ? `${first.path} ${first.message}` : 'invalid definition'}`,
        {
          hint: 'fix the sync definition in the config file',
        },
      );
    }
    return {
      name,
      managed: true,
      definition: normalized,
      schedule: s.schedule,
      status,
      fields: { definition: normalized, schedule: s.schedule, status },
    };
  });
  return { orgId, connections, collections, syncs };
}

export interface ConfigPlan {
  orgId: string;
  changes: Change[];
  apply(): Promise<Change[]>;
}

/** Computes the plan; `apply()` carries it out in one transaction. */
export async function planConfig(
  ctx: AppContext,
  config: ConfigFile,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<ConfigPlan> {
  const orgId = await resolveOrg(ctx.repos, config.organization);
  const { repos } = ctx;
  const connections = await readAllPages((cursor) => repos.connections.list(orgId, { cursor, limit: 200 }));
  const collections = await readAllPages((cursor) => repos.collections.list(orgId, { cursor, limit: 200 }));
  const syncs = await readAllPages((cursor) => repos.syncs.list(orgId, { cursor, limit: 200 }));
  const connectionIds = new Map(connections.map((c) => [c.name, c.id]));
  const desired = desiredFrom(config, orgId, environment, connectionIds);

  const currentConnections: Comparable[] = [];
  for (const c of connections) {
    const credentials = (await repos.connections.credentials(orgId, c.id)) ?? {};
    currentConnections.push({
      name: c.name,
      managed: c.managedBy === MANAGED_BY,
      fields: { connector: c.connector, settings: c.settings, credentials: digest(credentials) },
    });
  }
  const changes = [
    ...planChanges('connection', desired.connections, currentConnections),
    ...planChanges(
      'collection',
      desired.collections,
      collections.map((c) => ({
        name: c.key,
        managed: c.managedBy === MANAGED_BY,
        fields: { name: c.name, schema: c.schema },
      })),
    ),
    ...planChanges(
      'sync',
      desired.syncs,
      syncs.map((s) => ({
        name: s.name,
        managed: s.managedBy === MANAGED_BY,
        fields: { definition: s.definition, schedule: s.schedule, status: s.status },
      })),
    ),
  ];

  return {
    orgId,
    changes,
    apply: async () => {
      if (changes.length === 0) return changes;
      await ctx.store.db.transaction().execute(async (trx) => {
        const r = createRepositories(trx, ctx.box);
        const ids = new Map(connectionIds);
        for (const change of changes.filter((c) => c.kind === 'connection')) {
          const want = desired.connections.find((c) => c.name === change.name);
          const id = ids.get(change.name);
          if (change.action === 'delete') await r.connections.delete(orgId, id!);
          else if (change.action === 'create') {
            const created = await r.connections.create(orgId, {
              name: want!.name,
              connector: want!.connector,
              settings: want!.settings,
              credentials: want!.credentials,
              managedBy: MANAGED_BY,
            });
            ids.set(change.name, created.id);
          } else {
            await r.connections.update(orgId, id!, {
              settings: want!.settings,
              credentials: want!.credentials,
            });
            await r.connections.setManagedBy(orgId, id!, MANAGED_BY);
          }
        }
        for (const change of changes.filter((c) => c.kind === 'collection')) {
          const want = desired.collections.find((c) => c.name === change.name);
          const current = collections.find((c) => c.key === change.name);
          if (change.action === 'delete') await r.collections.delete(orgId, change.name);
          else if (change.action === 'create')
            await r.collections.create(orgId, {
              key: change.name,
              name: want!.displayName,
              schema: want!.schema,
              managedBy: MANAGED_BY,
            });
          else {
            await r.collections.update(orgId, change.name, { name: want!.displayName, schema: want!.schema });
            await r.collections.setManagedBy(orgId, current!.id, MANAGED_BY);
          }
        }
        // Syncs last: their endpoints may name connections created above.
        const resolved = desiredFrom(config, orgId, environment, ids);
        for (const change of changes.filter((c) => c.kind === 'sync')) {
          const want = resolved.syncs.find((s) => s.name === change.name);
          const current = syncs.find((s) => s.name === change.name);
          if (change.action === 'delete') await r.syncs.delete(orgId, current!.id);
          else if (change.action === 'create') {
            const created = await r.syncs.create(orgId, {
              name: want!.name,
              definition: want!.definition,
              schedule: want!.schedule,
              managedBy: MANAGED_BY,
            });
            if (want!.status === 'paused') await r.syncs.update(orgId, created.id, { status: 'paused' });
          } else {
            await r.syncs.update(orgId, current!.id, {
              definition: want!.definition,
              schedule: want!.schedule,
              status: want!.status,
            });
            await r.syncs.setManagedBy(orgId, current!.id, MANAGED_BY);
          }
        }
        await r.auditLog.append(orgId, {
          actorType: 'system',
          actorId: null,
          action: 'config.applied',
          resourceType: 'config',
          details: { changes: changes.map((c) => `${c.action} ${c.kind} ${c.name}`) },
        });
      });
      return changes;
    },
  };
}
