/**
 * @module The CRM behind the HubSpot simulator: contacts, companies and deals with string property values, as
 * the v3 API returns them. Each type knows its properties, its default read set and its last-modified property
 * (`lastmodifieddate` for contacts, `hs_lastmodifieddate` for the others, per the search docs). Writes of
 * unknown properties are refused with HubSpot's PROPERTY_DOESNT_EXIST validation error.
 */
import { SimHttpError } from '../kit/platform-error.js';
import { SimStore } from '../kit/sim-store.js';
import { validation } from './hubspot-errors.js';

export interface CrmObject {
  id: string;
  createdMs: number;
  updatedMs: number;
  archived: boolean;
  archivedMs?: number;
  properties: Record<string, string>;
}

export interface ObjectType {
  name: 'contacts' | 'companies' | 'deals';
  singular: 'contact' | 'company' | 'deal';
  writable: string[];
  defaults: string[];
  modifiedProperty: 'lastmodifieddate' | 'hs_lastmodifieddate';
  dateProperties: string[];
  numberProperties: string[];
  store: SimStore<CrmObject>;
}

export interface Crm {
  types: Record<string, ObjectType>;
  nextId: () => string;
}

export function createCrm(): Crm {
  let n = 1000;
  const type = (
    name: ObjectType['name'],
    singular: ObjectType['singular'],
    writable: string[],
    defaults: string[],
    modifiedProperty: ObjectType['modifiedProperty'],
    extraDates: string[] = [],
    numbers: string[] = [],
  ): ObjectType => ({
    name,
    singular,
    writable,
    defaults,
    modifiedProperty,
    dateProperties: ['createdate', modifiedProperty, ...extraDates],
    numberProperties: ['hs_object_id', ...numbers],
    store: new SimStore<CrmObject>(),
  });
  return {
    nextId: () => String(++n),
    types: {
      contacts: type(
        'contacts',
        'contact',
        ['email', 'firstname', 'lastname', 'phone', 'company', 'lifecyclestage'],
        ['email', 'firstname', 'lastname'],
        'lastmodifieddate',
      ),
      companies: type(
        'companies',
        'company',
        ['name', 'domain', 'city', 'industry'],
        ['name', 'domain'],
        'hs_lastmodifieddate',
      ),
      deals: type(
        'deals',
        'deal',
        ['dealname', 'amount', 'dealstage', 'pipeline', 'closedate'],
        ['dealname', 'amount', 'dealstage', 'pipeline', 'closedate'],
        'hs_lastmodifieddate',
        ['closedate'],
        ['amount'],
      ),
    },
  };
}

/** Validates written properties; values become strings as HubSpot stores them. */
export function writableProperties(type: ObjectType, input: unknown): Record<string, string> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new SimHttpError(validation('Invalid input JSON: properties must be an object'));
  const errors: Record<string, unknown>[] = [];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (!type.writable.includes(name)) {
      errors.push({
        isValid: false,
        message: `Property "${name}" does not exist`,
        error: 'PROPERTY_DOESNT_EXIST',
        name,
      });
      continue;
    }
    if (
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'number' &&
      typeof value !== 'boolean'
    ) {
      errors.push({
        isValid: false,
        message: `Property "${name}" has an invalid value`,
        error: 'INVALID_VALUE',
        name,
      });
      continue;
    }
    out[name] = value === null ? '' : String(value);
  }
  if (errors.length)
    throw new SimHttpError(validation(`Property values were not valid: ${JSON.stringify(errors)}`));
  return out;
}

/** Every stored property of an object, including the system ones. */
export function allProperties(type: ObjectType, o: CrmObject): Record<string, string> {
  return {
    ...o.properties,
    createdate: new Date(o.createdMs).toISOString(),
    [type.modifiedProperty]: new Date(o.updatedMs).toISOString(),
    hs_object_id: o.id,
  };
}

/** The API shape: requested (or default) properties plus the system ones; unknown names are ignored. */
export function objectJson(type: ObjectType, o: CrmObject, requested?: string[]) {
  const all = allProperties(type, o);
  const names = [...(requested ?? type.defaults), 'createdate', type.modifiedProperty, 'hs_object_id'];
  const properties: Record<string, string | null> = {};
  for (const name of names)
    if (name in all || type.writable.includes(name)) properties[name] = all[name] ?? null;
  return {
    id: o.id,
    properties,
    createdAt: new Date(o.createdMs).toISOString(),
    updatedAt: new Date(o.updatedMs).toISOString(),
    archived: o.archived,
    ...(o.archived && o.archivedMs ? { archivedAt: new Date(o.archivedMs).toISOString() } : {}),
  };
}
