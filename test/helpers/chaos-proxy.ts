/**
 * A loopback HTTP proxy in front of a simulator that makes the network and the platform misbehave at random:
 * a share of requests get a 5xx, hang until the client times out, lose their connection, or get a page whose
 * JSON is cut in half; writes can be applied upstream and then have their answer dropped (the write happened,
 * the client saw a timeout); and a 429 storm can be started for the next N requests. Counts what it did.
 *
 * The random faults come from a seeded generator (`seed`), so a failing run can be replayed: with the same seed
 * and the same sequence of requests, the same requests fail the same way. `force` fails chosen requests instead
 * (the Nth request matching a method and path), for deterministic regression tests.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ChaosKind = '5xx' | 'timeout' | 'reset' | 'malformed' | 'accepted_then_timeout' | '429';

export interface ForcedFault {
  method: string;
  /** Matched against the request path (query string included). */
  path: RegExp;
  /** Which matching request fails: 1 for the first (counted from when the fault was forced). */
  nth: number;
  kind: ChaosKind;
}

export interface ChaosProxy {
  url: string;
  seed: number;
  injected: Record<ChaosKind, number>;
  /** Share of requests (0-1) that get one of the random faults. */
  rate: number;
  /** The next `count` requests answer 429 with `Retry-After: 0`. */
  storm(count: number): void;
  /** Fails the chosen request (see ForcedFault); faults forced this way come before storms and random ones. */
  force(fault: ForcedFault): void;
  /** Requests seen so far, as `METHOD path`. */
  log: string[];
  close(): Promise<void>;
}

/** mulberry32: a small, fast, seedable generator (the proxy's only random source). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANDOM: ChaosKind[] = ['5xx', 'timeout', 'reset', 'malformed', 'accepted_then_timeout'];

export async function startChaosProxy(
  upstream: string,
  rate: number,
  seed = Math.floor(Math.random() * 2 ** 31),
): Promise<ChaosProxy> {
  const target = new URL(upstream);
  const random = seededRandom(seed);
  const forced: (ForcedFault & { seen: number })[] = [];
  const log: string[] = [];
  const sockets = new Set<Socket>();
  const injected: Record<ChaosKind, number> = {
    '5xx': 0,
    timeout: 0,
    reset: 0,
    malformed: 0,
    accepted_then_timeout: 0,
    '429': 0,
  };
  let storm = 0;
  let turn = 0;
  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const up = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        let kind: ChaosKind | undefined;
        log.push(`${req.method} ${req.url}`);
        for (const f of forced) {
          if (f.method !== req.method || !f.path.test(req.url ?? '')) continue;
          f.seen++;
          if (f.seen === f.nth) kind = f.kind;
        }
        // A forced fault replaces the storm's and the random draw's turn for this request.
        if (!kind && storm > 0) {
          storm--;
          kind = '429';
        } else if (!kind && random() < proxy.rate) {
          // Which request fails is random; the kinds take turns, so a short run still sees each of them.
          const choices = req.method === 'GET' ? RANDOM.filter((k) => k !== 'accepted_then_timeout') : RANDOM;
          kind = choices[turn++ % choices.length]!;
        }
        if (kind) injected[kind]++;
        if (kind === '429') {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
          res.end(JSON.stringify({ status: 'error', errorType: 'RATE_LIMIT', message: 'storm' }));
          return;
        }
        if (kind === '5xx') {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'error', category: 'INTERNAL_ERROR', message: 'chaos' }));
          return;
        }
        if (kind === 'timeout') return; // no answer: the client's timeout fires
        if (kind === 'reset') {
          req.socket.destroy();
          return;
        }
        const answer = await forward(req, body);
        if (kind === 'accepted_then_timeout') return; // applied upstream, answer never arrives
        if (kind === 'malformed') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
          return;
        }
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        res.writeHead(answer.status, headers);
        res.end(answer.body);
      })().catch(() => req.socket.destroy());
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: ChaosProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seed,
    injected,
    rate,
    log,
    storm: (count) => {
      storm = count;
    },
    force: (fault) => {
      forced.push({ ...fault, seen: 0 });
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
