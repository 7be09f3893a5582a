/**
 * @module One site's part of a syndication run: compute its effective payload, skip it when the site already
 * acknowledged the same checksum (unless forced), otherwise send it as one signed delivery (with retries) and
 * record the site's result. Each site is independent: one failing never touches another.
 */
import { effectivePayload, type SyndicationItem } from '../content/effective-payload.js';
import { deliver, type DeliverOptions } from '../deliveries/deliver.js';
import type { EndpointHealthPolicy } from '../deliveries/endpoint-health.js';
import type { Repositories } from '../store/repositories/index.js';
import { resolveSiteUrl } from './site-url.js';

export interface PushSiteInput {
  repos: Repositories;
  orgId: string;
  siteId: string;
  /** Where this server answers, for sites on the built-in receiver. */
  publicUrl: string;
  force?: boolean;
  runId?: string | null;
  deliver?: DeliverOptions;
  /** When a failing site is disabled (deliveries/endpoint-health.ts); the default policy when absent. */
  endpointHealth?: EndpointHealthPolicy;
  /** The clock the failure streak is measured with (tests move it by days). */
  now?: () => Date;
}

export interface PushSiteResult {
  siteId: string;
  status: 'success' | 'failed' | 'skipped';
  itemCount: number;
  checksum: string;
  deliveryId: string | null;
  attempts: number;
  /** The destination's last HTTP status (null when skipped or it never answered). */
  statusCode: number | null;
  error: string | null;
  /** Set when this failure disabled the site: why. */
  disabledReason: string | null;
}

export async function buildSitePayload(repos: Repositories, orgId: string, siteId: string) {
  const cells = await repos.mappings.list(orgId, { siteId });
  const records = await repos.records.getByIds(
    orgId,
    cells.map((c) => c.itemId),
  );
  const collections = new Map<string, string>();
  for (const id of new Set(records.map((r) => r.collectionId))) {
    const collection = await repos.collections.get(orgId, id);
    if (collection) collections.set(id, collection.key);
  }
  const typeOf = new Map(records.map((r) => [r.id, collections.get(r.collectionId) ?? null]));
  const items: SyndicationItem[] = records.map((r) => ({
    id: r.id,
    status: r.status,
    data: r.data,
    updatedAt: r.updatedAt,
  }));
  const payload = effectivePayload(siteId, items, cells);
  return { ...payload, items: payload.items.map((i) => ({ ...i, type: typeOf.get(i.id) ?? null })) };
}

export async function pushSite(input: PushSiteInput): Promise<PushSiteResult> {
  const { repos, orgId, siteId } = input;
  const site = await repos.sites.get(orgId, siteId);
  if (!site) throw new Error(`site ${siteId} not found`);
  const payload = await buildSitePayload(repos, orgId, siteId);
  const base = { siteId, itemCount: payload.items.length, checksum: payload.checksum };
  if (!input.force && site.lastStatus === 'success' && site.lastChecksum === payload.checksum) {
    return {
      ...base,
      status: 'skipped',
      deliveryId: null,
      attempts: 0,
      statusCode: null,
      error: null,
      disabledReason: null,
    };
  }
  const secret = await repos.sites.secret(orgId, siteId);
  if (!secret) throw new Error(`site ${siteId} has no signing secret`);
  const body = {
    siteId,
    site: site.slug,
    generatedAt: new Date().toISOString(),
    checksum: payload.checksum,
    items: payload.items,
  };
  const delivery = await repos.deliveries.create(orgId, {
    url: resolveSiteUrl(site, input.publicUrl),
    payload: body,
    targetId: siteId,
    runId: input.runId ?? null,
  });
  const outcome = await deliver(repos.deliveries, delivery, secret, input.deliver);
  const ok = outcome.status === 'success';
  const error = ok ? null : (outcome.last.error ?? 'delivery failed');
  const health = await repos.sites.recordResult(
    orgId,
    siteId,
    { status: ok ? 'success' : 'failed', checksum: payload.checksum, error },
    {
      ...(input.endpointHealth ? { policy: input.endpointHealth } : {}),
      ...(input.now ? { now: input.now() } : {}),
    },
  );
  return {
    ...base,
    status: ok ? 'success' : 'failed',
    deliveryId: delivery.id,
    attempts: outcome.attempts,
    statusCode: outcome.last.statusCode,
    error,
    disabledReason: site.disabledAt ? null : (health?.disableReason ?? null),
  };
}
