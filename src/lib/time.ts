/**
 * @module Timestamps are stored as ISO-8601 UTC strings with milliseconds in both dialects: they sort as text,
 * read well in a database shell, and compare the same on SQLite and Postgres.
 */
export function nowIso(): string {
  return new Date().toISOString();
}

export function isoAfter(ms: number, from: Date = new Date()): string {
  return new Date(from.getTime() + ms).toISOString();
}
