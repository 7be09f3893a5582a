/**
 * @module The syndication demo a new user sees on first start: content type `offer_banner`, four items (one a
 * draft), sites North, South and West on the built-in receiver, and a mapping that makes each site's payload
 * different (North overrides B's call to action, South blocks A, West takes A, B and C).
 */
import type { ContentTypeSchema } from '../content/content-type.js';
import type { Repositories } from '../store/repositories/index.js';
import { BUILTIN_RECEIVER_URL } from './site-url.js';

export const OFFER_BANNER: ContentTypeSchema = {
  fields: [
    {
      key: 'headline',
      label: 'Headline',
      type: 'text',
      required: true,
      maxLength: 120,
      help: 'Shown in large type.',
    },
    { key: 'cta_text', label: 'Call to action', type: 'text', required: true, maxLength: 40 },
    { key: 'start_date', label: 'Starts', type: 'date', required: false },
    { key: 'end_date', label: 'Ends', type: 'date', required: false },
  ],
};

export async function seedSyndicationDemo(repos: Repositories, orgId: string): Promise<void> {
  const collection = await repos.collections.create(orgId, {
    key: 'offer_banner',
    name: 'Offer banner',
    schema: OFFER_BANNER,
  });
  const items = await repos.records.writeMany(orgId, collection.id, [
    {
      status: 'published',
      data: {
        headline: 'Fall Savings Event',
        cta_text: 'Shop the sale',
        start_date: '2026-10-01',
        end_date: '2026-11-30',
      },
    },
    {
      status: 'published',
      data: { headline: 'Free Installation', cta_text: 'Book now', start_date: '2026-10-15' },
    },
    { status: 'published', data: { headline: '0% Financing 12mo', cta_text: 'Apply today' } },
    {
      status: 'draft',
      data: {
        headline: 'Veterans Day Special',
        cta_text: 'Thank you',
        start_date: '2026-11-11',
        end_date: '2026-11-11',
      },
    },
  ]);
  await repos.itemRevisions.record(orgId, items, {
    action: 'created',
    actor: { type: 'system', id: null, label: 'demo seed' },
  });
  const [a, b, c] = items;
  const sites: Record<string, string> = {};
  for (const [name, slug] of [
    ['North', 'north'],
    ['South', 'south'],
    ['West', 'west'],
  ] as const) {
    sites[slug] = (await repos.sites.create(orgId, { name, slug, url: BUILTIN_RECEIVER_URL })).site.id;
  }
  await repos.mappings.put(orgId, [
    { siteId: sites.north!, itemId: a!.id, mode: 'full' },
    { siteId: sites.north!, itemId: b!.id, mode: 'override', overrides: { cta_text: 'Call North today' } },
    { siteId: sites.south!, itemId: a!.id, mode: 'block' },
    { siteId: sites.south!, itemId: c!.id, mode: 'full' },
    { siteId: sites.west!, itemId: a!.id, mode: 'full' },
    { siteId: sites.west!, itemId: b!.id, mode: 'full' },
    { siteId: sites.west!, itemId: c!.id, mode: 'full' },
  ]);
}
