/**
 * @module When an outbound endpoint (a site) has failed long enough to stop sending to it. Pure: the caller
 * passes the site's failure streak and the outcome of the latest push. A streak is broken by any success; an
 * endpoint is disabled only when it has failed for `disableAfterMs` without a success AND at least
 * `minFailures` pushes in a row failed, so one outage of a few hours, or one failure days after the last
 * success, never disables anything.
 */

export interface EndpointHealthPolicy {
  /** How long the failure streak must last. Default 3 days. */
  disableAfterMs: number;
  /** How many failed pushes in a row, at least. Default 3. */
  minFailures: number;
}

export const DEFAULT_ENDPOINT_HEALTH: EndpointHealthPolicy = {
  disableAfterMs: 3 * 24 * 60 * 60 * 1000,
  minFailures: 3,
};

export interface FailureStreak {
  failingSince: string | null;
  consecutiveFailures: number;
}

export interface EndpointHealthUpdate extends FailureStreak {
  /** Set when this outcome disables the endpoint: the reason a person sees. */
  disableReason: string | null;
}

export function nextEndpointHealth(
  streak: FailureStreak,
  outcome: { ok: boolean; error?: string | null },
  now: Date,
  policy: EndpointHealthPolicy = DEFAULT_ENDPOINT_HEALTH,
): EndpointHealthUpdate {
  if (outcome.ok) return { failingSince: null, consecutiveFailures: 0, disableReason: null };
  const failingSince = streak.failingSince ?? now.toISOString();
  const consecutiveFailures = streak.consecutiveFailures + 1;
  const failingForMs = now.getTime() - Date.parse(failingSince);
  const disable = consecutiveFailures >= policy.minFailures && failingForMs >= policy.disableAfterMs;
  return {
    failingSince,
    consecutiveFailures,
    disableReason: disable
      ? `disabled automatically: ${consecutiveFailures} deliveries in a row failed since ${failingSince}` +
        ` (last error: ${outcome.error ?? 'unknown'}); re-enable it once the endpoint answers again`
      : null,
  };
}
