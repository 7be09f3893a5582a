import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedSyndicationDemo } from '../../src/syndication/demo-seed.js';
import { pushSite } from '../../src/syndication/push-site.js';
import { receiverRoutes } from '../../src/syndication/receiver.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect('syndication demo pushed to the built-in receiver', (get) => {
  let app: FastifyInstance;
  let publicUrl: string;

  beforeAll(async () => {
    app = Fastify();
    await app.register(receiverRoutes, { repos: get().repos });
    publicUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('sends each site its own payload: published only, blocks and overrides applied, unchanged not re-sent', async () => {
    const { repos } = get();
    const org = await repos.organizations.create({ name: 'Acme Holdings', slug: `acme-${Date.now()}` });
    await seedSyndicationDemo(repos, org.id);
    const sites = Object.fromEntries((await repos.sites.list(org.id)).map((s) => [s.slug, s]));

    const results = await Promise.all(
      Object.values(sites).map((s) =>
        pushSite({ repos, orgId: org.id, siteId: s.id, publicUrl, deliver: { delayMs: () => 0 } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['success', 'success', 'success']);

    const received = async (slug: string) => {
      const snapshot = await repos.sites.snapshot(org.id, sites[slug]!.id);
      return (
        snapshot?.payload as { items: { type: string; data: { headline: string; cta_text: string } }[] }
      ).items;
    };
    const north = await received('north');
    expect(north.map((i) => [i.data.headline, i.data.cta_text])).toEqual(
      expect.arrayContaining([
        ['Fall Savings Event', 'Shop the sale'],
        ['Free Installation', 'Call North today'],
      ]),
    );
    expect(north).toHaveLength(2);
    expect(north[0]?.type).toBe('offer_banner');
    expect((await received('south')).map((i) => i.data.headline)).toEqual(['0% Financing 12mo']);
    const west = (await received('west')).map((i) => i.data.headline).sort();
    expect(west).toEqual(['0% Financing 12mo', 'Fall Savings Event', 'Free Installation']);
    expect([...north.map((i) => i.data.headline), ...west]).not.toContain('Veterans Day Special');

    const again = await pushSite({ repos, orgId: org.id, siteId: sites.north!.id, publicUrl });
    expect(again).toMatchObject({ status: 'skipped', deliveryId: null });
    const forced = await pushSite({ repos, orgId: org.id, siteId: sites.north!.id, publicUrl, force: true });
    expect(forced.status).toBe('success');
    expect(forced.checksum).toBe(again.checksum);
  });
});
