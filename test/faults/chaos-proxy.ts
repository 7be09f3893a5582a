/**
 * A loopback HTTP proxy in front of a simulator that makes the network and the platform misbehave at random:
 * a share of requests get a 5xx, hang until the client times out, lose their connection, or get a page whose
 * JSON is cut in half; writes can be applied upstream and then have their answer dropped (the write happened,
 * the client saw a timeout); and a 429 storm can be started for the next N requests. Counts what it did.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ChaosKind = '5xx' | 'timeout' | 'reset' | 'malformed' | 'accepted_then_timeout' | '429';

export interface ChaosProxy {
  url: string;
  injected: Record<ChaosKind, number>;
  /** Share of requests (0-1) that get one of the random faults. */
  rate: number;
  /** The next `count` requests answer 429 with `Retry-After: 0`. */
  storm(count: number): void;
  close(): Promise<void>;
}

const RANDOM: ChaosKind[] = ['5xx', 'timeout', 'reset', 'malformed', 'accepted_then_timeout'];

export async function startChaosProxy(upstream: string, rate: number): Promise<ChaosProxy> {
  const target = new URL(upstream);
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
        if (storm > 0) {
          storm--;
          kind = '429';
        } else if (Math.random() < proxy.rate) {
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
    injected,
    rate,
    storm: (count) => {
      storm = count;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
