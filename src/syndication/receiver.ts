/**
 * @module The built-in mock receiver, `POST /destinations/:siteId`: what a real site would do with a
 * delivery. It verifies the Standard Webhooks signature (and X-DSIGN when present) over the raw body, stores
 * the payload as the site's snapshot and answers `{applied, receivedAt, itemCount}`. In simulate mode it fails
 * a share of requests with a 500, so demos show retries and partial runs.
 */
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../api/http-errors.js';
import { verifyDsign, verifyStandardWebhook } from '../deliveries/signing.js';
import type { Repositories } from '../store/repositories/index.js';

export interface ReceiverOptions {
  repos: Repositories;
  /** Injectable for deterministic tests of simulate mode. */
  random?: () => number;
}

export async function receiverRoutes(app: FastifyInstance, options: ReceiverOptions): Promise<void> {
  const random = options.random ?? Math.random;
  // Signatures are over the exact bytes sent: keep the raw body (this parser applies inside this plugin only).
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: 10 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );

  app.post<{ Params: { siteId: string } }>('/destinations/:siteId', async (request, reply) => {
    const site = await options.repos.sites.findForSignedRequest(request.params.siteId);
    if (!site) return reply.status(404).send(errorBody('not_found', 'no such site'));
    const secret = await options.repos.sites.secret(site.orgId, site.id);
    const raw = typeof request.body === 'string' ? request.body : '';
    const verdict = secret
      ? verifyStandardWebhook(secret, raw, request.headers)
      : ({ ok: false, reason: 'bad_signature' } as const);
    const dsign = request.headers['x-dsign'];
    if (!verdict.ok || (secret && typeof dsign === 'string' && !verifyDsign(secret, raw, dsign))) {
      request.log.warn(
        { siteId: site.id, reason: verdict.ok ? 'bad_dsign' : verdict.reason },
        'rejected delivery',
      );
      return reply.status(401).send(
        errorBody('unauthorized', 'signature verification failed', {
          reason: verdict.ok ? 'bad_dsign' : verdict.reason,
        }),
      );
    }
    const simulation = await options.repos.sites.simulation(site.orgId, site.id);
    if (simulation.simulate && random() < simulation.failureRate) {
      return reply.status(500).send(errorBody('internal', 'simulated failure (simulate mode)'));
    }
    let payload: { items?: unknown[] };
    try {
      payload = JSON.parse(raw) as { items?: unknown[] };
    } catch {
      return reply.status(400).send(errorBody('bad_request', 'body is not JSON'));
    }
    const itemCount = Array.isArray(payload.items) ? payload.items.length : 0;
    const receivedAt = new Date().toISOString();
    await options.repos.sites.saveSnapshot(site.orgId, site.id, {
      deliveryId: String(request.headers['webhook-id']),
      payload,
      itemCount,
      receivedAt,
    });
    return { applied: true, receivedAt, itemCount };
  });
}
