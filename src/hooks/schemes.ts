/**
 * @module The signature schemes DataSync verifies out of the box, each as its platform documents it (and as the
 * simulators in src/simulators/* sign):
 * - `webhook` (generic): Standard Webhooks, HMAC-SHA256 over `id.timestamp.body`, 5 minutes tolerance; event id
 *   = `webhook-id`. Another DataSync's deliveries verify here.
 * - `notion`: `X-Notion-Signature: sha256=<hex HMAC(verification token, body)>`; event id = body `id`.
 * - `airtable`: `X-Airtable-Content-MAC: hmac-sha256=<hex HMAC(base64-decoded MAC secret, body)>`.
 * - `hubspot`: `X-HubSpot-Signature-v3` = base64 HMAC(client secret, method + URL + body + timestamp) with
 *   `X-HubSpot-Request-Timestamp` (ms) at most 5 minutes old; event id = the events' `eventId`s.
 * - `synup`: `x-synup-signature: <hex HMAC(secret, body)>`; event id = `x-synup-event-id`.
 * - `instagram`: `X-Hub-Signature-256: sha256=<hex HMAC(app secret, body)>`, plus Meta's GET handshake.
 * - `tiktok`: `TikTok-Signature: t=<unix s>,s=<hex HMAC(client secret, "t.body")>`, 5 minutes tolerance.
 * Where the platform sends no event id, the body's digest stands in: a redelivery of the same bytes dedupes.
 */
import { createHmac } from 'node:crypto';
import { notionVerificationToken } from '../connectors/notion/notion-webhooks.js';
import { verifyStandardWebhook } from '../deliveries/signing.js';
import {
  bodyDigest,
  safeEqual,
  WebhookVerifierRegistry,
  type HookRequest,
  type HookVerdict,
  type WebhookVerifier,
} from './verifier.js';

/** How far a signed timestamp may be from now, either way, where the scheme signs one. */
export const HOOK_TOLERANCE_MS = 5 * 60 * 1000;

const hmac = (key: string | Buffer, data: string, encoding: 'hex' | 'base64') =>
  createHmac('sha256', key).update(data, 'utf8').digest(encoding);

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;

/** An id worth keying on: a short printable string or number. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= 200) return value;
  return undefined;
}

/** `prefix<hex>` over the raw body with `key`: the common single-header HMAC scheme. */
function bodyHmac(options: {
  header: string;
  prefix: string;
  secretFields: readonly string[];
  key?: (secret: string) => Buffer | string;
  eventId?: (request: HookRequest) => string | undefined;
}): WebhookVerifier {
  return {
    secretFields: options.secretFields,
    verify(request, secret) {
      const given = request.headers[options.header];
      if (!given) return { ok: false, reason: 'missing_signature' };
      const key = options.key ? options.key(secret) : secret;
      const expected = options.prefix + hmac(key, request.rawBody, 'hex');
      if (!safeEqual(given.trim(), expected)) return { ok: false, reason: 'bad_signature' };
      return { ok: true, eventId: options.eventId?.(request) ?? bodyDigest(request.rawBody) };
    },
  };
}

export const standardWebhooksVerifier: WebhookVerifier = {
  secretFields: ['secret', 'webhookSecret'],
  verify(request, secret, now): HookVerdict {
    const verdict = verifyStandardWebhook(secret, request.rawBody, request.headers, now);
    if (verdict.ok) return { ok: true, eventId: request.headers['webhook-id']! };
    const reason = {
      missing_headers: 'missing_signature',
      bad_timestamp: 'malformed',
      stale_timestamp: 'stale',
      bad_signature: 'bad_signature',
    } as const;
    return { ok: false, reason: reason[verdict.reason] };
  },
};

export const notionVerifier: WebhookVerifier = {
  ...bodyHmac({
    header: 'x-notion-signature',
    prefix: 'sha256=',
    secretFields: ['verificationToken', 'webhookSecret'],
    eventId: (r) => idOf(field(parseJson(r.rawBody), 'id')),
  }),
  subscriptionToken: {
    field: 'verificationToken',
    // The verification request is the one Notion sends unsigned: a signed body is an event, checked as such.
    read: (r) => (r.headers['x-notion-signature'] ? undefined : notionVerificationToken(r.rawBody)),
  },
};

