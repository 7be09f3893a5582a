/**
 * Starts test/fixtures/runtime-worker.mjs (a worker process over the built dist/) on a test database; resolves
 * `ready` once it takes jobs.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { QueueFixture } from './queues.js';

const FIXTURE = path.resolve('test/fixtures/runtime-worker.mjs');

export function startWorker(f: QueueFixture, endpoint: string, extra: Record<string, unknown> = {}) {
  const child = spawn(
    process.execPath,
    [
      FIXTURE,
      JSON.stringify({
        target: f.database.target,
        schema: f.database.schema,
        url: f.database.url,
        endpoint,
        ...extra,
      }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${err}`)));
  });
  // A worker killed while starting rejects `ready`; only callers that wait for it should hear about that.
  ready.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, ready, exited, stderr: () => err };
}
