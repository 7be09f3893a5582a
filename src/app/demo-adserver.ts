/**
 * @module The ad server demo: in demo mode `datasync start` runs the Broadstreet simulator in this process (a
 * seeded account, the modelled 10 requests/s) and keeps a connection to it in the demo organization, so the Ad
 * server page can Import all and Export local work on the first start. The simulator forgets on restart, but
 * its seed is the same every time (same ids), so imported entities stay linked; exported ones go again.
 */
import { createBroadstreetSimulator } from '../simulators/broadstreet/broadstreet-simulator.js';
import type { AppContext } from './context.js';

export const DEMO_ADSERVER_CONNECTION = 'Broadstreet (demo)';
/** Enough of every type to show ordering and progress, small enough to import in seconds at 10 requests/s. */
export const DEMO_ADSERVER_SEED = 300;

export interface DemoAdServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the simulator and points the demo organization's connection at it; undefined without a demo org. */
export async function startDemoAdServer(ctx: AppContext): Promise<DemoAdServer | undefined> {
  const org = await ctx.repos.organizations.bySlug('acme');
  if (!org) return undefined;
  const sim = await createBroadstreetSimulator({ seedRecords: DEMO_ADSERVER_SEED });
  const settings = { baseUrl: sim.url };
  const credentials = { accessToken: sim.credentials.accessToken! };
  const existing = (
    await ctx.repos.connections.list(org.id, { connector: 'broadstreet', limit: 100 })
  ).data.find((c) => c.name === DEMO_ADSERVER_CONNECTION);
  // The simulator listens on a new port each start.
  if (existing) await ctx.repos.connections.update(org.id, existing.id, { settings, credentials });
  else
    await ctx.repos.connections.create(org.id, {
      name: DEMO_ADSERVER_CONNECTION,
      connector: 'broadstreet',
      settings,
      credentials,
    });
  return { url: sim.url, close: () => sim.close() };
}
