/**
 * @module Cross-process wake-ups on Postgres: one LISTEN connection per queue. Triggers on `runtime_jobs`
 * (migration 0013) notify the schema's channel when a job becomes ready to look at, at commit. The connection is
 * re-made with a capped backoff when it drops (a database restart or fail-over); every (re)connect also wakes
 * the listener, since notifications sent while it was away are gone. Polling stays the safety net.
 */
import pg from 'pg';
import { sleep } from '../sleep.js';

/** The channel the triggers notify: one per schema, so tests (and tenants of a shared server) stay apart. */
export function jobsChannel(schema: string): string {
  return `dsjobs_${schema}`.slice(0, 63);
}

export class PgNotifier {
  private client: pg.Client | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private dropped: (() => void) | undefined;
  private readonly halt = new AbortController();

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onWake: () => void,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      const client = new pg.Client({
        connectionString: this.connectionString,
        connectionTimeoutMillis: 5000,
      });
      const lost = new Promise<void>((resolve) => {
        this.dropped = resolve;
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        client.on('notification', () => this.onWake());
        await client.query(`LISTEN "${this.channel.replaceAll('"', '""')}"`);
        this.client = client;
        backoff = 100;
        this.onWake();
        await lost;
      } catch {
        // Postgres is not answering: try again later.
      }
      this.client = undefined;
      await client.end().catch(() => undefined);
      if (this.stopped) break;
      await sleep(backoff, this.halt.signal);
      backoff = Math.min(5000, backoff * 2);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    this.dropped?.();
    await this.client?.end().catch(() => undefined);
    await this.loop;
  }
}
