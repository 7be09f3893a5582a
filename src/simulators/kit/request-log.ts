/**
 * @module Every request a simulator received (side channel excluded), with what it answered, so tests can assert
 * on what a connector actually sent: headers, query, body, and how many calls it took.
 */

export interface LoggedRequest {
  seq: number;
  /** Simulator-clock time the request arrived. */
  at: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text, when there was one. */
  rawBody?: string;
  status?: number;
  /** The fault that answered instead of the platform, if any. */
  fault?: string;
}

export class RequestLog {
  private readonly items: LoggedRequest[] = [];
  private seq = 0;

  record(entry: Omit<LoggedRequest, 'seq'>): LoggedRequest {
    const logged = { ...entry, seq: ++this.seq };
    this.items.push(logged);
    return logged;
  }

  entries(): readonly LoggedRequest[] {
    return this.items;
  }

  /** Requests whose method and path match (path may be a substring or a RegExp). */
  find(method: string | undefined, path: string | RegExp): LoggedRequest[] {
    return this.items.filter(
      (r) =>
        (!method || r.method === method.toUpperCase()) &&
        (typeof path === 'string' ? r.path.includes(path) : path.test(r.path)),
    );
  }

  clear(): void {
    this.items.length = 0;
  }
}
