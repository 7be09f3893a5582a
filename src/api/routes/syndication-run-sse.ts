/**
 * @module A syndication run, live, as Server-Sent Events: the dashboard's per-site cards and log follow it
 * without polling. Each change of the run or one of its sites (a log line, a start, a commit, an end: the
 * worker's events when it runs in this process, a slow poll otherwise) sends one `snapshot` event: the run, its
 * children, and only the log lines not sent yet; its `id:` is the last line id, so a reconnect (Last-Event-ID)
 * continues without repeats. Once the run is final and its lines are out, `end` closes the stream.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RuntimeEventName } from '../../runtime/events.js';
import type { ApiContext } from '../api-options.js';
import { SSE_HEARTBEAT_MS } from './run-log-sse.js';

const FINAL = new Set(['success', 'partial', 'failed', 'cancelled']);
/** Without in-process events (a separate worker), how often the stream looks again. */
const POLL_MS = 1000;
/** With them, a slower look anyway: a run may also be worked on by a `datasync worker` process. */
const EVENT_FALLBACK_MS = 3000;
/** Events arrive in bursts (a line per attempt per site): one snapshot per burst. */
const COALESCE_MS = 50;

interface Detail {
  run: { id: string; status: string };
  children: { id: string }[];
  logs: { id: number; runId: string }[];
}

function lastEventId(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const value = Number(Array.isArray(header) ? header[0] : header);
  return header !== undefined && header !== '' && Number.isSafeInteger(value) && value >= 0
    ? value
    : undefined;
}

export async function streamSyndicationRun(
  api: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  input: {
    orgId: string;
    runId: string;
    afterLogId: number;
    /** The run, its children, and each run's log lines after that run's cursor. */
    load: (afterLogId: (runId: string) => number) => Promise<Detail>;
  },
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  let closed = false;
  // Set by every relevant event: one that lands while a snapshot is being read is not lost.
  let dirty = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    dirty = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onClose = () => {
    closed = true;
    nudge();
  };
  res.on('close', onClose);
  api.closing.addEventListener('abort', onClose);
  if (api.closing.aborted) closed = true;
  const heartbeat = setInterval(
    () => res.write(': keep-alive\n\n'),
    api.options.sseHeartbeatMs ?? SSE_HEARTBEAT_MS,
  );
  res.write('retry: 2000\n\n');

  // Any event of this organization may concern the run (its children are created as it goes): look again.
  const unsubscribe: (() => void)[] = [];
  const events = api.options.events;
  if (events) {
    const names: RuntimeEventName[] = ['run.started', 'run.log', 'batch.committed', 'run.finished'];
    for (const name of names) {
      unsubscribe.push(
        events.on(name, (e) => {
          if ('orgId' in e && e.orgId === input.orgId) nudge();
        }),
      );
    }
  }

  // One cursor per run, not one for all: the parent and its site runs write lines concurrently, and on Postgres
  // a line can become visible after one with a higher id (ids are taken at insert, visibility comes at commit).
  // A single "after the highest id sent" cursor skipped such a line; one run's lines are written in order.
  const start = lastEventId(request) ?? input.afterLogId;
  const cursors = new Map<string, number>();
  let lastSent = start;
  let previous = '';
  try {
    while (!closed) {
      dirty = false;
      const detail = await input.load((runId) => cursors.get(runId) ?? start);
      for (const line of detail.logs) {
        cursors.set(line.runId, Math.max(cursors.get(line.runId) ?? start, line.id));
        lastSent = Math.max(lastSent, line.id);
      }
      // The same run state without new lines is not worth an event.
      const state = JSON.stringify({ run: detail.run, children: detail.children });
      if (detail.logs.length > 0 || state !== previous) {
        res.write(`id: ${lastSent}\nevent: snapshot\ndata: ${JSON.stringify(detail)}\n\n`);
        previous = state;
      }
      if (FINAL.has(detail.run.status)) {
        res.write(`event: end\ndata: ${JSON.stringify({ status: detail.run.status })}\n\n`);
        break;
      }
      if (dirty) {
        await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, events ? EVENT_FALLBACK_MS : POLL_MS);
        wake = () => {
          clearTimeout(timer);
          setTimeout(resolve, COALESCE_MS);
        };
      });
    }
  } catch (error) {
    api.app.logger.warn({ runId: input.runId, err: String(error) }, 'syndication run stream failed');
    res.write(`event: error\ndata: ${JSON.stringify({ message: 'run stream failed' })}\n\n`);
  } finally {
    clearInterval(heartbeat);
    for (const off of unsubscribe) off();
    res.off('close', onClose);
    api.closing.removeEventListener('abort', onClose);
    res.end();
  }
}
