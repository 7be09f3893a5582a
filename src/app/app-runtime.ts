/**
 * @module The runtime with every DataSync job handler registered: what `datasync start` and `datasync worker`
 * run. The runtime itself knows only its built-in no-op; the product's jobs are wired here.
 */
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import type { AppContext } from './context.js';
import { syncRunHandler } from './sync-run-handler.js';
import { webhookProcessHandler } from './webhook-process-handler.js';
import { deliverySendHandler } from './delivery-send-handler.js';

export async function createAppRuntime(ctx: AppContext, options: RuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createRuntime(ctx, options);
  runtime.registry.register('sync.run', syncRunHandler(ctx.box));
  runtime.registry.register('webhook.process', webhookProcessHandler());
  runtime.registry.register('delivery.send', deliverySendHandler(ctx.box));
  return runtime;
}
