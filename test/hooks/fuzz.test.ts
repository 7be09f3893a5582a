/**
 * Fuzz of the endpoints outside session auth: thousands of generated requests to the webhook receiver (every
 * connector's scheme, garbage and near-miss signature headers, odd bodies and content types, handshake queries)
 * and to the cron tick and /metrics (garbage bearer tokens and bodies). Never a 5xx, never a stored event.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeApi, unique } from '../helpers/api.js';

const RUNS = Number(process.env.DATASYNC_FUZZ_RUNS ?? 3000);

const CONNECTORS: Record<string, Record<string, string>> = {
  webhook: { secret: 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64') },
  notion: { verificationToken: 'secret_notion' },
  airtable: { macSecretBase64: Buffer.from('mac').toString('base64') },
  hubspot: { clientSecret: 'hs' },
  synup: { webhookSecret: 'sy' },
  instagram: { appSecret: 'ig', verifyToken: 'vt' },
  tiktok: { clientSecret: 'tt' },
  memory: {},
};

const junk = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '',
    'sha256=',
    'sha256=00',
    'hmac-sha256=zz',
    'v1,',
    'v1,AAAA v2,BBBB',
    't=,s=',
    't=99999999999999999999,s=aa',
    't=1,s=00',
    '=,=,=',
    '-1',
    '1e309',
    'NaN',
    '9'.repeat(40),
    'a'.repeat(500),
  ),
);

const SIGNATURE_HEADERS = [
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-notion-signature',
  'x-airtable-content-mac',
  'x-hubspot-signature-v3',
  'x-hubspot-request-timestamp',
  'x-synup-signature',
  'x-synup-event-id',
  'x-hub-signature-256',
  'tiktok-signature',
  'authorization',
] as const;

const body = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.constant(''),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'garbage',
);

describeApi('hooks and ops fuzz', (get) => {
  it(`sends ${RUNS} generated requests to the receiver, cron tick and /metrics: zero 5xx`, async () => {
    const w = get();
    w.ctx.config.cronSecret = 'cron-secret-0123456789';
    const ids: string[] = [];
    for (const [connector, credentials] of Object.entries(CONNECTORS)) {
      const c = await w.ctx.repos.connections.create(w.a.org.id, {
        name: unique(connector),
        connector,
        credentials,
      });
      ids.push(c.id);
    }
    const target = fc.oneof(
      fc.constantFrom(...ids).map((id) => ({ kind: 'hook' as const, id })),
      fc.constantFrom(...ids).map((id) => ({ kind: 'hook' as const, id })),
      junk.map((id) => ({ kind: 'hook' as const, id: encodeURIComponent(id) })),
      fc.constant({ kind: 'cron' as const, id: '' }),
      fc.constant({ kind: 'metrics' as const, id: '' }),
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        target,
        fc.constantFrom('POST', 'GET', 'POST'),
        body,
        contentType,
        fc.dictionary(fc.constantFrom(...SIGNATURE_HEADERS), junk, { maxKeys: 4 }),
        fc.dictionary(fc.constantFrom('hub.mode', 'hub.challenge', 'hub.verify_token', 'x'), junk, {
          maxKeys: 3,
        }),
        async (t, method, payload, type, headers, query) => {
          const path =
            t.kind === 'hook'
              ? `/api/v1/hooks/${t.id}`
              : t.kind === 'cron'
                ? '/api/v1/cron/tick'
                : '/metrics';
          const qs = new URLSearchParams(query).toString();
          const res = await w.app.inject({
            method: t.kind === 'metrics' ? 'GET' : method,
            url: qs ? `${path}?${qs}` : path,
            headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
            ...(method === 'POST' && t.kind !== 'metrics' ? { payload } : {}),
          });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          expect(res.statusCode, `${method} ${path}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS },
    );
    const stored = await w.ctx.store.db
      .selectFrom('webhook_events')
      .select('id')
      .where('connection_id', 'in', ids)
      .execute();
    expect(stored).toEqual([]);
    // The fuzz reached the verifiers and the tick, not only the 404 path.
    expect(statuses.get(401) ?? 0).toBeGreaterThan(RUNS / 10);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0);
    w.ctx.config.cronSecret = undefined;
  });
});
