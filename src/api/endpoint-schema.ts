/**
 * @module What a sync side looks like: its objects and their fields, for the mapping editor and for the server's
 * own mapping check. A connection asks its connector (`objects()`); a collection side is read from DataSync's
 * store: its content type when it has one, else the fields seen in its records (then `freeForm`, and paths
 * outside them are not errors). Always scoped to the caller's organization.
 */
import { STATUS_FIELD } from '../connectors/collection/collection-connector.js';
import { ConnectorError } from '../connectors/sdk/errors.js';
import type { EndpointDefinition } from '../engine/definition.js';
import type { SchemaField, SchemaObject } from '../engine/mapping-check.js';
import { DataSyncError } from '../lib/errors.js';
import type { Collection } from '../store/repositories/collections.js';
import type { Repositories } from '../store/repositories/index.js';
import type { ApiContext } from './api-options.js';

/** Records read to infer a free-form collection's fields: enough to see the usual keys, cheap on a big one. */
const SAMPLE = 200;
/** A platform that does not describe itself in this time is reported unavailable rather than holding the request. */
const DESCRIBE_TIMEOUT_MS = 10_000;

const CONTENT_TYPES: Record<string, string> = {
  text: 'string',
  rich_text: 'string',
  number: 'number',
  date: 'date',
  enum: 'string',
  boolean: 'boolean',
};

export interface SideSchema {
  connector: string;
  connectionId: string | null;
  objects: SchemaObject[];
  /** Why the objects could not be read (the platform is down, credentials are missing); then objects is empty. */
  error: string | null;
}

function valueType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'json';
}

async function describeCollection(repos: Repositories, orgId: string, c: Collection): Promise<SchemaObject> {
  const status: SchemaField = { type: 'string', values: ['draft', 'published', 'archived'] };
  const declared = c.schema.fields;
  if (Array.isArray(declared)) {
    const fields: Record<string, SchemaField> = {};
    for (const f of declared as { key: string; type: string; required?: boolean; options?: string[] }[]) {
      fields[f.key] = {
        type: CONTENT_TYPES[f.type] ?? 'json',
        ...(f.required ? { required: true } : {}),
        ...(f.options ? { values: f.options } : {}),
      };
    }
    return { name: c.key, fields: { ...fields, [STATUS_FIELD]: status }, freeForm: false };
  }
  if (declared && typeof declared === 'object') {
    // The older field-spec shape the collection connector reads ({ name: { type, required } }).
    const fields: Record<string, SchemaField> = {};
    for (const [name, value] of Object.entries(declared as Record<string, Partial<SchemaField> | null>)) {
      fields[name] = { type: value?.type ?? 'json', ...(value?.required ? { required: true } : {}) };
    }
    return { name: c.key, fields: { ...fields, [STATUS_FIELD]: status }, freeForm: false };
  }
  const seen: Record<string, SchemaField> = {};
  const sample = await repos.records.list(orgId, c.id, { limit: SAMPLE });
  for (const r of sample.data) {
    for (const [k, v] of Object.entries(r.data)) {
      if (v === null || v === undefined) continue;
      const type = valueType(v);
      const before = seen[k];
      seen[k] = { type: before && before.type !== type ? 'json' : type };
    }
  }
  return { name: c.key, fields: { ...seen, [STATUS_FIELD]: status }, freeForm: true };
}

async function collectionObjects(repos: Repositories, orgId: string): Promise<SchemaObject[]> {
  const out: SchemaObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await repos.collections.list(orgId, { cursor, limit: 200 });
    for (const c of page.data) out.push(await describeCollection(repos, orgId, c));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out.sort((x, y) => x.name.localeCompare(y.name));
}

async function connectorObjects(
  api: ApiContext,
  input: {
    orgId: string;
    connector: string;
    settings: Record<string, unknown>;
    credentials: Record<string, string>;
    connectionId?: string;
  },
): Promise<SchemaObject[]> {
  const connector = await api.options.connectors!.create(input.connector, {
    ...input,
    db: api.app.store.db,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ConnectorError('network', `${input.connector} did not describe its objects in time`)),
      DESCRIBE_TIMEOUT_MS,
    );
  });
  try {
    const specs = await Promise.race([connector.objects(), timeout]);
    return specs.map((s) => ({
      name: s.name,
      fields: Object.fromEntries(
        Object.entries(s.fields).map(([k, f]) => [
          k,
          {
            type: f.type,
            ...(f.required ? { required: true } : {}),
            ...(f.readOnly ? { readOnly: true } : {}),
            ...(f.values ? { values: [...f.values] } : {}),
          },
        ]),
      ),
      freeForm: false,
    }));
  } finally {
    clearTimeout(timer);
  }
}

/** A connection's objects; when its connector cannot describe them, `error` says why (an answer, not a throw). */
export async function connectionSchema(
  api: ApiContext,
  repos: Repositories,
  orgId: string,
  connectionId: string,
): Promise<SideSchema> {
  const c = await repos.connections.get(orgId, connectionId);
  if (!c) throw new DataSyncError('not_found', 'connection not found');
  if (c.connector === 'collection') {
    return {
      connector: c.connector,
      connectionId,
      objects: await collectionObjects(repos, orgId),
      error: null,
    };
  }
  const credentials = (await repos.connections.credentials(orgId, connectionId)) ?? {};
  try {
    const objects = await connectorObjects(api, {
      orgId,
      connector: c.connector,
      settings: c.settings,
      credentials,
      connectionId,
    });
    return { connector: c.connector, connectionId, objects, error: null };
  } catch (error) {
    return { connector: c.connector, connectionId, objects: [], error: describeFailure(error) };
  }
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One sync side; a side whose schema cannot be read has `error` set and no objects (its checks are skipped). */
export async function endpointSchema(
  api: ApiContext,
  repos: Repositories,
  orgId: string,
  endpoint: EndpointDefinition,
): Promise<SideSchema> {
  if (endpoint.connectionId !== undefined) {
    const c = await repos.connections.get(orgId, endpoint.connectionId);
    if (!c) {
      return {
        connector: 'unknown',
        connectionId: endpoint.connectionId,
        objects: [],
        error: `connection ${endpoint.connectionId} does not exist`,
      };
    }
    return connectionSchema(api, repos, orgId, endpoint.connectionId);
  }
  const connector = endpoint.connector!;
  if (connector === 'collection') {
    return { connector, connectionId: null, objects: await collectionObjects(repos, orgId), error: null };
  }
  try {
    const objects = await connectorObjects(api, {
      orgId,
      connector,
      settings: endpoint.settings,
      credentials: {},
    });
    return { connector, connectionId: null, objects, error: null };
  } catch (error) {
    return { connector, connectionId: null, objects: [], error: describeFailure(error) };
  }
}
