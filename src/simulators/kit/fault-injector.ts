/**
 * @module Faults a test arms before making calls: the next N matching requests fail in a chosen way instead of
 * reaching the platform logic. Kinds:
 * - `status`: the platform's error body with a 5xx (or any) status;
 * - `rate_limit`: the platform's documented 429 (a "429 storm" is a rate_limit fault with a large count);
 * - `malformed`: a 200 whose JSON body is cut in half (what a proxy dropping a connection mid-page looks like);
 * - `delay`: the normal answer after `ms` milliseconds;
 * - `hang`: no answer at all until the simulator closes (clients must time out);
 * - `reset`: the TCP connection is destroyed without a response.
 * Faults are consumed in the order they were added; the first one whose `match` fits a request applies.
 */

export type FaultKind = 'status' | 'rate_limit' | 'malformed' | 'delay' | 'hang' | 'reset';

export interface FaultMatch {
  method?: string;
  /** Applies when the request path contains this text. */
  pathIncludes?: string;
}

export interface FaultSpec {
  kind: FaultKind;
  /** How many matching requests this fault consumes (default 1). */
  count?: number;
  /** For `status` (default 503). */
  status?: number;
  /** For `delay`. */
  ms?: number;
  /** For `rate_limit`: the wait the platform announces (default: its usual one). */
  retryAfterMs?: number;
  match?: FaultMatch;
}

export interface ArmedFault extends FaultSpec {
  remaining: number;
}

const KINDS: readonly FaultKind[] = ['status', 'rate_limit', 'malformed', 'delay', 'hang', 'reset'];

/** Parses an untrusted fault description (from the side channel); throws a RangeError naming the problem. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null) throw new RangeError('fault must be an object');
  const o = input as Record<string, unknown>;
  if (typeof o.kind !== 'string' || !KINDS.includes(o.kind as FaultKind))
    throw new RangeError(`fault.kind must be one of ${KINDS.join(', ')}`);
  const spec: FaultSpec = { kind: o.kind as FaultKind };
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = o[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new RangeError(`fault.${name} must be an integer between ${min} and ${max}`);
    return v;
  };
  spec.count = int('count', 1, 1_000_000);
  spec.status = int('status', 100, 599);
  spec.ms = int('ms', 0, 600_000);
  spec.retryAfterMs = int('retryAfterMs', 0, 3_600_000);
  if (spec.kind === 'delay' && spec.ms === undefined) throw new RangeError('a delay fault needs ms');
  if (o.match !== undefined) {
    if (typeof o.match !== 'object' || o.match === null)
      throw new RangeError('fault.match must be an object');
    const m = o.match as Record<string, unknown>;
    spec.match = {};
    if (m.method !== undefined) {
      if (typeof m.method !== 'string') throw new RangeError('fault.match.method must be a string');
      spec.match.method = m.method.toUpperCase();
    }
    if (m.pathIncludes !== undefined) {
      if (typeof m.pathIncludes !== 'string')
        throw new RangeError('fault.match.pathIncludes must be a string');
      spec.match.pathIncludes = m.pathIncludes;
    }
  }
  return spec;
}

export class FaultInjector {
  private armed: ArmedFault[] = [];

  /** Arms a fault; returns it so a test can read `remaining`. */
  add(spec: FaultSpec): ArmedFault {
    const armed = { ...spec, remaining: spec.count ?? 1 };
    this.armed.push(armed);
    return armed;
  }

  /** Takes the first armed fault that matches this request, consuming one use of it. */
  take(method: string, path: string): ArmedFault | undefined {
    const index = this.armed.findIndex(
      (f) =>
        (!f.match?.method || f.match.method === method.toUpperCase()) &&
        (!f.match?.pathIncludes || path.includes(f.match.pathIncludes)),
    );
    if (index < 0) return undefined;
    const fault = this.armed[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.armed.splice(index, 1);
    return fault;
  }

  pending(): readonly ArmedFault[] {
    return this.armed;
  }

  clear(): void {
    this.armed = [];
  }
}
