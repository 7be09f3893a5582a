/**
 * @module HubSpot's error bodies: `{"status":"error","message","correlationId","category", errors?, context?}`
 * (CRM v3 docs, error handling) and the 429 body from the API usage guidelines:
 * `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT",
 * "correlationId","policyName":"TEN_SECONDLY_ROLLING","requestId"}` (search: "secondly", policy SECONDLY).
 */
import { randomUUID } from 'node:crypto';
import type { PlatformErrorReply, PlatformErrors } from '../kit/platform-error.js';

export type HubSpotCategory =
  | 'VALIDATION_ERROR'
  | 'INVALID_AUTHENTICATION'
  | 'EXPIRED_AUTHENTICATION'
  | 'OBJECT_NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITS'
  | 'INTERNAL_ERROR'
  | 'MISSING_SCOPES';

export function hubspotError(
  status: number,
  category: HubSpotCategory,
  message: string,
  extra: Record<string, unknown> = {},
): PlatformErrorReply {
  return { status, body: { status: 'error', message, correlationId: randomUUID(), category, ...extra } };
}

export function hubspotRateLimited(policy: 'TEN_SECONDLY_ROLLING' | 'SECONDLY'): PlatformErrorReply {
  return {
    status: 429,
    body: {
      status: 'error',
      message: `You have reached your ${policy === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling'} limit.`,
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName: policy,
      requestId: randomUUID(),
    },
  };
}

export const validation = (message: string, extra?: Record<string, unknown>) =>
  hubspotError(400, 'VALIDATION_ERROR', message, extra);

export const hubspotErrors: PlatformErrors = {
  generic(status, message) {
    const category: HubSpotCategory =
      status >= 500
        ? 'INTERNAL_ERROR'
        : status === 404
          ? 'OBJECT_NOT_FOUND'
          : status === 401
            ? 'INVALID_AUTHENTICATION'
            : status === 409
              ? 'CONFLICT'
              : 'VALIDATION_ERROR';
    return hubspotError(status, category, message);
  },
  rateLimited: () => hubspotRateLimited('TEN_SECONDLY_ROLLING'),
  invalidJson: () => validation('Invalid input JSON on line 1: the request body could not be parsed'),
  routeNotFound: (method, path) => hubspotError(404, 'OBJECT_NOT_FOUND', `No route for ${method} ${path}`),
};
