/**
 * @module A run's log as Server-Sent Events. Each line is one `data:` event whose `id:` is the line id, so a
 * browser's EventSource resumes after a drop (it sends Last-Event-ID) without gaps or repeats. Comment lines keep
 * idle connections open through proxies; once the run is final and every line is sent, an `end` event carries
 * its status and counts and the stream closes. Lines come from streamRunLogs (woken by the worker's events when
 * it runs in this process, polled otherwise).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { streamRunLogs } from '../../runtime/run-log-stream.js';
import type { LogLevel } from '../../store/repositories/run-logs.js';
import type { ApiContext } from '../api-options.js';
import { logView, runView, LOG_LEVELS } from './run-schemas.js';

/** How often an idle stream sends a comment line. */
export const SSE_HEARTBEAT_MS = 15_000;

export function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/** `level` and every level above it; undefined (all levels) without one. */
export function levelsFrom(level: LogLevel | undefined): LogLevel[] | undefined {
  return level ? LOG_LEVELS.slice(LOG_LEVELS.indexOf(level)) : undefined;
}

/** Last-Event-ID wins over `afterId` (it is what the browser saw last). */
function resumeFrom(request: FastifyRequest, afterId: number | undefined): number {
  const header = request.headers['last-event-id'];
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isSafeInteger(value) && value >= 0 && header !== undefined && header !== ''
    ? value
    : (afterId ?? 0);
}

export async function streamRunLogsSse(
  api: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { orgId: string; runId: string; afterId: number | undefined; levels: LogLevel[] | undefined },
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
  const abort = new AbortController();
  // The response's close (not the request's, which fires once its body is read) means the client went away.
  const onClose = () => abort.abort();
  res.on('close', onClose);
  api.closing.addEventListener('abort', onClose);
  if (api.closing.aborted) abort.abort();
  const heartbeatMs = api.options.sseHeartbeatMs ?? SSE_HEARTBEAT_MS;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  // Reconnect quickly after a drop; the id makes it lossless.
  res.write('retry: 2000\n\n');
  const allowed = input.levels ? new Set(input.levels) : undefined;
  try {
    const lines = streamRunLogs(api.app.store, input.orgId, input.runId, {
      afterId: resumeFrom(request, input.afterId),
      signal: abort.signal,
      ...(api.options.events ? { events: api.options.events } : {}),
      pollMs: api.options.sseHeartbeatMs ? Math.min(1000, api.options.sseHeartbeatMs) : 1000,
    });
    for await (const line of lines) {
      if (allowed && !allowed.has(line.level)) continue;
      res.write(`id: ${line.id}\ndata: ${JSON.stringify(logView(line))}\n\n`);
    }
    if (!abort.signal.aborted) {
      const run = await api.app.repos.runs.get(input.orgId, input.runId);
      if (run) {
        const view = runView(run);
        const end = {
          status: view.status,
          counts: view.counts,
          error: view.error,
          finishedAt: view.finishedAt,
          durationMs: view.durationMs,
        };
        res.write(`event: end\ndata: ${JSON.stringify(end)}\n\n`);
      }
    }
  } catch (error) {
    api.app.logger.warn({ runId: input.runId, err: String(error) }, 'run log stream failed');
    res.write(`event: error\ndata: ${JSON.stringify({ message: 'log stream failed' })}\n\n`);
  } finally {
    clearInterval(heartbeat);
    res.off('close', onClose);
    api.closing.removeEventListener('abort', onClose);
    res.end();
  }
}
