/** checkMapping: the one mapping-vs-schema check the UI and PATCH /syncs/:id share; and definition.timezone. */
import { describe, expect, it } from 'vitest';
import { parseSyncDefinition } from '../../src/engine/definition.js';
import { checkMapping, typesCompatible, type SchemaObject } from '../../src/engine/mapping-check.js';

const people: SchemaObject = {
  name: 'people',
  freeForm: false,
  fields: {
    email: { type: 'string' },
    age: { type: 'number' },
    born: { type: 'date' },
    meta: { type: 'json' },
  },
};
const contacts: SchemaObject = {
  name: 'contacts',
  freeForm: false,
  fields: {
    email: { type: 'string' },
    age: { type: 'number' },
    signup: { type: 'number' },
    vip: { type: 'boolean' },
  },
};

const pair = (fields: Record<string, unknown>[], a = 'people', b = 'contacts') => [
  { name: 'p', a, b, fields },
];

describe('checkMapping', () => {
  it('accepts fields both sides have with compatible types', () => {
    expect(
      checkMapping(
        pair([
          { a: 'email', b: 'email' },
          { a: 'age', b: 'age' },
        ]),
        { a: [people], b: [contacts] },
      ),
    ).toEqual([]);
  });

  it('names the field a side lacks, with the side and the definition path', () => {
    const issues = checkMapping(
      pair([
        { a: 'email', b: 'email' },
        { a: 'email', b: 'mail' },
      ]),
      {
        a: [people],
        b: [contacts],
      },
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'objects.0.fields.1.b',
        side: 'b',
        field: 'mail',
        index: 1,
        pair: 'p',
      }),
    ]);
  });

  it('reports an object a side does not have, and skips a side whose schema is unknown', () => {
    expect(
      checkMapping(pair([{ a: 'email', b: 'x' }], 'people', 'nope'), { a: [people], b: [contacts] }),
    ).toEqual([expect.objectContaining({ path: 'objects.0.b', side: 'b', field: 'nope', index: null })]);
    expect(checkMapping(pair([{ a: 'email', b: 'anything' }]), { a: [people], b: null })).toEqual([]);
  });

  it('lets a free-form object take any path but still checks the declared side', () => {
    const loose: SchemaObject = { name: 'contacts', freeForm: true, fields: { email: { type: 'string' } } };
    expect(checkMapping(pair([{ a: 'emial', b: 'whatever' }]), { a: [people], b: [loose] })).toEqual([
      expect.objectContaining({ side: 'a', field: 'emial' }),
    ]);
  });

  it('refuses incompatible types unless a transform or value map bridges them; nested paths check their root', () => {
    const mismatch = checkMapping(pair([{ a: 'email', b: 'vip' }]), { a: [people], b: [contacts] });
    expect(mismatch).toEqual([
      expect.objectContaining({ side: null, message: expect.stringMatching(/types do not match/) }),
    ]);
    expect(
      checkMapping(pair([{ a: 'born', b: 'signup', toB: [{ op: 'date' }], toA: [{ op: 'date' }] }]), {
        a: [people],
        b: [contacts],
      }),
    ).toEqual([]);
    expect(
      checkMapping(pair([{ a: 'email', b: 'vip', values: { yes: true } }]), { a: [people], b: [contacts] }),
    ).toEqual([]);
    expect(checkMapping(pair([{ a: 'meta.title', b: 'email' }]), { a: [people], b: [contacts] })).toEqual([]);
    expect(
      checkMapping(pair([{ a: 'other.title', b: 'email' }]), { a: [people], b: [contacts] }),
    ).toHaveLength(1);
  });

  it('knows which types hold each other', () => {
    expect(typesCompatible('string', 'datetime')).toBe(true);
    expect(typesCompatible('number', 'string')).toBe(false);
    expect(typesCompatible('number', 'json')).toBe(true);
    expect(typesCompatible('number', 'string', ['template'])).toBe(true);
  });
});

describe('definition.timezone', () => {
  const base = {
    a: { connector: 'collection' },
    b: { connector: 'collection' },
    direction: 'push',
    objects: [{ name: 'p', a: 'x', b: 'y', fields: [{ a: 'email' }] }],
  };
  it('takes an IANA zone and refuses anything else', () => {
    expect(parseSyncDefinition({ ...base, timezone: 'Europe/Paris' }).timezone).toBe('Europe/Paris');
    expect(() => parseSyncDefinition({ ...base, timezone: 'Mars/Olympus' })).toThrow(
      /invalid sync definition/,
    );
  });
});
