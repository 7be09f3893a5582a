/**
 * @module Inbound webhook verification, one scheme per connector. The receiver (hook-routes.ts) looks up the
 * connection, then asks the verifier registered under the connection's connector name to check the raw request
 * with the connection's secret and to name the platform's event id (for dedupe). Platform connectors register
 * theirs here; `fromWebhookSupport` adapts a connector SDK `WebhookSupport` (which knows no event id or clock).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebhookSupport } from '../connectors/sdk/types.js';

/** What the receiver saw: the exact bytes and the request line as the platform sent it. */
export interface HookRequest {
  method: string;
  /** The absolute URL the platform called (HubSpot v3 signs it). */
  url: string;
  rawBody: string;
  /** Lower-cased names. */
  headers: Record<string, string | undefined>;
}

/** Why a request was refused: `stale` is a signature outside the scheme's timestamp tolerance. */
export type HookRejection = 'missing_signature' | 'bad_signature' | 'stale' | 'malformed';

export type HookVerdict = { ok: true; eventId: string } | { ok: false; reason: HookRejection };

/** The answer to a platform's subscription handshake (e.g. Meta's `hub.challenge`). */
export interface HandshakeAnswer {
  status: number;
  body: string;
}

export interface WebhookVerifier {
  /** Credential fields that may hold the signing secret, first one set wins. */
  readonly secretFields: readonly string[];
  /** Checks the signature in constant time (and the timestamp, where the scheme has one). */
  verify(request: HookRequest, secret: string, now: Date): HookVerdict;
  /**
   * A platform that sends the key of later signatures, unsigned, when a subscription is created (Notion's
   * `{verification_token}`): `read` recognises that request, and the receiver keeps the token in the
   * connection's sealed credentials under `field` for an admin to copy into the platform.
   */
  readonly subscriptionToken?: {
    field: string;
    read(request: HookRequest): string | undefined;
  };
  /** A `GET` verification handshake; absent when the platform has none. */
  handshake?(query: Record<string, string | undefined>, credentials: Record<string, string>): HandshakeAnswer;
}

/** Connector name → verifier. */
export class WebhookVerifierRegistry {
  private readonly verifiers = new Map<string, WebhookVerifier>();

  register(connector: string, verifier: WebhookVerifier): this {
    this.verifiers.set(connector, verifier);
    return this;
  }

  get(connector: string): WebhookVerifier | undefined {
    return this.verifiers.get(connector);
  }

  connectors(): string[] {
    return [...this.verifiers.keys()];
  }
}

/** Equal strings, compared in time independent of where they differ (length may leak, as with every HMAC). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Platforms without an event id: the body's digest (the same event sent twice is the same bytes). */
export function bodyDigest(rawBody: string): string {
  return `sha256:${createHash('sha256').update(rawBody, 'utf8').digest('hex')}`;
}

/** Adapts a connector SDK `WebhookSupport`; event ids come from `eventId` (default: the body's digest). */
export function fromWebhookSupport(
  support: WebhookSupport,
  options: { secretFields: readonly string[]; eventId?: (request: HookRequest) => string | undefined },
): WebhookVerifier {
  return {
    secretFields: options.secretFields,
    verify(request, secret) {
      let valid = false;
      try {
        valid = support.verify(request.rawBody, request.headers, secret);
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (!valid) return { ok: false, reason: 'bad_signature' };
      return { ok: true, eventId: options.eventId?.(request) ?? bodyDigest(request.rawBody) };
    },
  };
}
