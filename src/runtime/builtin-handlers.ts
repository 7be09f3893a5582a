/**
 * @module Handlers the runtime itself provides. `runtime.noop` does nothing and succeeds: smoke checks and the
 * queue benchmarks use it. Sync runs (`sync.run`) and webhook processing (`webhook.process`) are registered by
 * the engine and the API.
 */
import type { HandlerRegistry } from './handlers.js';

export function registerBuiltinHandlers(registry: HandlerRegistry): void {
  registry.register('runtime.noop', async () => undefined);
}
