/**
 * @module Seeded HubSpot portal: contacts, companies and deals, the same on every run, plus the fixed private-app
 * token and the app's client secret used to sign webhooks.
 */
import type { Crm } from './hubspot-state.js';

export const HUBSPOT_TOKEN = 'pat-na1-00000000-0000-4000-8000-datasyncsim01';
export const HUBSPOT_CLIENT_SECRET = 'sim-client-secret-0000-4000-8000-000000000001';
export const HUBSPOT_APP_ID = 424242;
export const HUBSPOT_PORTAL_ID = 62515;

export function seedHubSpot(crm: Crm, count: number, nowMs: number): void {
  for (let n = 1; n <= count; n++) {
    const at = nowMs - (count - n + 1) * 60_000;
    const base = { createdMs: at, updatedMs: at, archived: false };
    crm.types.contacts!.store.insert({
      id: crm.nextId(),
      ...base,
      properties: { email: `person${n}@example.com`, firstname: `Person`, lastname: `${n}` },
    });
    crm.types.companies!.store.insert({
      id: crm.nextId(),
      ...base,
      properties: { name: `Company ${n}`, domain: `company${n}.example.com` },
    });
    crm.types.deals!.store.insert({
      id: crm.nextId(),
      ...base,
      properties: {
        dealname: `Deal ${n}`,
        amount: String(n * 100),
        dealstage: 'appointmentscheduled',
        pipeline: 'default',
      },
    });
  }
}
