/**
 * @module Making a tenant: the organization, its owner and the first entry of its audit log, in one transaction
 * scoped to the new organization (row-level security on Postgres). The API (a person creating one) and the CLI
 * (`datasync org create`, an operator) both come here.
 */
import type { Kysely } from 'kysely';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import { DataSyncError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { withOrgScope } from '../store/org-scope.js';
import { createRepositories } from '../store/repositories/index.js';
import type { Organization } from '../store/repositories/organizations.js';
import type { Database } from '../store/schema.js';

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** A slug from a name: "Acme Europe" → "acme-europe". */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'org';
}

export interface CreateOrganizationInput {
  name: string;
  slug?: string | undefined;
  /** A person who becomes the owner. */
  ownerUserId?: string | undefined;
  /** An owner API key for the new organization, returned once (the CLI's way to hand a tenant over). */
  ownerApiKey?: boolean;
  actor: { type: 'user' | 'system'; id: string | null; ip?: string | null };
}

export async function createOrganization(
  db: Kysely<Database>,
  box: SecretBox,
  input: CreateOrganizationInput,
): Promise<{ organization: Organization; apiKey?: string }> {
  const slug = input.slug ?? slugOf(input.name);
  if (!SLUG_PATTERN.test(slug)) {
    throw new DataSyncError('validation_failed', `"${slug}" is not a slug`, {
      hint: 'use lowercase letters, digits and inner dashes, at most 64',
    });
  }
  const id = newId('org');
  return withOrgScope(id, () =>
    db.transaction().execute(async (trx) => {
      const repos = createRepositories(trx, box);
      if (await repos.organizations.bySlug(slug)) {
        throw new DataSyncError('conflict', `the slug "${slug}" is taken`, {
          hint: 'choose another slug',
          details: { slug },
        });
      }
      const organization = await repos.organizations.create({ id, name: input.name, slug });
      if (input.ownerUserId) await repos.users.addMembership(id, input.ownerUserId, 'owner');
      const key = input.ownerApiKey
        ? await repos.apiKeys.create(id, { name: 'owner (org create)', role: 'owner' })
        : undefined;
      await repos.auditLog.append(id, {
        actorType: input.actor.type,
        actorId: input.actor.id,
        action: 'organization.created',
        resourceType: 'organization',
        resourceId: id,
        ip: input.actor.ip ?? null,
        details: { name: organization.name, slug, ...(key ? { apiKeyId: key.apiKey.id } : {}) },
      });
      return { organization, ...(key ? { apiKey: key.key } : {}) };
    }),
  );
}
