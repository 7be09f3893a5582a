/**
 * @module The organization a piece of work acts for, carried by AsyncLocalStorage so the database layer can hand
 * it to Postgres (row-level security, migration 0008) without every query passing it along. The API enters a
 * scope around each route handler; code outside any scope (workers, sign-in, the webhook receiver's lookup) runs
 * unscoped and relies on its own `org_id` filters.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<string>();

/** Runs `fn` with `orgId` as the current organization (nested calls replace it for their duration). */
export function withOrgScope<T>(orgId: string, fn: () => T): T {
  return scope.run(orgId, fn);
}

/** The organization of the current scope, or undefined outside any. */
export function currentOrgScope(): string | undefined {
  return scope.getStore();
}
