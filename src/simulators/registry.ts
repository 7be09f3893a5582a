/**
 * @module The platform simulators by name, for `datasync sim <platform>`, the demo and tests that loop over
 * every platform.
 */
import { startAirtableSimulator } from './airtable/airtable-simulator.js';
import { createBroadstreetSimulator } from './broadstreet/broadstreet-simulator.js';
import { startHubSpotSimulator } from './hubspot/hubspot-simulator.js';
import { createInstagramSimulator } from './instagram/instagram-simulator.js';
import type { SimulatorHandle, SimulatorOptions } from './kit/simulator-handle.js';
import { startNotionSimulator } from './notion/notion-simulator.js';
import { startSynupSimulator } from './synup/synup-simulator.js';
import { createTikTokSimulator } from './tiktok/tiktok-simulator.js';

export const SIMULATORS = {
  airtable: startAirtableSimulator,
  notion: startNotionSimulator,
  hubspot: startHubSpotSimulator,
  synup: startSynupSimulator,
  broadstreet: createBroadstreetSimulator,
  instagram: createInstagramSimulator,
  tiktok: createTikTokSimulator,
} satisfies Record<string, (options: SimulatorOptions) => Promise<SimulatorHandle>>;

export type SimulatorPlatform = keyof typeof SIMULATORS;

export const SIMULATOR_PLATFORMS = Object.keys(SIMULATORS) as SimulatorPlatform[];

export function isSimulatorPlatform(name: string): name is SimulatorPlatform {
  return Object.hasOwn(SIMULATORS, name);
}

export function startSimulator(
  platform: SimulatorPlatform,
  options: SimulatorOptions = {},
): Promise<SimulatorHandle> {
  return SIMULATORS[platform](options);
}
