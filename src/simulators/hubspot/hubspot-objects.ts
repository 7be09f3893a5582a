/**
 * @module CRM writes shared by the HTTP routes (changeSource API) and the platform-side controls a test uses to
 * play a person in the HubSpot UI (CRM_UI). Each call emits its webhook events in one delivery. Contacts are
 * unique by email, as in HubSpot (409 CONFLICT "Contact already exists. Existing ID: …").
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { SimClock } from '../kit/sim-clock.js';
import { hubspotError } from './hubspot-errors.js';
import { writableProperties, type CrmObject, type Crm, type ObjectType } from './hubspot-state.js';
import type { HubSpotEvent, HubSpotWebhooks } from './hubspot-webhooks.js';

export type ChangeSource = 'CRM_UI' | 'API';

export class HubSpotObjects {
  constructor(
    private readonly crm: Crm,
    private readonly clock: SimClock,
    private readonly webhooks: HubSpotWebhooks,
  ) {}

  find(type: ObjectType, id: string, idProperty?: string): CrmObject | undefined {
    if (!idProperty || idProperty === 'hs_object_id') return type.store.get(id);
    return type.store.values().find((o) => o.properties[idProperty] === id);
  }

  private checkUnique(
    type: ObjectType,
    props: Record<string, string>,
    selfId?: string,
    batch: string[] = [],
  ) {
    if (type.name !== 'contacts' || !props.email) return;
    const email = props.email.toLowerCase();
    const existing = type.store
      .values()
      .find((o) => !o.archived && o.properties.email?.toLowerCase() === email);
    if ((existing && existing.id !== selfId) || batch.includes(email))
      throw new SimHttpError(
        hubspotError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing?.id ?? 'pending'}`),
      );
  }

  create(type: ObjectType, inputs: unknown[], source: ChangeSource): CrmObject[] {
    const props = inputs.map((i) => writableProperties(type, i));
    const seen: string[] = [];
    for (const p of props) {
      this.checkUnique(type, p, undefined, seen);
      if (p.email) seen.push(p.email.toLowerCase());
    }
    const now = this.clock.now();
    const created = props.map((properties) => {
      const o: CrmObject = {
        id: this.crm.nextId(),
        createdMs: now,
        updatedMs: now,
        archived: false,
        properties,
      };
      type.store.insert(o);
      return o;
    });
    this.webhooks.emit(
      created.map((o) => ({
        subscriptionType: `${type.singular}.creation`,
        objectId: Number(o.id),
        changeFlag: 'NEW',
      })),
      source,
    );
    return created;
  }

  /** Updates the given objects (already looked up); validates everything before writing. */
  update(
    type: ObjectType,
    changes: { object: CrmObject; properties: unknown }[],
    source: ChangeSource,
  ): CrmObject[] {
    const planned = changes.map((c) => {
      const props = writableProperties(type, c.properties);
      this.checkUnique(type, props, c.object.id);
      return { object: c.object, props };
    });
    const now = this.clock.now();
    const events: HubSpotEvent[] = [];
    const updated = planned.map(({ object, props }) => {
      const changed = Object.entries(props).filter(([k, v]) => object.properties[k] !== v);
      const next: CrmObject = {
        ...object,
        properties: { ...object.properties, ...props },
        updatedMs: changed.length ? now : object.updatedMs,
      };
      type.store.replace(object.id, next);
      for (const [propertyName, propertyValue] of changed)
        events.push({
          subscriptionType: `${type.singular}.propertyChange`,
          objectId: Number(object.id),
          propertyName,
          propertyValue,
        });
      return next;
    });
    this.webhooks.emit(events, source);
    return updated;
  }

  archive(type: ObjectType, objects: CrmObject[], source: ChangeSource): void {
    const now = this.clock.now();
    for (const o of objects)
      type.store.replace(o.id, { ...o, archived: true, archivedMs: now, updatedMs: now });
    this.webhooks.emit(
      objects.map((o) => ({ subscriptionType: `${type.singular}.deletion`, objectId: Number(o.id) })),
      source,
    );
  }
}
