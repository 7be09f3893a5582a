/**
 * @module Request authentication and organization selection.
 * Credentials, in order: `Authorization: Bearer dsk_…` (an API key, bound to one organization), else the
 * `datasync_session` cookie (a person, member of any number of organizations). A credential whose recent checks
 * failed too often is refused (429) before it is looked up again; a valid one always passes (see `refused`).
 * Organization: the key's own, or for a person the `X-DataSync-Org` header (id or slug), or their only membership.
 * An organization the caller does not belong to answers 404, the same as one that does not exist.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSyncError } from '../../lib/errors.js';
import type { Membership } from '../../store/repositories/organizations.js';
import type { Role } from '../../store/schema.js';
import type { ApiContext } from '../api-options.js';
import { SESSION_COOKIE } from './csrf.js';
import type { Principal } from './principal.js';

export const ORG_HEADER = 'x-datasync-org';

const BEARER = /^Bearer\s+(dsk_[A-Za-z0-9_-]{20,200})$/;

/**
 * Failed checks are counted per presented credential and per address, and a valid credential always passes: a
 * client behind the same NAT as someone guessing (or as a cron job with a revoked key) is never refused for their
 * failures. A credential that keeps failing is refused before it is looked up again; an address whose attempts
 * keep failing gets 429 instead of 401 for each further failing one. Keys are digests: no secret is kept here.
 */
const credentialKey = (presented: string) =>
  `credential:${createHash('sha256').update(presented).digest('base64url').slice(0, 32)}`;
const addressKey = (request: FastifyRequest) => `address:${request.ip}`;

function limited(reply: FastifyReply, waitMs: number, message: string): DataSyncError {
  const seconds = Math.ceil(waitMs / 1000);
  void reply.header('retry-after', String(seconds));
  return new DataSyncError('rate_limited', message, { details: { retryAfterSeconds: seconds } });
}

function refused(
  api: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  credential: string,
  message: string,
): DataSyncError {
  api.authFailures.recordFailure(credential);
  api.authFailures.recordFailure(addressKey(request));
  const waitMs = api.authFailures.retryAfterMs(addressKey(request));
  if (waitMs > 0) return limited(reply, waitMs, 'too many failed credential checks from this address');
  return new DataSyncError('unauthorized', message);
}

/** The caller, or a thrown 401/429. Returns undefined only when no credentials were sent at all. */
export async function resolvePrincipal(
  request: FastifyRequest,
  reply: FastifyReply,
  api: ApiContext,
): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (header === undefined && cookie === undefined) return undefined;
  const credential = credentialKey(header ?? cookie!);
  const credentialWait = api.authFailures.retryAfterMs(credential);
  if (credentialWait > 0) throw limited(reply, credentialWait, 'too many failed checks of this credential');
  if (header !== undefined) {
    const match = BEARER.exec(header);
    if (!match)
      throw refused(api, request, reply, credential, 'the Authorization header must be `Bearer dsk_…`');
    const apiKey = await api.app.repos.apiKeys.authenticate(match[1]!);
    if (!apiKey) throw refused(api, request, reply, credential, 'unknown or revoked API key');
    return { kind: 'api_key', apiKey };
  }
  const token = cookie!;
  const session = token.length <= 200 ? await api.app.repos.sessions.authenticate(token) : undefined;
  const user = session && (await api.app.repos.users.get(session.user_id));
  if (!session || !user)
    throw refused(api, request, reply, credential, 'the session has expired: sign in again');
  const memberships = await api.app.repos.users.memberships(user.id);
  return { kind: 'user', user, session, sessionToken: token, memberships };
}

function orgHeader(request: FastifyRequest): string | undefined {
  const value = request.headers[ORG_HEADER];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) {
    throw new DataSyncError('bad_request', `the ${ORG_HEADER} header must be one organization id or slug`);
  }
  return value;
}

/** `?org=` on routes that accept it: one non-empty value or nothing. */
export function orgQueryParam(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.org;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) {
    throw new DataSyncError('bad_request', 'org must be one organization id or slug');
  }
  return value;
}

function orgNotFound(): DataSyncError {
  return new DataSyncError('not_found', 'organization not found');
}

/**
 * The organization the request acts on and the caller's role there. With `required: false` a person in several
 * organizations who named none gets undefined instead of an error (for /me and sign-out).
 */
export async function resolveOrg(
  request: FastifyRequest,
  api: ApiContext,
  principal: Principal,
  required: boolean,
  /** The organization named another way than the header (`?org=` on routes that allow it). */
  named?: string,
): Promise<{ orgId: string; role: Role } | undefined> {
  const header = orgHeader(request);
  if (named !== undefined && header !== undefined && named !== header) {
    throw new DataSyncError('bad_request', `?org= and the ${ORG_HEADER} header name different organizations`);
  }
  const wanted = named ?? header;
  if (principal.kind === 'api_key') {
    const key = principal.apiKey;
    // A key belongs to one organization: naming another is a request for something that is not there.
    if (wanted !== undefined && wanted !== key.org_id) {
      const org = await api.app.repos.organizations.get(key.org_id);
      if (org?.slug !== wanted) throw orgNotFound();
    }
    return { orgId: key.org_id, role: key.role };
  }
  const pick = (m: Membership) => ({ orgId: m.orgId, role: m.role });
  if (wanted !== undefined) {
    const m = principal.memberships.find((x) => x.orgId === wanted || x.organization.slug === wanted);
    if (!m) throw orgNotFound();
    return pick(m);
  }
  if (principal.memberships.length === 1) return pick(principal.memberships[0]!);
  if (!required) return undefined;
  if (principal.memberships.length === 0) {
    throw new DataSyncError('forbidden', 'you are not a member of any organization');
  }
  throw new DataSyncError('bad_request', `you belong to several organizations: name one in ${ORG_HEADER}`, {
    details: {
      organizations: principal.memberships.map((m) => ({ id: m.orgId, slug: m.organization.slug })),
    },
  });
}
