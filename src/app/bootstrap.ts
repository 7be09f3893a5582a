/**
 * @module First-start data: the demo organization (Acme Holdings, with the syndication demo) and its owner's
 * login so `npm start` opens on something that works, and the
 * owner API key named by DATASYNC_BOOTSTRAP_API_KEY for automation. Both are idempotent.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashPassword } from '../lib/crypto/password.js';
import { createRepositories } from '../store/repositories/index.js';
import { seedSyndicationDemo } from '../syndication/demo-seed.js';
import type { AppContext } from './context.js';
import type { SocialDemo } from '../social/social-demo.js';
import { errorMessage } from '../lib/errors.js';
import type { TwoWayDemo } from './demo-two-way.js';

export const DEMO_EMAIL = 'demo@datasync.local';

export interface DemoLogin {
  email: string;
  password: string;
}

/** Creates the demo org and user on an empty database; returns the login to print, if there is one. */
export async function ensureDemo(ctx: AppContext): Promise<DemoLogin | undefined> {
  const file = path.join(ctx.config.dataDir, 'demo-login.json');
  if ((await ctx.repos.users.count()) === 0) {
    const password = randomBytes(9).toString('base64url');
    await ctx.store.db.transaction().execute(async (trx) => {
      const repos = createRepositories(trx, ctx.box);
      const org = await repos.organizations.create({ name: 'Acme Holdings', slug: 'acme' });
      const user = await repos.users.create({
        email: DEMO_EMAIL,
        name: 'Demo Owner',
        passwordHash: await hashPassword(password),
      });
      await repos.users.addMembership(org.id, user.id, 'owner');
      await repos.auditLog.append(org.id, {
        actorType: 'system',
        actorId: null,
        action: 'org.created',
        resourceType: 'organization',
        resourceId: org.id,
      });
      await seedSyndicationDemo(repos, org.id);
    });
    // The password lives beside the secret key (mode 0600) so every later start can print it again.
    writeFileSync(file, JSON.stringify({ email: DEMO_EMAIL, password }) + '\n', { mode: 0o600 });
    ctx.logger.info({ email: DEMO_EMAIL }, 'demo organization created');
  }
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoLogin;
  } catch {
    return undefined;
  }
}

export async function ensureBootstrapApiKey(ctx: AppContext): Promise<void> {
  const key = ctx.config.bootstrapApiKey;
  if (!key || (await ctx.repos.apiKeys.existsForHash(key))) return;
  const org =
    (await ctx.repos.organizations.first()) ??
    (await ctx.repos.organizations.create({ name: 'Default', slug: 'default' }));
  const { apiKey } = await ctx.repos.apiKeys.create(org.id, { name: 'bootstrap', role: 'owner', key });
  await ctx.repos.auditLog.append(org.id, {
    actorType: 'system',
    actorId: null,
    action: 'api_key.bootstrapped',
    resourceType: 'api_key',
    resourceId: apiKey.id,
  });
}

/**
 * In demo mode, the Synup and Airtable simulators run in this process with two-way syncs to them
 * (src/app/demo-two-way.ts). Failing to start them never stops `datasync start`.
 */
export async function ensureTwoWayDemo(ctx: AppContext): Promise<TwoWayDemo | undefined> {
  try {
    // Loaded on demand, like the other demos: no other command needs the simulators.
    const { startTwoWayDemo } = await import('./demo-two-way.js');
    return await startTwoWayDemo(ctx);
  } catch (error) {
    ctx.logger.warn({ err: errorMessage(error) }, 'two-way demo not started');
    return undefined;
  }
}

/**
 * In demo mode, the Instagram and TikTok simulators run in this process and the demo organization's social
 * accounts point at them (src/social/social-demo.ts). Failing to start them never stops `datasync start`.
 */
export async function ensureSocialDemo(ctx: AppContext): Promise<SocialDemo | undefined> {
  try {
    // Loaded on demand: the simulators are not needed by any other command or start.
    const { startSocialDemo } = await import('../social/social-demo.js');
    return await startSocialDemo(ctx);
  } catch (error) {
    ctx.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'social demo not started',
    );
    return undefined;
  }
}
