/**
 * @module Where a site's deliveries go. A site on the built-in receiver stores a marker instead of a URL, so
 * it keeps working when the server's port or public address changes; the marker resolves at send time.
 */
export const BUILTIN_RECEIVER_URL = 'builtin:receiver';

export function resolveSiteUrl(site: { id: string; url: string }, publicUrl: string): string {
  return site.url === BUILTIN_RECEIVER_URL
    ? `${publicUrl.replace(/\/$/, '')}/destinations/${site.id}`
    : site.url;
}

/** This server's address as configured: DATASYNC_PUBLIC_URL, else http://localhost:<PORT>. */
export function defaultPublicUrl(config: { publicUrl: string | undefined; port: number }): string {
  return config.publicUrl ?? `http://localhost:${config.port}`;
}