export const airtableVerifier = bodyHmac({
  header: 'x-airtable-content-mac',
  prefix: 'hmac-sha256=',
  secretFields: ['macSecretBase64', 'webhookSecret'],
  key: (secret) => Buffer.from(secret, 'base64'),
  eventId: (r) => {
    const body = parseJson(r.rawBody);
    const hook = idOf(field(field(body, 'webhook'), 'id'));
    const at = idOf(field(body, 'timestamp'));
    return hook && at ? `${hook}@${at}` : undefined;
  },
});

export const synupVerifier = bodyHmac({
  header: 'x-synup-signature',
  prefix: '',
  secretFields: ['webhookSecret', 'secret'],
  eventId: (r) => idOf(r.headers['x-synup-event-id']) ?? idOf(field(parseJson(r.rawBody), 'id')),
});

export const instagramVerifier: WebhookVerifier = {
  ...bodyHmac({ header: 'x-hub-signature-256', prefix: 'sha256=', secretFields: ['appSecret'] }),
  handshake(query, credentials) {
    const token = credentials.verifyToken;
    const challenge = query['hub.challenge'];
    if (query['hub.mode'] !== 'subscribe' || !challenge || !/^[\w-]{1,200}$/.test(challenge)) {
      return { status: 400, body: 'bad handshake' };
    }
    if (!token || !safeEqual(query['hub.verify_token'] ?? '', token))
      return { status: 403, body: 'forbidden' };
    return { status: 200, body: challenge };
  },
};

function withinTolerance(timestampMs: number, now: Date): boolean {
  return Math.abs(now.getTime() - timestampMs) <= HOOK_TOLERANCE_MS;
}

/**
 * The URI HubSpot signs (developers.hubspot.com "Validating requests", v3): the full URL it called — our public
 * URL (DATASYNC_PUBLIC_URL behind a proxy) plus the path and query — with these escapes decoded.
 */
const HUBSPOT_DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function hubspotRequestUri(url: string): string {
  return url.replace(
    /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
    (m) => HUBSPOT_DECODED[m.toUpperCase()] ?? m,
  );
}

export const hubspotVerifier: WebhookVerifier = {
  secretFields: ['clientSecret', 'webhookSecret'],
  verify(request, secret, now) {
    const signature = request.headers['x-hubspot-signature-v3'];
    const timestamp = request.headers['x-hubspot-request-timestamp'];
    if (!signature || !timestamp) return { ok: false, reason: 'missing_signature' };
    if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
    if (!withinTolerance(Number(timestamp), now)) return { ok: false, reason: 'stale' };
    const expected = hmac(
      secret,
      `${request.method}${hubspotRequestUri(request.url)}${request.rawBody}${timestamp}`,
      'base64',
    );
    if (!safeEqual(signature.trim(), expected)) return { ok: false, reason: 'bad_signature' };
    const events = parseJson(request.rawBody);
    const ids = Array.isArray(events) ? events.map((e) => idOf(field(e, 'eventId'))) : [];
    const joined = ids.length > 0 && ids.every(Boolean) ? `events:${ids.join(',')}` : undefined;
    return {
      ok: true,
      eventId: joined && joined.length <= 200 ? joined : bodyDigest(request.rawBody),
    };
  },
};

export const tiktokVerifier: WebhookVerifier = {
  secretFields: ['clientSecret', 'webhookSecret'],
  verify(request, secret, now) {
    const header = request.headers['tiktok-signature'];
    if (!header) return { ok: false, reason: 'missing_signature' };
    const parts = Object.fromEntries(
      header.split(',').map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
      }),
    );
    const t = parts.t;
    const s = parts.s;
    if (!t || !s || !/^\d{1,12}$/.test(t)) return { ok: false, reason: 'malformed' };
    if (!withinTolerance(Number(t) * 1000, now)) return { ok: false, reason: 'stale' };
    if (!safeEqual(s, hmac(secret, `${t}.${request.rawBody}`, 'hex'))) {
      return { ok: false, reason: 'bad_signature' };
    }
    // TikTok re-signs a retry with a new t: the body alone identifies the event.
    return { ok: true, eventId: bodyDigest(request.rawBody) };
  },
};

/** A registry with every built-in scheme; platform connectors may register over these. */
export function defaultWebhookVerifiers(): WebhookVerifierRegistry {
  return new WebhookVerifierRegistry()
    .register('webhook', standardWebhooksVerifier)
    .register('notion', notionVerifier)
    .register('airtable', airtableVerifier)
    .register('hubspot', hubspotVerifier)
    .register('synup', synupVerifier)
    .register('instagram', instagramVerifier)
    .register('tiktok', tiktokVerifier);
}
