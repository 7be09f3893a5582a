/**
 * @module Per-record checks a connector can run against its own object spec before writing, so a bad record is a
 * `validation` result for that record instead of a failed batch.
 */
import { ConnectorError } from './errors.js';
import type { ObjectSpec } from './types.js';

/** The first problem with `data` as a full record of `spec`, or undefined. */
export function missingRequired(spec: ObjectSpec, data: Record<string, unknown>): ConnectorError | undefined {
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field.required && !field.readOnly && (data[name] === undefined || data[name] === null)) {
      return new ConnectorError('validation', `${spec.name}.${name} is required`);
    }
  }
  return undefined;
}
