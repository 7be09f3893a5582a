/**
 * @module The runtime with every DataSync job handler registered: what `datasync start` and `datasync worker`
 * run. The runtime itself knows only its built-in no-op; the product's jobs are wired here.
 */
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import { syndicationSchedules } from '../syndication/enqueue-syndication.js';
import { defaultPublicUrl } from '../syndication/site-url.js';
import { SYNDICATION_RUN, syndicationRunHandler } from '../syndication/syndication-run-handler.js';
import type { AppContext } from './context.js';
import { syncRunHandler } from './sync-run-handler.js';
import { webhookProcessHandler } from './webhook-process-handler.js';
import { deliverySendHandler } from './delivery-send-handler.js';
import { dispatchAlert } from '../alerts/alert-dispatch.js';
import { AUTO_PAUSE_AFTER, watchFailureStreaks } from './failure-alerts.js';
import { socialSyncDeps } from '../social/social-deps.js';
import { SOCIAL_TICK, socialSchedules, socialTickHandler } from '../social/social-schedule.js';
import { socialWebhookHook } from '../social/social-webhook.js';

export interface AppRuntimeOptions extends RuntimeOptions {
  /**
   * Where this server answers, for deliveries to the built-in receiver. `datasync start` passes the address it
   * listens on; a separate worker uses DATASYNC_PUBLIC_URL or http://localhost:<PORT>.
   */
  publicUrl?: () => string;
}

export async function createAppRuntime(ctx: AppContext, options: AppRuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createRuntime(ctx, options);
  runtime.registry.register('sync.run', syncRunHandler(ctx.box));
  runtime.registry.register(
    'webhook.process',
    webhookProcessHandler({ also: socialWebhookHook(socialSyncDeps(ctx.store, ctx.box)) }),
  );
  runtime.registry.register('delivery.send', deliverySendHandler(ctx.box));
  runtime.registry.register(
    SYNDICATION_RUN,
    syndicationRunHandler({
      box: ctx.box,
      publicUrl: options.publicUrl ?? (() => defaultPublicUrl(ctx.config)),
      endpointHealth: ctx.config.endpointHealth,
    }),
  );
  runtime.scheduler.addSource(syndicationSchedules(ctx.store.db, runtime.queue));
  watchFailureStreaks(runtime.events, ctx.repos, ctx.logger, AUTO_PAUSE_AFTER, (orgId, alert) =>
    dispatchAlert(ctx.store.db, ctx.box, runtime.queue, orgId, alert),
  );
  runtime.registry.register(SOCIAL_TICK, socialTickHandler(ctx.box));
  runtime.scheduler.addSource(socialSchedules(ctx.store.db, ctx.box, runtime.queue));
  return runtime;
}
