/**
 * @module JSON columns: Postgres (jsonb) hands back parsed values, SQLite (text) hands back strings. Encode on
 * the way in and decode on the way out here, so repositories return the same objects on both dialects.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
