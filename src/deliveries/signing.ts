/**
 * @module Signing outbound deliveries. Two schemes on every delivery:
 * - Standard Webhooks (standardwebhooks.com): headers webhook-id, webhook-timestamp (unix seconds) and
 *   webhook-signature `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the key is the base64
 *   part of a `whsec_` secret. Receivers verify with any Standard Webhooks library.
 * - X-DSIGN: hex HMAC-SHA256 of the raw body with the same secret string, for receivers that want the simple form.
 * Verification compares in constant time and bounds the timestamp (5 minutes either way, as the spec suggests).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../lib/ids.js';

export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** A new site secret: `whsec_` + 32 random bytes in base64, the Standard Webhooks format. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'x-dsign': string;
}

export function signDelivery(
  secret: string,
  body: string,
  options: { id?: string; timestamp?: Date } = {},
): SignedHeaders {
  const id = options.id ?? newId('dlv');
  const timestamp = Math.floor((options.timestamp ?? new Date()).getTime() / 1000).toString();
  const signature = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature}`,
    'x-dsign': createHmac('sha256', secret).update(body).digest('hex'),
  };
}

export type VerifyFailure = 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks a Standard Webhooks signature (any of the space-separated v1 signatures may match). */
export function verifyStandardWebhook(
  secret: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  now: Date = new Date(),
): { ok: true } | { ok: false; reason: VerifyFailure } {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing_headers' };
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds))
    return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(now.getTime() / 1000 - seconds) > SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  const expected = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  for (const candidate of signatures.split(' ')) {
    const [version, signature] = candidate.split(',');
    if (version === 'v1' && signature !== undefined && safeEqual(signature, expected)) return { ok: true };
  }
  return { ok: false, reason: 'bad_signature' };
}

/** Checks X-DSIGN: hex HMAC-SHA256 of the raw body with the secret string. */
export function verifyDsign(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  return safeEqual(header.toLowerCase(), createHmac('sha256', secret).update(body).digest('hex'));
}
