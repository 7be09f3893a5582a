/**
 * The queue contract: one suite, run against the embedded SQLite queue and graphile-worker on Postgres.
 */
import { expect, it } from 'vitest';
import type { Job, JobAbortReason, JobOutcome, Queue } from '../../src/runtime/queue/queue.js';
import type { TableQueue } from '../../src/runtime/queue/table-queue.js';
import { condition, describeEachQueue } from '../helpers/queues.js';

const done: JobOutcome = { kind: 'done' };
const later = (ms: number) => new Date(Date.now() + ms);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records deliveries; `until(n)` resolves once n jobs have been delivered. */
function recorder() {
  const seen: Array<Job & { at: number }> = [];
  let cond = condition(() => false);
  return {
    seen,
    note(job: Job) {
      seen.push({ ...job, at: Date.now() });
      cond.changed();
    },
    until(n: number, ms?: number) {
      cond = condition(() => seen.length >= n, ms);
      return cond.done;
    },
  };
}

/** Puts a job in the state a killed consumer leaves behind: claimed, never settled, never renewed. */
async function strandJob(queue: Queue, leaseMs: number) {
  const claimed = await (queue as TableQueue).claim('dead-consumer', 1, leaseMs);
  expect(claimed).toHaveLength(1);
}

describeEachQueue('queue contract', (open) => {
  it('enqueues inside the caller transaction: a rollback leaves nothing, a commit runs once', async () => {
    const f = await open();
    await f.store.db
      .transaction()
      .execute(async (trx) => {
        await f.queue.enqueue(trx, { type: 't', payload: { n: 'rolled back' } });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await f.store.db.transaction().execute(async (trx) => {
      await f.queue.enqueue(trx, { type: 't', payload: { n: 'committed' }, maxAttempts: 7 });
    });
    expect(await f.queue.pending()).toBe(1);
    const r = recorder();
    const consumer = await f.queue.consume(async (job) => (r.note(job), done), { concurrency: 2 });
    await r.until(1);
    await consumer.stop();
    expect(r.seen.map((j) => j.payload)).toEqual([{ n: 'committed' }]);
    expect(r.seen[0]).toMatchObject({ type: 't', attempt: 1, maxAttempts: 7 });
    expect(await f.queue.pending()).toBe(0);
  });

  it('runs higher priorities first', async () => {
    const f = await open();
    for (const priority of ['low', 'default', 'high'] as const) {
      await f.queue.enqueue(f.store.db, { type: 't', payload: { priority }, priority });
    }
    const r = recorder();
    const consumer = await f.queue.consume(async (job) => (r.note(job), done), { concurrency: 1 });
    await r.until(3);
    await consumer.stop();
    expect(r.seen.map((j) => j.payload.priority)).toEqual(['high', 'default', 'low']);
  });

  it('does not start a job before its run-at', async () => {
    const f = await open();
    const runAt = later(600);
    await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 'delayed' }, runAt });
    await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 'now' } });
    const r = recorder();
    const consumer = await f.queue.consume(async (job) => (r.note(job), done), {
      concurrency: 2,
      pollMs: 50,
    });
    await r.until(2);
    await consumer.stop();
    expect(r.seen.map((j) => j.payload.n)).toEqual(['now', 'delayed']);
    expect(r.seen[1]!.at).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('dedupes by key while the job waits, and queues again once it has started', async () => {
    const f = await open();
    const first = await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 1 }, dedupeKey: 'sync:a' });
    const second = await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 2 }, dedupeKey: 'sync:a' });
    expect(first.deduped).toBe(false);
    expect(second).toEqual({ jobId: first.jobId, deduped: true, payload: { n: 1 } });
    expect(await f.queue.pending()).toBe(1);
    const r = recorder();
    let third: Awaited<ReturnType<Queue['enqueue']>> | undefined;
    const consumer = await f.queue.consume(
      async (job) => {
        if (job.payload.n === 1)
          third = await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 3 }, dedupeKey: 'sync:a' });
        r.note(job);
        return done;
      },
      { concurrency: 1, pollMs: 50 },
    );
    await r.until(2);
    await consumer.stop();
    expect(third?.deduped).toBe(false);
    expect(r.seen.map((j) => j.payload.n)).toEqual([1, 3]);
  });

  it('never runs two jobs with the same lock key at once', async () => {
    const f = await open();
    for (let i = 0; i < 6; i++)
      await f.queue.enqueue(f.store.db, { type: 't', payload: { i }, lockKey: 'sync:x' });
    for (let i = 0; i < 4; i++)
      await f.queue.enqueue(f.store.db, { type: 't', payload: { i }, lockKey: `sync:${i}` });
    const running = new Map<string, number>();
    let overlap = 0;
    const r = recorder();
    const consumer = await f.queue.consume(
      async (job) => {
        const key = job.lockKey!;
        running.set(key, (running.get(key) ?? 0) + 1);
        if (running.get(key)! > 1) overlap++;
        await pause(15); // work that takes a while, so overlaps would show
        running.set(key, running.get(key)! - 1);
        r.note(job);
        return done;
      },
      { concurrency: 4, pollMs: 20 },
    );
    await r.until(10);
    await consumer.stop();
    expect(overlap).toBe(0);
    expect(r.seen.filter((j) => j.lockKey === 'sync:x')).toHaveLength(6);
  });

  it('retries at the time asked with the attempt counted, and dead-letters visibly', async () => {
    const f = await open();
    await f.queue.enqueue(f.store.db, { type: 'flaky', payload: { n: 1 } });
    await f.queue.enqueue(f.store.db, { type: 'broken', payload: { n: 2 } });
    const r = recorder();
    const consumer = await f.queue.consume(
      async (job) => {
        r.note(job);
        if (job.type === 'broken') return { kind: 'dead', error: 'validation: name is required' };
        return job.attempt === 1 ? { kind: 'retry', at: later(100), error: 'network' } : done;
      },
      { concurrency: 2, pollMs: 20 },
    );
    await r.until(3);
    await consumer.stop();
    const flaky = r.seen.filter((j) => j.type === 'flaky');
    expect(flaky.map((j) => j.attempt)).toEqual([1, 2]);
    expect(flaky[1]!.at - flaky[0]!.at).toBeGreaterThanOrEqual(90);
    expect(flaky[1]!.payload).toEqual({ n: 1 });
    const dead = await f.queue.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      type: 'broken',
      payload: { n: 2 },
      attempts: 1,
      error: 'validation: name is required',
    });
    expect(await f.queue.pending()).toBe(0);
  });

  it('aborts a job past its timeout, and on shutdown after the grace period without spending an attempt', async () => {
    const f = await open();
    await f.queue.enqueue(f.store.db, { type: 'slow', payload: {}, timeoutMs: 100 });
    const reasons: unknown[] = [];
    const r = recorder();
    const consumer = await f.queue.consume(
      (job, signal) =>
        new Promise<JobOutcome>((resolve) => {
          r.note(job);
          signal.addEventListener('abort', () => {
            reasons.push(signal.reason as JobAbortReason);
            resolve(
              signal.reason === 'timeout'
                ? { kind: 'retry', at: new Date(), error: 'timeout' }
                : { kind: 'defer', at: new Date() },
            );
          });
        }),
      { concurrency: 1, pollMs: 20 },
    );
    await r.until(2);
    // The second delivery never ends by itself: stopping aborts it after the grace period.
    await consumer.stop(50);
    expect(reasons).toEqual(['timeout', 'shutdown']);
    const again = recorder();
    const next = await f.queue.consume(async (job) => (again.note(job), done), {
      concurrency: 1,
      pollMs: 20,
    });
    await again.until(1);
    await next.stop();
    expect(again.seen[0]!.attempt).toBe(r.seen.at(-1)!.attempt);
  });

  it('cancels a job that has not started', async () => {
    const f = await open();
    const { jobId } = await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 'cancelled' } });
    await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 'kept' }, priority: 'low' });
    expect(await f.queue.cancel(jobId)).toBe(true);
    expect(await f.queue.cancel(jobId)).toBe(false);
    const r = recorder();
    const consumer = await f.queue.consume(async (job) => (r.note(job), done), { concurrency: 1 });
    await r.until(1);
    await consumer.stop();
    expect(r.seen.map((j) => j.payload.n)).toEqual(['kept']);
  });

  it('resumes the job of a consumer that died, once its lease has run out: a crash, not an attempt', async () => {
    const f = await open();
    await f.queue.enqueue(f.store.db, { type: 't', payload: { n: 'orphan' }, lockKey: 'sync:o' });
    const leaseMs = 300;
    await strandJob(f.queue, leaseMs);
    const r = recorder();
    const consumer = await f.queue.consume(async (job) => (r.note(job), done), {
      concurrency: 1,
      leaseMs,
      pollMs: 50,
    });
    await r.until(1);
    await consumer.stop();
    expect(r.seen[0]).toMatchObject({ payload: { n: 'orphan' }, attempt: 1, crashes: 1 });
  });
});
