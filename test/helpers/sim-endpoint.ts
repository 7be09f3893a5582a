/**
 * A loopback HTTP endpoint standing in for a platform: POST /put stores a value by key (idempotent, like a PUT
 * with an idempotency key), records which holder (process:run:attempt) wrote for which sync and when, and
 * optionally enforces a rate limit (requests per sliding second) with 429 + Retry-After beyond it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimEndpoint {
  url: string;
  data: Map<string, string>;
  /** Every request that reached the endpoint (accepted or rejected), by arrival time. */
  arrivals: number[];
  rejected: number;
  /** Per sync: holder → [first write, last write]. */
  writers: Map<string, Map<string, [number, number]>>;
  /** Resolves once `n` requests have arrived. */
  waitForArrivals(n: number): Promise<void>;
  /** Pairs of holders whose write intervals on one sync overlap. */
  overlaps(): string[];
  /** The most requests that arrived within any one-second window. */
  maxPerSecond(): number;
  close(): Promise<void>;
}

export async function startSimEndpoint(options: { perSecond?: number } = {}): Promise<SimEndpoint> {
  const data = new Map<string, string>();
  const arrivals: number[] = [];
  const writers = new Map<string, Map<string, [number, number]>>();
  let rejected = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const now = performance.now();
      arrivals.push(now);
      for (const w of waiters.filter((w) => arrivals.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      if (options.perSecond !== undefined) {
        let inWindow = 0;
        for (let i = arrivals.length - 1; i >= 0 && arrivals[i]! > now - 1000; i--) inWindow++;
        if (inWindow > options.perSecond) {
          rejected++;
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          res.end('{"error":"rate_limited"}');
          return;
        }
      }
      try {
        const put = JSON.parse(body) as { key: string; sync: string; holder: string; value: string };
        data.set(put.key, put.value);
        const bySync = writers.get(put.sync) ?? new Map<string, [number, number]>();
        writers.set(put.sync, bySync);
        const span = bySync.get(put.holder);
        if (span) span[1] = now;
        else bySync.set(put.holder, [now, now]);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      } catch {
        res.writeHead(400);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    data,
    arrivals,
    get rejected() {
      return rejected;
    },
    writers,
    waitForArrivals(n) {
      if (arrivals.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    overlaps() {
      const found: string[] = [];
      for (const [sync, holders] of writers) {
        const spans = [...holders.entries()].sort((a, b) => a[1][0] - b[1][0]);
        for (let i = 1; i < spans.length; i++) {
          const [prevHolder, prev] = spans[i - 1]!;
          const [holder, span] = spans[i]!;
          if (span[0] <= prev[1]) found.push(`${sync}: ${prevHolder} and ${holder}`);
        }
      }
      return found;
    },
    maxPerSecond() {
      let max = 0;
      let start = 0;
      for (let end = 0; end < arrivals.length; end++) {
        while (arrivals[end]! - arrivals[start]! >= 1000) start++;
        max = Math.max(max, end - start + 1);
      }
      return max;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
