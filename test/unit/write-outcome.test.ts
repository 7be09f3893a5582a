/**
 * The one rule for "may a failed write have happened?" (src/connectors/sdk/write-outcome.ts), one case per answer
 * class, each answered by a real HTTP server on loopback and read through `httpCall` and a platform's own error
 * classification (HubSpot's), the way the engine meets them. Then writeInChunks, which all per-record connectors
 * use to end a batch that failed half way.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotErrorOf } from '../../src/connectors/hubspot/hubspot-errors.js';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import { httpCall } from '../../src/connectors/sdk/http.js';
import type { WriteResult } from '../../src/connectors/sdk/types.js';
import { mayHaveBeenApplied, notSent, writeInChunks } from '../../src/connectors/sdk/write-outcome.js';

type Answer = (res: http.ServerResponse, req: http.IncomingMessage) => void;
const json = (status: number, body: string, headers: Record<string, string> = {}) =>
  ((res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }) satisfies Answer;

const ANSWERS: Record<string, Answer> = {
  '/ok-broken': json(200, '{"results":[{"id":"1","propert'),
  '/see-other': (res) => {
    res.writeHead(303, { location: '/objects/1' });
    res.end();
  },
  '/bad-request': json(400, '{"status":"error","category":"VALIDATION_ERROR","message":"bad"}'),
  '/conflict': json(409, '{"status":"error","category":"CONFLICT","message":"exists"}'),
  '/rate': json(429, '{"status":"error","errorType":"RATE_LIMIT","message":"slow down"}', {
    'retry-after': '1',
  }),
  '/server': json(502, '{"status":"error","category":"INTERNAL_ERROR","message":"oops"}'),
  '/reset': (_res, req) => req.socket.destroy(),
  '/silent': () => undefined,
};

let server: http.Server;
let base: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => ANSWERS[req.url ?? '']!(res, req));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** What a connector throws for a write to `url`: httpCall's own error, or the platform's classification. */
async function failureOf(url: string): Promise<unknown> {
  try {
    const answer = await httpCall({ method: 'POST', url, body: { inputs: [] }, timeoutMs: 200 });
    if (answer.status >= 200 && answer.status < 300) return undefined;
    return hubspotErrorOf(answer, 'batch create');
  } catch (error) {
    return error;
  }
}

describe('mayHaveBeenApplied, per answer class', () => {
  it('a 2xx whose body cannot be read: the write happened', async () => {
    const error = await failureOf(`${base}/ok-broken`);
    expect(error).toMatchObject({ kind: 'server', status: 200 });
    expect(mayHaveBeenApplied(error)).toBe(true);
  });

  it('a 3xx is no refusal (a 303 answers a POST that was carried out)', async () => {
    const error = await failureOf(`${base}/see-other`);
    expect(error).toMatchObject({ status: 303 });
    expect(mayHaveBeenApplied(error)).toBe(true);
  });

  it('a 4xx refuses the write', async () => {
    for (const path of ['/bad-request', '/conflict']) {
      const error = await failureOf(`${base}${path}`);
      expect((error as ConnectorError).status).toBeGreaterThanOrEqual(400);
      expect(mayHaveBeenApplied(error), path).toBe(false);
    }
  });

  it('a 429 refuses the write', async () => {
    const error = await failureOf(`${base}/rate`);
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 1000 });
    expect(mayHaveBeenApplied(error)).toBe(false);
  });

  it('a 5xx may have been applied', async () => {
    const error = await failureOf(`${base}/server`);
    expect(error).toMatchObject({ kind: 'server', status: 502 });
    expect(mayHaveBeenApplied(error)).toBe(true);
  });

  it('no answer (connection reset, timeout) may have been applied', async () => {
    for (const path of ['/reset', '/silent']) {
      const error = await failureOf(`${base}${path}`);
      expect(error).toMatchObject({ kind: 'network', sent: true });
      expect(mayHaveBeenApplied(error), path).toBe(true);
    }
  });

  it('a connection that could not be opened sent nothing', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failureOf(`http://127.0.0.1:${port}/anything`);
    expect(error).toMatchObject({ kind: 'network', sent: false });
    expect(mayHaveBeenApplied(error)).toBe(false);
  });

  it('per-record refusals inside a 2xx multi-status answer, and errors that are not the platform', () => {
    expect(mayHaveBeenApplied(new ConnectorError('validation', 'bad email', { status: 207 }))).toBe(false);
    expect(mayHaveBeenApplied(new ConnectorError('server', 'no result for 12', { status: 207 }))).toBe(true);
    expect(mayHaveBeenApplied(new ConnectorError('auth', 'token refresh refused'))).toBe(false);
    expect(mayHaveBeenApplied(new Error('aborted'))).toBe(true);
    expect(mayHaveBeenApplied(notSent(new ConnectorError('server', 'x', { status: 500 })))).toBe(false);
  });
});

describe('writeInChunks', () => {
  const ok = (id: string): WriteResult => ({ ok: true, id });
  const refused = new ConnectorError('validation', 'bad record', { status: 400 });
  const lost = new ConnectorError('server', 'malformed JSON response', { status: 200 });

  it('throws a whole-call failure while nothing was written, so the engine sees a batch that wrote nothing', async () => {
    await expect(
      writeInChunks(['a', 'b', 'c'], {
        size: 2,
        send: () => Promise.reject(lost),
      }),
    ).rejects.toBe(lost);
  });

  it('after writes went through, keeps them: the failed call gets its error, the rest are not sent', async () => {
    const sent: string[][] = [];
    const results = await writeInChunks(['a', 'b', 'c', 'd', 'e'], {
      size: 2,
      send: (chunk) => {
        sent.push(chunk);
        return sent.length === 2 ? Promise.reject(lost) : Promise.resolve(chunk.map(ok));
      },
    });
    expect(sent).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : mayHaveBeenApplied(r.error) ? 'unknown' : 'refused'))).toEqual([
      'ok',
      'ok',
      'unknown',
      'unknown',
      'refused',
    ]);
    expect(results[4]).toMatchObject({ ok: false, error: { sent: false, message: /^not sent: / } });
  });

  it('a chunk refused for one record is sent one by one, so the others land', async () => {
    const results = await writeInChunks(['a', 'bad', 'c'], {
      size: 3,
      send: (chunk) => (chunk.includes('bad') ? Promise.reject(refused) : Promise.resolve(chunk.map(ok))),
    });
    expect(results).toEqual([ok('a'), { ok: false, error: refused }, ok('c')]);
  });
});
