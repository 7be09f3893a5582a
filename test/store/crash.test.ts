/**
 * SIGKILL during writes: a writer process commits batches (records + a counter, one transaction each) until it
 * is killed at an arbitrary moment. After each kill the database must open, pass its integrity check, hold
 * exactly the committed batches (never half of one), and take new writes.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS } from '../helpers/dialects.js';

const WRITER = path.resolve('test/fixtures/crash-writer.mjs');

function startWriter(target: unknown, schema: string | undefined) {
  const child = spawn(process.execPath, [WRITER, JSON.stringify(target), schema ?? ''], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const batches = (wanted: number) =>
    new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        out += c.toString();
        if ((out.match(/batch \d+\n/g) ?? []).length >= wanted) {
          child.stdout.off('data', onData);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, batches, exited };
}

for (const dialect of DIALECTS) {
  describe(`crash safety [${dialect}]`, () => {
    it('survives SIGKILL mid-write with every committed batch whole', async () => {
      const database = await createTestDatabase(dialect);
      try {
        for (let cycle = 1; cycle <= 4; cycle++) {
          const writer = startWriter(database.target, database.schema);
          // Wait for a few commits, then kill at whatever point the writer has reached.
          await writer.batches(3 + cycle);
          writer.child.kill('SIGKILL');
          await writer.exited;

          const store = await database.open();
          try {
            if (dialect === 'sqlite') {
              const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db);
              expect(check.rows[0]?.integrity_check).toBe('ok');
            }
            const counter = await store.db
              .selectFrom('counters')
              .select('value')
              .where('name', '=', 'crash_batches')
              .executeTakeFirstOrThrow();
            const records = await store.db
              .selectFrom('records')
              .select((eb) => [
                eb.fn.countAll<number | string>().as('n'),
                eb.fn.count<number | string>('change_seq').distinct().as('seqs'),
              ])
              .executeTakeFirstOrThrow();
            expect(Number(records.n)).toBe(Number(counter.value) * 100);
            // Every write took its own change sequence number: none shared, none lost to a torn batch.
            expect(Number(records.seqs)).toBe(Number(records.n));
            expect(Number(counter.value)).toBeGreaterThanOrEqual(cycle * 3);
          } finally {
            await store.close();
          }
        }
      } finally {
        await database.dispose();
      }
    });
  });
}
