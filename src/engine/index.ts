/**
 * @module The engine's public surface: the run entry point, the definition schema, and the pure core for tests and
 * previews.
 */
export { runSync, type RunSyncOptions } from './run-sync.js';
export {
  parseSyncDefinition,
  syncDefinitionSchema,
  type SyncDefinition,
  type SyncDefinitionInput,
} from './definition.js';
export type { SyncEvent, SyncResult, SyncCounts, PlanEntry, RecordEvent, RunOutcome } from './events.js';
export { decide, type Decision, type LinkView, type Observed } from './decide.js';
export { CompiledPair } from './mapping.js';
