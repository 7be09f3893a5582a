/**
 * Every built-in inbound signature scheme, signed the way the platform simulators sign (their own functions):
 * valid → accepted with an event id; tampered body, wrong secret, missing header → rejected; stale where the
 * scheme signs a timestamp.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSigningSecret, signDelivery } from '../../src/deliveries/signing.js';
import { defaultWebhookVerifiers, HOOK_TOLERANCE_MS } from '../../src/hooks/schemes.js';
import { bodyDigest, fromWebhookSupport, type HookRequest } from '../../src/hooks/verifier.js';
import { airtableContentMac } from '../../src/simulators/airtable/airtable-webhooks.js';
import { hubspotSignatureV3 } from '../../src/simulators/hubspot/hubspot-webhooks.js';
import { hubSignature256 } from '../../src/simulators/instagram/instagram-webhooks.js';
import { notionSignature } from '../../src/simulators/notion/notion-webhooks.js';
import { synupSignature } from '../../src/simulators/synup/synup-webhooks.js';
import { tiktokSignature } from '../../src/simulators/tiktok/tiktok-webhooks.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const URL_ = 'https://datasync.example.com/api/v1/hooks/con_01jz0000000000000000000000';
const registry = defaultWebhookVerifiers();

interface Case {
  connector: string;
  secret: string;
  body: string;
  /** Signed headers for `body` with `secret` at `at`. */
  sign(secret: string, body: string, at: Date): Record<string, string>;
  eventId?: string;
  /** The scheme signs a timestamp. */
  timed: boolean;
}

const lower = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

const macSecret = Buffer.from('airtable-mac-secret-0123456789').toString('base64');
const CASES: Case[] = [
  {
    connector: 'webhook',
    secret: generateSigningSecret(),
    body: '{"items":[]}',
    sign: (secret, body, at) => {
      const { 'x-dsign': _ignored, ...headers } = signDelivery(secret, body, { id: 'msg_1', timestamp: at });
      return headers;
    },
    eventId: 'msg_1',
    timed: true,
  },
  {
    connector: 'notion',
    secret: 'secret_notion_token',
    body: '{"id":"evt-notion-1","type":"page.content_updated"}',
    sign: (secret, body) => ({ 'X-Notion-Signature': notionSignature(secret, body) }),
    eventId: 'evt-notion-1',
    timed: false,
  },
  {
    connector: 'airtable',
    secret: macSecret,
    body: '{"base":{"id":"app1"},"webhook":{"id":"ach1"},"timestamp":"2026-03-01T12:00:00.000Z"}',
    sign: (secret, body) => ({ 'X-Airtable-Content-MAC': airtableContentMac(secret, body) }),
    eventId: 'ach1@2026-03-01T12:00:00.000Z',
    timed: false,
  },
  {
    connector: 'hubspot',
    secret: 'hubspot-client-secret',
    body: '[{"eventId":101,"objectId":5},{"eventId":102,"objectId":6}]',
    sign: (secret, body, at) => ({
      'X-HubSpot-Signature-v3': hubspotSignatureV3(secret, 'POST', URL_, body, String(at.getTime())),
      'X-HubSpot-Request-Timestamp': String(at.getTime()),
    }),
    eventId: 'events:101,102',
    timed: true,
  },
  {
    connector: 'synup',
    secret: 'synup-webhook-secret',
    body: '{"id":"evt_abc","type":"post.published"}',
    sign: (secret, body) => ({
      'x-synup-signature': synupSignature(secret, body),
      'x-synup-event-id': 'evt_abc',
    }),
    eventId: 'evt_abc',
    timed: false,
  },
  {
    connector: 'instagram',
    secret: 'meta-app-secret',
    body: '{"object":"instagram","entry":[{"id":"1","time":1,"changes":[]}]}',
    sign: (secret, body) => ({ 'X-Hub-Signature-256': hubSignature256(secret, body) }),
    timed: false,
  },
  {
    connector: 'tiktok',
    secret: 'tiktok-client-secret',
    body: '{"client_key":"k","event":"video.publish.completed","create_time":1,"user_openid":"u","content":"{}"}',
    sign: (secret, body, at) => ({
      'TikTok-Signature': tiktokSignature(secret, Math.floor(at.getTime() / 1000), body),
    }),
    timed: true,
  },
];

