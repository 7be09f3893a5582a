/**
 * The UI's one door to the API: JSON in and out, the session cookie sent along, the CSRF token echoed on
 * state-changing requests, and every failure turned into an ApiError carrying the API's error body.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const CSRF_COOKIE = 'datasync_csrf';

function csrfToken(): string | undefined {
  return document.cookie
    .split('; ')
    .find((c) => c.startsWith(`${CSRF_COOKIE}=`))
    ?.slice(CSRF_COOKIE.length + 1);
}

/** The organization the UI acts on (null: the only one), as the API names it in X-DataSync-Org or `?org=`. */
export function currentOrg(): string | null {
  return localStorage.getItem('datasync.org');
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const token = csrfToken();
  if (method !== 'GET' && token) headers['x-csrf-token'] = decodeURIComponent(token);
  const orgId = currentOrg();
  if (orgId) headers['x-datasync-org'] = orgId;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (response.status === 204) return undefined as T;
  const payload = (await response.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: Record<string, unknown> };
  };
  if (!response.ok) {
    const e = payload.error;
    throw new ApiError(
      response.status,
      e?.code ?? 'http_error',
      e?.message ?? `HTTP ${response.status}`,
      e?.details ?? {},
    );
  }
  return payload as T;
}
