/**
 * @module Writes an organization's connections, collections and syncs as a `datasync.config.ts`. Credentials are
 * never exported: each becomes `env('<CONNECTION>_<FIELD>')`, naming the variable to set before `apply`.
 */
import type { AppContext } from '../app/context.js';
import { readAllPages } from '../store/repositories/page.js';

const envName = (...parts: string[]) =>
  parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '_');

export async function exportConfig(ctx: AppContext, orgId: string): Promise<string> {
  const { repos } = ctx;
  const org = await repos.organizations.get(orgId);
  const connections = (
    await readAllPages((cursor) => repos.connections.list(orgId, { cursor, limit: 200 }))
  ).reverse();
  const collections = (
    await readAllPages((cursor) => repos.collections.list(orgId, { cursor, limit: 200 }))
  ).reverse();
  const syncs = (await readAllPages((cursor) => repos.syncs.list(orgId, { cursor, limit: 200 }))).reverse();
  const names = new Map(connections.map((c) => [c.id, c.name]));
  const config = {
    organization: org?.slug,
    connections: Object.fromEntries(
      connections.map((c) => [
        c.name,
        {
          connector: c.connector,
          settings: c.settings,
          credentials: Object.fromEntries(
            Object.keys(c.credentials).map((f) => [f, { $env: envName(c.name, f) }]),
          ),
        },
      ]),
    ),
    collections: Object.fromEntries(collections.map((c) => [c.key, { name: c.name, schema: c.schema }])),
    syncs: Object.fromEntries(
      syncs.map((s) => {
        const definition = structuredClone(s.definition) as unknown as Record<
          string,
          Record<string, unknown>
        >;
        for (const side of ['a', 'b']) {
          const endpoint = definition[side];
          if (endpoint && typeof endpoint.connectionId === 'string' && names.has(endpoint.connectionId)) {
            endpoint.connection = names.get(endpoint.connectionId);
            delete endpoint.connectionId;
          }
        }
        return [s.name, { definition, schedule: s.schedule, paused: s.status === 'paused' }];
      }),
    ),
  };
  const body = JSON.stringify(config, null, 2).replace(/\{\s*"\$env": "([A-Z0-9_]+)"\s*\}/g, "env('$1')");
  return [
    '// Written by `datasync export`. Apply with `datasync apply`; `datasync plan` shows the difference first.',
    "import { defineConfig, env } from 'datasync/config';",
    '',
    `export default defineConfig(${body});`,
    '',
  ].join('\n');
}
