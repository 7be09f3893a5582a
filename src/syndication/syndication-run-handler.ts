/**
 * @module The `syndication.run` job: one run pushing every site's effective payload (or the sites it was asked
 * for), as a fan-out with a child run per site. Sites are independent: one failing never stops another, and each
 * retries with backoff inside the job (deliver does), so the job itself is never retried. The parent ends
 * success (every site 2xx or unchanged), partial (some failed) or failed (all failed), naming which site failed
 * and why.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { DataSyncError } from '../lib/errors.js';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import type { JobHandler } from '../runtime/handlers.js';
import { createRepositories } from '../store/repositories/index.js';
import type { DeliverOptions } from '../deliveries/deliver.js';
import type { EndpointHealthPolicy } from '../deliveries/endpoint-health.js';
import type { Site } from '../store/repositories/sites.js';
import { pushSite, type PushSiteResult } from './push-site.js';

export const SYNDICATION_RUN = 'syndication.run';

/** What a `syndication.run` run carries in its params. */
export interface SyndicationRunParams {
  /** Only these sites; all of the organization's sites when absent. */
  siteIds?: string[];
  /** Re-send payloads the site already acknowledged. */
  force?: boolean;
}

export interface SyndicationHandlerOptions {
  box: SecretBox;
  /** Where this server answers, for sites on the built-in receiver; read at run time (the port may be 0). */
  publicUrl: () => string;
  /** Sites pushed at once. Default 8. */
  concurrency?: number;
  deliver?: Omit<DeliverOptions, 'signal' | 'onAttempt'>;
  /** When a site failing for days is disabled; the default policy (3 days, 3 failures in a row) when absent. */
  endpointHealth?: EndpointHealthPolicy;
}

function readParams(params: Record<string, unknown>): SyndicationRunParams {
  const siteIds = Array.isArray(params.siteIds)
    ? params.siteIds.filter((id): id is string => typeof id === 'string')
    : undefined;
  return { ...(siteIds ? { siteIds } : {}), force: params.force === true };
}

/**
 * The sites a run pushes to: the ones asked for (all when none named) that exist, minus the ones disabled for
 * failing for days, which get nothing until a person re-enables them (answered apart so the run can say so).
 */
export function selectTargets(
  all: readonly Site[],
  siteIds: readonly string[] | undefined,
): { targets: string[]; disabled: Site[] } {
  const asked = siteIds ? all.filter((s) => siteIds.includes(s.id)) : [...all];
  const order = siteIds ? new Map(siteIds.map((id, i) => [id, i])) : undefined;
  if (order) asked.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return {
    targets: asked.filter((s) => !s.disabledAt).map((s) => s.id),
    disabled: asked.filter((s) => s.disabledAt),
  };
}

export function syndicationRunHandler(options: SyndicationHandlerOptions): JobHandler {
  return async (ctx, _job, signal) => {
    const run = ctx.run;
    if (!run) throw new DataSyncError('bad_request', 'a syndication.run job needs a run');
    const repos = createRepositories(ctx.store.db, options.box);
    const params = readParams(run.params);
    const all = await repos.sites.list(run.orgId);
    const names = new Map(all.map((s) => [s.id, s.name]));
    const unknown = (params.siteIds ?? []).filter((id) => !names.has(id));
    if (unknown.length > 0) await run.log('warn', `unknown sites ignored: ${unknown.join(', ')}`);
    const { targets, disabled } = selectTargets(all, params.siteIds);
    for (const site of disabled)
      await run.log('warn', `${site.name}: skipped, ${site.disabledReason ?? 'disabled'}`);
    if (targets.length === 0) {
      await run.log('info', 'no sites to push to');
      return undefined;
    }
    const publicUrl = options.publicUrl();
    await run.log(
      'info',
      `pushing to ${targets.length} site${targets.length === 1 ? '' : 's'}${params.force ? ' (forced)' : ''}`,
    );

    const concurrency = options.concurrency ?? 8;
    // Every in-flight delivery listens on the job's signal: that many listeners at once is expected, not a leak.
    setMaxListeners(Math.max(getMaxListeners(signal), concurrency * 2 + 10), signal);
    const results = await run.fanOut(targets, { concurrency, signal }, async (siteId, child) => {
      const name = names.get(siteId) ?? siteId;
      await child.log('info', `${name}: sending`, { targetId: siteId });
      // Attempt lines are written in order, after the attempt is recorded, off deliver's loop.
      let lines = Promise.resolve();
      const result: PushSiteResult = await pushSite({
        repos,
        orgId: run.orgId,
        siteId,
        publicUrl,
        force: params.force === true,
        runId: child.id,
        ...(options.endpointHealth ? { endpointHealth: options.endpointHealth } : {}),
        deliver: {
          ...options.deliver,
          signal,
          onAttempt: (attempt, sent) => {
            lines = lines.then(async () => {
              await child.log(
                sent.ok ? 'info' : 'warn',
                `${name}: attempt ${attempt} → ${sent.statusCode ?? 'no answer'}${sent.ok ? '' : ` (${sent.error ?? 'failed'})`} in ${Math.round(sent.latencyMs)} ms`,
                { targetId: siteId, payload: { attempt, statusCode: sent.statusCode } },
              );
            });
          },
        },
      });
      await lines;
      if (result.disabledReason)
        await child.log('error', `${name}: ${result.disabledReason}`, { targetId: siteId });
      const summary = { ...result };
      if (result.status === 'skipped') {
        await child.log('info', `${name}: unchanged (${result.itemCount} items), skipped`, {
          targetId: siteId,
          payload: summary,
        });
        await child.commit({ counts: { found: result.itemCount, unchanged: 1 } });
        return result;
      }
      if (result.status === 'failed') {
        await child.commit({ counts: { found: result.itemCount, errors: 1 } });
        throw new Error(
          `${name}: ${result.error ?? 'delivery failed'} after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`,
        );
      }
      await child.log(
        'info',
        `${name}: delivered ${result.itemCount} items → ${result.statusCode} after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`,
        { targetId: siteId, payload: summary },
      );
      await child.commit({ counts: { found: result.itemCount, updated: 1 } });
      return result;
    });

    const failed = results.filter((r) => !r.ok);
    const skipped = results.filter((r) => r.ok && r.value?.status === 'skipped').length;
    const sent = results.length - failed.length - skipped;
    const why = failed.map((r) => r.error ?? `${names.get(r.target) ?? r.target}: failed`).join('; ');
    await run.log(
      failed.length > 0 ? 'error' : 'info',
      `${sent} delivered, ${skipped} unchanged, ${failed.length} failed${failed.length ? `: ${why}` : ''}`,
    );
    if (failed.length === 0) return undefined;
    if (failed.length < results.length) return { status: 'completed_with_errors', message: why };
    // Every site already retried inside this job: running the whole job again would repeat the same sends, so
    // the job fails without a job-level retry (the policy does not retry remote_validation).
    throw new DataSyncError('remote_validation', `every site failed: ${why}`);
  };
}
