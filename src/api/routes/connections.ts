/**
 * @module `/api/v1/connections`: a connector with its settings and credentials for the current organization.
 * Credentials are write-only: accepted on create and update, sealed at rest, answered masked (`••••1234`).
 * `POST …/:id/test` asks the pluggable ConnectionChecker and records the connection's health.
 */
import { z } from 'zod';
import type { WebhookVerifierRegistry } from '../../hooks/verifier.js';
import { DataSyncError } from '../../lib/errors.js';
import type { Connection } from '../../store/repositories/connections.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import { connectionSchema } from '../endpoint-schema.js';
import { assertNotManagedByConfig } from '../managed-resources.js';
import {
  idSchema,
  JsonObjectSchema,
  NameSchema,
  pageQueryShape,
  pageSchema,
  TimestampSchema,
} from '../schemas/common.js';

const HEALTH = ['unknown', 'healthy', 'unhealthy', 'paused'] as const;

const ConnectorNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be a connector name such as "airtable"');

const CredentialsSchema = z
  .record(z.string().min(1).max(100), z.string().max(8192))
  .refine((c) => Object.keys(c).length <= 50, 'at most 50 credential fields')
  .meta({ description: 'write-only; answered masked' });

const ConnectionSchema = z
  .strictObject({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    connector: z.string(),
    settings: z.record(z.string(), z.unknown()),
    credentials: z
      .record(z.string(), z.string())
      .meta({ description: 'each credential field masked, e.g. "••••1234"' }),
    health: z.enum(HEALTH),
    healthMessage: z.string().nullable(),
    checkedAt: TimestampSchema.nullable(),
    managedBy: z.string().nullable(),
    webhookVerification: z
      .strictObject({ receivedAt: TimestampSchema, revealedAt: TimestampSchema.nullable() })
      .nullable()
      .meta({
        description:
          'the verification token the platform sent when a webhook subscription was created (Notion): ' +
          'revealedAt null means an admin has not copied it yet (POST …/webhook-verification/reveal)',
      }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Connection' });

const IdParams = z.strictObject({ id: idSchema('con') });

const SchemaFieldSchema = z
  .strictObject({
    type: z.string(),
    required: z.boolean().optional(),
    readOnly: z.boolean().optional(),
    values: z.array(z.string()).optional(),
  })
  .meta({ id: 'SchemaField' });

export const SchemaObjectSchema = z
  .strictObject({
    name: z.string(),
    fields: z.record(z.string(), SchemaFieldSchema),
    freeForm: z
      .boolean()
      .meta({ description: 'no declared schema: fields are those seen in records, others are allowed' }),
  })
  .meta({ id: 'SchemaObject' });

export const SideSchemaSchema = z
  .strictObject({
    connector: z.string(),
    connectionId: z.string().nullable(),
    objects: z.array(SchemaObjectSchema),
    error: z
      .string()
      .nullable()
      .meta({ description: 'why the objects could not be read (then objects is empty)' }),
  })
  .meta({ id: 'SideSchema' });

function view(c: Connection): z.output<typeof ConnectionSchema> {
  return c;
}

/** The credential field a connector's subscription token is kept in; 400 for a platform that sends none. */
function subscriptionTokenField(verifiers: WebhookVerifierRegistry | undefined, c: Connection): string {
  const field = verifiers?.get(c.connector)?.subscriptionToken?.field;
  if (!field) {
    throw new DataSyncError(
      'bad_request',
      `${c.connector} connections receive no webhook verification token`,
      {
        details: { connector: c.connector },
      },
    );
  }
  return field;
}

export const connectionRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/connections',
    operationId: 'listConnections',
    summary: 'List connections, newest first',
    tag: 'connections',
    access: 'connections:read',
    query: z.strictObject({
      ...pageQueryShape,
      connector: ConnectorNameSchema.optional(),
      health: z.enum(HEALTH).optional(),
    }),
    responses: { 200: pageSchema(ConnectionSchema) },
    async handler({ query, auth, repos }) {
      return ok(await repos.connections.list(auth.orgId, query));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/connections',
    operationId: 'createConnection',
    summary: 'Create a connection',
    tag: 'connections',
    access: 'connections:write',
    body: z
      .strictObject({
        name: NameSchema,
        connector: ConnectorNameSchema,
        settings: JsonObjectSchema.optional(),
        credentials: CredentialsSchema.optional(),
      })
      .meta({ id: 'CreateConnectionRequest' }),
    responses: { 201: ConnectionSchema },
    async handler({ body, auth, transaction }) {
      const connection = await transaction(async (repos, audit) => {
        const c = await repos.connections.create(auth.orgId, body);
        await audit({
          action: 'connection.created',
          resourceType: 'connection',
          resourceId: c.id,
          details: { name: c.name, connector: c.connector, credentialFields: Object.keys(c.credentials) },
        });
        return c;
      });
      return created(view(connection));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/connections/:id',
    operationId: 'getConnection',
    summary: 'One connection (credentials masked)',
    tag: 'connections',
    access: 'connections:read',
    params: IdParams,
    responses: { 200: ConnectionSchema },
    async handler({ params, auth, repos }) {
      const c = await repos.connections.get(auth.orgId, params.id);
      if (!c) throw new DataSyncError('not_found', 'connection not found');
      return ok(view(c));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/api/v1/connections/:id',
    operationId: 'updateConnection',
    summary: 'Change name, settings or credentials (credentials are replaced as a whole)',
    tag: 'connections',
    access: 'connections:write',
    params: IdParams,
    body: z
      .strictObject({
        name: NameSchema.optional(),
        settings: JsonObjectSchema.optional(),
        credentials: CredentialsSchema.optional(),
      })
      .refine((b) => Object.keys(b).length > 0, 'nothing to change')
      .meta({ id: 'UpdateConnectionRequest' }),
    responses: { 200: ConnectionSchema },
    async handler({ params, body, auth, transaction }) {
      const c = await transaction(async (repos, audit) => {
        const existing = await repos.connections.get(auth.orgId, params.id);
        if (!existing) throw new DataSyncError('not_found', 'connection not found');
        assertNotManagedByConfig(existing, 'connection');
        const updated = await repos.connections.update(auth.orgId, params.id, body);
        await audit({
          action: 'connection.updated',
          resourceType: 'connection',
          resourceId: params.id,
          details: { fields: Object.keys(body) },
        });
        return updated!;
      });
      return ok(view(c));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/connections/:id',
    operationId: 'deleteConnection',
    summary: 'Delete a connection',
    tag: 'connections',
    access: 'connections:write',
    params: IdParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        const existing = await repos.connections.get(auth.orgId, params.id);
        if (existing) assertNotManagedByConfig(existing, 'connection');
        if (!existing || !(await repos.connections.delete(auth.orgId, params.id))) {
          throw new DataSyncError('not_found', 'connection not found');
        }
        await audit({ action: 'connection.deleted', resourceType: 'connection', resourceId: params.id });
      });
      return noContent();
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/connections/:id/webhook-verification/reveal',
    operationId: 'revealWebhookVerificationToken',
    summary: 'The verification token the platform sent for its webhook subscription, shown once',
    description:
      'Notion sends a token, unsigned, when a webhook subscription is created; paste it into Notion to verify ' +
      'the subscription. The token also verifies every later delivery. It is answered once: 409 `conflict` ' +
      'when none was received or it was already shown (reset it and have the platform send it again).',
    tag: 'connections',
    access: 'connections:write',
    params: IdParams,
    responses: { 200: z.strictObject({ token: z.string() }).meta({ id: 'WebhookVerificationToken' }) },
    async handler({ params, auth, api, repos, transaction }) {
      const c = await repos.connections.get(auth.orgId, params.id);
      if (!c) throw new DataSyncError('not_found', 'connection not found');
      const field = subscriptionTokenField(api.options.webhookVerifiers, c);
      const token = await transaction(async (txRepos, audit) => {
        const revealed = await txRepos.connections.revealVerificationToken(auth.orgId, c.id, field);
        if (revealed === undefined) {
          throw new DataSyncError(
            'conflict',
            c.webhookVerification
              ? 'the verification token was already shown; reset it and have the platform send it again'
              : 'no verification token has been received yet: create the webhook subscription in the platform',
            { details: { webhookVerification: c.webhookVerification } },
          );
        }
        await audit({
          action: 'connection.webhook_token_revealed',
          resourceType: 'connection',
          resourceId: c.id,
        });
        return revealed;
      });
      return ok({ token });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/connections/:id/webhook-verification',
    operationId: 'resetWebhookVerificationToken',
    summary: "Forget the platform's verification token, so the next verification request is accepted",
    description:
      'Deliveries signed with the forgotten token are refused from then on. Use it when the subscription is ' +
      'recreated in the platform, or a token was lost before it was copied.',
    tag: 'connections',
    access: 'connections:write',
    params: IdParams,
    responses: { 204: null },
    async handler({ params, auth, api, repos, transaction }) {
      const c = await repos.connections.get(auth.orgId, params.id);
      if (!c) throw new DataSyncError('not_found', 'connection not found');
      assertNotManagedByConfig(c, 'connection');
      const field = subscriptionTokenField(api.options.webhookVerifiers, c);
      await transaction(async (txRepos, audit) => {
        await txRepos.connections.resetVerificationToken(auth.orgId, c.id, field);
        await audit({
          action: 'connection.webhook_token_reset',
          resourceType: 'connection',
          resourceId: c.id,
        });
      });
      return noContent();
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/connections/:id/schema',
    operationId: 'getConnectionSchema',
    summary: "The connection's objects and their fields, as its connector describes them",
    description:
      'A connector that cannot describe its objects (platform unreachable, credentials refused) answers 200 ' +
      'with `error` set and no objects.',
    tag: 'connections',
    access: 'connections:read',
    params: IdParams,
    responses: { 200: SideSchemaSchema },
    async handler({ params, auth, api, repos }) {
      return ok(await connectionSchema(api, repos, auth.orgId, params.id));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/connections/:id/test',
    operationId: 'testConnection',
    summary: "Check the connection's credentials against its platform and record its health",
    description: 'Answers 501 `not_implemented` while no connector can check this kind of connection.',
    tag: 'connections',
    access: 'connections:test',
    params: IdParams,
    responses: {
      200: z
        .strictObject({ ok: z.boolean(), message: z.string(), connection: ConnectionSchema })
        .meta({ id: 'ConnectionTestResult' }),
    },
    async handler({ params, auth, api, repos, transaction }) {
      const c = await repos.connections.get(auth.orgId, params.id);
      if (!c) throw new DataSyncError('not_found', 'connection not found');
      const credentials = (await repos.connections.credentials(auth.orgId, params.id)) ?? {};
      const result = await api.options.connectionChecker.check({
        orgId: auth.orgId,
        connectionId: c.id,
        connector: c.connector,
        settings: c.settings,
        credentials,
      });
      const updated = await transaction(async (txRepos, audit) => {
        await txRepos.connections.setHealth(
          auth.orgId,
          c.id,
          result.ok ? 'healthy' : 'unhealthy',
          result.message,
        );
        await audit({
          action: 'connection.tested',
          resourceType: 'connection',
          resourceId: c.id,
          details: { ok: result.ok },
        });
        return txRepos.connections.get(auth.orgId, c.id);
      });
      return ok({ ok: result.ok, message: result.message, connection: view(updated!) });
    },
  }),
];