function request(c: Case, headers: Record<string, string>, body = c.body): HookRequest {
  return { method: 'POST', url: URL_, rawBody: body, headers: lower(headers) };
}

describe.each(CASES)('$connector signature scheme', (c) => {
  const verifier = registry.get(c.connector)!;

  it('accepts a valid signature and names the event', () => {
    const verdict = verifier.verify(request(c, c.sign(c.secret, c.body, NOW)), c.secret, NOW);
    expect(verdict).toEqual({ ok: true, eventId: c.eventId ?? bodyDigest(c.body) });
  });

  it('rejects a forged body, a wrong secret and a missing signature', () => {
    const headers = c.sign(c.secret, c.body, NOW);
    const tampered = c.body.replace('"', "'");
    expect(verifier.verify(request(c, headers, tampered), c.secret, NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    const other =
      c.connector === 'webhook'
        ? generateSigningSecret()
        : c.connector === 'airtable'
          ? Buffer.from('another-secret').toString('base64')
          : `${c.secret}-other`;
    expect(verifier.verify(request(c, c.sign(other, c.body, NOW)), c.secret, NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifier.verify(request(c, {}), c.secret, NOW)).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it(c.timed ? 'rejects a timestamp outside the tolerance, either way' : 'signs no timestamp', () => {
    const old = new Date(NOW.getTime() - HOOK_TOLERANCE_MS - 2000);
    const future = new Date(NOW.getTime() + HOOK_TOLERANCE_MS + 2000);
    const edge = new Date(NOW.getTime() - HOOK_TOLERANCE_MS + 2000);
    const verdict = (at: Date) => verifier.verify(request(c, c.sign(c.secret, c.body, at)), c.secret, NOW);
    if (c.timed) {
      expect(verdict(old)).toEqual({ ok: false, reason: 'stale' });
      expect(verdict(future)).toEqual({ ok: false, reason: 'stale' });
      expect(verdict(edge).ok).toBe(true);
    } else {
      expect(verdict(old).ok).toBe(true);
    }
  });
});

describe('Meta verification handshake', () => {
  const handshake = registry.get('instagram')!.handshake!;
  it('echoes the challenge only for the right verify token', () => {
    const query = { 'hub.mode': 'subscribe', 'hub.challenge': '1234567', 'hub.verify_token': 'vt-123' };
    expect(handshake(query, { verifyToken: 'vt-123' })).toEqual({ status: 200, body: '1234567' });
    expect(handshake({ ...query, 'hub.verify_token': 'nope' }, { verifyToken: 'vt-123' }).status).toBe(403);
    expect(handshake(query, {}).status).toBe(403);
    expect(handshake({ ...query, 'hub.mode': 'unsubscribe' }, { verifyToken: 'vt-123' }).status).toBe(400);
  });
});

describe('fromWebhookSupport', () => {
  it('adapts a connector SDK verifier: its verdict, a thrown error as malformed, the body digest as id', () => {
    const verifier = fromWebhookSupport(
      {
        verify: (raw, headers, secret) =>
          headers['x-sig'] === createHmac('sha256', secret).update(raw).digest('hex'),
        parse: () => [],
      },
      { secretFields: ['secret'] },
    );
    const sig = createHmac('sha256', 's3').update('{}').digest('hex');
    const req = (h: Record<string, string>) => ({ method: 'POST', url: URL_, rawBody: '{}', headers: h });
    expect(verifier.verify(req({ 'x-sig': sig }), 's3', NOW)).toEqual({
      ok: true,
      eventId: bodyDigest('{}'),
    });
    expect(verifier.verify(req({ 'x-sig': 'no' }), 's3', NOW)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    const throwing = fromWebhookSupport(
      {
        verify: () => {
          throw new Error('boom');
        },
        parse: () => [],
      },
      { secretFields: ['secret'] },
    );
    expect(throwing.verify(req({}), 's3', NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});
