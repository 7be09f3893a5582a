import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  generateSigningSecret,
  signDelivery,
  verifyDsign,
  verifyStandardWebhook,
} from '../../src/deliveries/signing.js';

describe('delivery signing', () => {
  it('verifies with the official standardwebhooks package, for any JSON body', () => {
    const secret = generateSigningSecret();
    const official = new Webhook(secret);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const body = JSON.stringify(value);
        const headers = signDelivery(secret, body);
        expect(() => official.verify(body, { ...headers })).not.toThrow();
        expect(verifyStandardWebhook(secret, body, { ...headers })).toEqual({ ok: true });
        expect(verifyDsign(secret, body, headers['x-dsign'])).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts what the official package signs', () => {
    const secret = generateSigningSecret();
    const body = JSON.stringify({ items: [1, 2] });
    const now = new Date();
    const signature = new Webhook(secret).sign('msg_1', now, body);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    expect(verifyStandardWebhook(secret, body, headers)).toEqual({ ok: true });
  });

  it('rejects a forged body, another secret, a stale timestamp and missing headers', () => {
    const secret = generateSigningSecret();
    const body = '{"a":1}';
    const headers = signDelivery(secret, body);
    expect(verifyStandardWebhook(secret, '{"a":2}', { ...headers })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyStandardWebhook(generateSigningSecret(), body, { ...headers })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    const old = signDelivery(secret, body, { timestamp: new Date(Date.now() - 10 * 60_000) });
    expect(verifyStandardWebhook(secret, body, { ...old })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(() => new Webhook(secret).verify(body, { ...old })).toThrow(/too old/);
    expect(verifyStandardWebhook(secret, body, {})).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifyDsign(secret, '{"a":2}', headers['x-dsign'])).toBe(false);
    expect(verifyDsign(secret, body, undefined)).toBe(false);
  });
});
