/**
 * @module The document's part for the endpoints outside `defineRoute` (they authenticate with their own secrets,
 * not with sessions or API keys): the webhook receiver (hooks/hook-routes.ts), the external cron tick and the
 * Prometheus metrics (api/ops-routes.ts). Written by hand because those handlers take raw bodies and answer
 * text; test/api/openapi.test.ts calls each one to keep this description true.
 */

type Json = Record<string, unknown>;

const ERROR = { $ref: '#/components/schemas/ErrorBody' };
const errorResponse = (description: string): Json => ({
  description,
  content: { 'application/json': { schema: ERROR } },
});

const connectionId = {
  name: 'connectionId',
  in: 'path',
  required: true,
  description: 'The connection the platform was pointed at (con_…)',
  schema: { type: 'string', pattern: '^con_[0-9a-z]{26}$' },
};

export const OPS_SECURITY_SCHEMES: Record<string, Json> = {
  cronSecret: { type: 'http', scheme: 'bearer', description: 'The CRON_SECRET of the server' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'The METRICS_TOKEN of the server, when set' },
};

const tick = (method: 'post' | 'get'): Json => ({
  operationId: method === 'post' ? 'cronTick' : 'cronTickGet',
  summary:
    method === 'post'
      ? 'Enqueue every due schedule now (for platforms that drive cron from outside); work runs on a worker'
      : 'The same tick as POST, for schedulers that can only GET (Vercel Cron)',
  tags: ['operations'],
  'x-access': 'cron-secret',
  security: [{ cronSecret: [] }],
  parameters: [],
  responses: {
    202: {
      description: 'Due schedules enqueued',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              enqueued: { type: 'integer', minimum: 0 },
              schedules: { type: 'array', items: { type: 'string' } },
            },
            required: ['enqueued', 'schedules'],
            additionalProperties: false,
          },
        },
      },
    },
    401: errorResponse('Missing or wrong bearer token'),
    404: errorResponse('CRON_SECRET is not set: the endpoint is disabled'),
    501: errorResponse('No runtime in this process'),
  },
});

/** Path items to merge into the document. */
export function opsPaths(): Record<string, Record<string, Json>> {
  return {
    '/api/v1/hooks/{connectionId}': {
      post: {
        operationId: 'receiveWebhook',
        summary:
          'Receive a platform webhook: verified over the raw body with the connection’s secret in the platform’s scheme, stored, deduped by event id, answered at once',
        tags: ['webhooks'],
        'x-access': 'webhook-signature',
        security: [],
        parameters: [connectionId],
        requestBody: {
          required: false,
          description: 'The platform’s payload, any content type, kept byte for byte (up to 1 MiB)',
          content: { '*/*': { schema: { type: 'string' } } },
        },
        responses: {
          202: {
            description: 'Stored; a webhook.process job is queued',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { received: { type: 'boolean', const: true }, eventId: { type: 'string' } },
                  required: ['received', 'eventId'],
                  additionalProperties: false,
                },
              },
            },
          },
          401: errorResponse('Missing, forged, stale or malformed signature, or no secret on the connection'),
          404: errorResponse('No connection accepts webhooks here'),
          409: errorResponse('This event id was received before'),
          413: errorResponse('Body too large'),
          501: errorResponse('No runtime in this process'),
        },
      },
      get: {
        operationId: 'webhookHandshake',
        summary:
          'Answer a platform’s subscription handshake (Meta: hub.mode, hub.verify_token, hub.challenge)',
        tags: ['webhooks'],
        'x-access': 'webhook-signature',
        security: [],
        parameters: [
          connectionId,
          { name: 'hub.mode', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'hub.verify_token', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'hub.challenge', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description: 'The challenge, echoed',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          400: {
            description: 'Not a subscribe request',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          403: {
            description: 'Wrong verify token',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          404: errorResponse('No connection accepts webhooks here'),
          405: errorResponse('This platform has no verification handshake'),
        },
      },
    },
    '/api/v1/cron/tick': { post: tick('post'), get: tick('get') },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['operations'],
        'x-access': 'metrics-token',
        security: [{}, { metricsToken: [] }],
        parameters: [],
        responses: {
          200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
          401: errorResponse('METRICS_TOKEN is set and the bearer token is missing or wrong'),
        },
      },
    },
  };
}

/** How many operations opsPaths adds (the document test counts them). */
export const OPS_OPERATION_COUNT = 5;
