import { describe, expect, it } from 'vitest';
import {
  contentTypeSchema,
  validateItem,
  validateOverrides,
  type ContentTypeSchema,
} from '../../src/content/content-type.js';
import { effectivePayload, type SyndicationItem } from '../../src/content/effective-payload.js';

const offerBanner: ContentTypeSchema = contentTypeSchema.parse({
  fields: [
    { key: 'headline', label: 'Headline', type: 'text', required: true, maxLength: 80 },
    { key: 'cta_text', label: 'CTA text', type: 'text', required: true },
    { key: 'start_date', label: 'Start', type: 'date' },
    { key: 'end_date', label: 'End', type: 'date' },
    { key: 'tier', label: 'Tier', type: 'enum', options: ['gold', 'silver'] },
    { key: 'priority', label: 'Priority', type: 'number' },
    { key: 'featured', label: 'Featured', type: 'boolean' },
    { key: 'body', label: 'Body', type: 'rich_text' },
  ],
});

describe('content type schema', () => {
  it('rejects duplicate keys, enums without options and options on non-enums', () => {
    const result = contentTypeSchema.safeParse({
      fields: [
        { key: 'a', label: 'A', type: 'text' },
        { key: 'a', label: 'A2', type: 'enum' },
        { key: 'b', label: 'B', type: 'number', options: ['x'] },
        { key: 'Bad Key', label: 'C', type: 'text' },
      ],
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'fields.1.options: an enum field needs its options',
        'fields.2.options: only enum fields have options',
        expect.stringMatching(/^fields\.3\.key: must start with a letter/),
        'fields.1.key: duplicate field "a"',
      ]),
    );
  });
});

describe('validateItem', () => {
  it.each([
    [{ headline: 'Fall', cta_text: 'Shop' }, true, {}],
    [{ cta_text: 'Shop' }, false, { headline: 'is required' }],
    [{ headline: '  ', cta_text: 'Shop' }, false, { headline: 'is required' }],
    [{ headline: 'x'.repeat(81), cta_text: 'Shop' }, false, { headline: 'must be at most 80 characters' }],
    [
      { headline: 'A', cta_text: 'B', start_date: '2026-13-45' },
      false,
      { start_date: 'must be a date (YYYY-MM-DD or an ISO 8601 date-time)' },
    ],
    [{ headline: 'A', cta_text: 'B', start_date: '2026-11-24T10:00:00Z' }, true, {}],
    [{ headline: 'A', cta_text: 'B', tier: 'bronze' }, false, { tier: 'must be one of: gold, silver' }],
    [{ headline: 'A', cta_text: 'B', priority: '3' }, false, { priority: 'must be a number' }],
    [{ headline: 'A', cta_text: 'B', featured: 'yes' }, false, { featured: 'must be true or false' }],
    [{ headline: 'A', cta_text: 'B', color: 'red' }, false, { color: 'is not a field of this content type' }],
    [{ headline: 1, cta_text: 'B', body: 2 }, false, { headline: 'must be text', body: 'must be text' }],
  ])('%j → ok=%s', (data, ok, errors) => {
    const result = validateItem(offerBanner, data);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.errors).toEqual(errors);
  });

  it('validates overrides against the type, reporting the overridden fields', () => {
    const item = { headline: 'Free Installation', cta_text: 'Book now' };
    expect(validateOverrides(offerBanner, item, { cta_text: 'Call us' })).toEqual({
      ok: true,
      value: { cta_text: 'Call us' },
    });
    expect(validateOverrides(offerBanner, item, { cta_text: 5 })).toEqual({
      ok: false,
      errors: { cta_text: 'must be text' },
    });
    expect(validateOverrides(offerBanner, item, { nope: 1 })).toEqual({
      ok: false,
      errors: { nope: 'is not a field of this content type' },
    });
  });
});

describe('effectivePayload', () => {
  const items: SyndicationItem[] = [
    {
      id: 'a',
      status: 'published',
      data: { headline: 'Fall Savings Event', cta_text: 'Shop' },
      updatedAt: 't',
    },
    {
      id: 'b',
      status: 'published',
      data: { headline: 'Free Installation', cta_text: 'Book' },
      updatedAt: 't',
    },
    {
      id: 'c',
      status: 'published',
      data: { headline: '0% Financing 12mo', cta_text: 'Apply' },
      updatedAt: 't',
    },
    {
      id: 'd',
      status: 'draft',
      data: { headline: 'Veterans Day Special', cta_text: 'Soon' },
      updatedAt: 't',
    },
  ];

  it('sends published items only, minus blocked and unmapped ones, with overrides applied', () => {
    const north = effectivePayload('north', items, [
      { itemId: 'a', mode: 'full' },
      { itemId: 'b', mode: 'override', overrides: { cta_text: 'Call North' } },
      { itemId: 'd', mode: 'full' },
    ]);
    expect(north.items.map((i) => [i.id, i.data.cta_text, i.overridden])).toEqual([
      ['a', 'Shop', []],
      ['b', 'Call North', ['cta_text']],
    ]);
    const south = effectivePayload('south', items, [
      { itemId: 'a', mode: 'block' },
      { itemId: 'c', mode: 'full' },
    ]);
    expect(south.items.map((i) => i.id)).toEqual(['c']);
  });

  it('has a checksum that changes with content and not with mapping order', () => {
    const cells = [
      { itemId: 'a', mode: 'full' as const },
      { itemId: 'c', mode: 'full' as const },
    ];
    const one = effectivePayload('w', items, cells);
    expect(effectivePayload('w', [...items].reverse(), [...cells].reverse()).checksum).toBe(one.checksum);
    const changed = items.map((i) => (i.id === 'c' ? { ...i, data: { ...i.data, cta_text: 'New' } } : i));
    expect(effectivePayload('w', changed, cells).checksum).not.toBe(one.checksum);
  });
});
