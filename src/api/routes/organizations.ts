/**
 * @module `POST /api/v1/organizations`: a person creates an organization and becomes its owner. API keys belong
 * to one organization and cannot create others.
 */
import { z } from 'zod';
import { createOrganization, SLUG_PATTERN } from '../../app/create-organization.js';
import { DataSyncError } from '../../lib/errors.js';
import { created, defineRoute, type ApiRoute } from '../define-route.js';
import { NameSchema } from '../schemas/common.js';
import { MembershipSchema, organizationView } from '../schemas/people.js';

const SlugSchema = z
  .string()
  .regex(SLUG_PATTERN, 'lowercase letters, digits and inner dashes, at most 64')
  .meta({ description: 'names the organization in URLs and in the X-DataSync-Org header' });

export const organizationRoutes: ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/api/v1/organizations',
    operationId: 'createOrganization',
    summary: 'Create an organization; the person calling becomes its owner',
    description:
      'Only a signed-in person can create one (an API key belongs to one organization: 403). A taken slug ' +
      'answers 409. Act in the new organization with the `X-DataSync-Org` header (its id or slug).',
    tag: 'me',
    access: 'authenticated',
    body: z
      .strictObject({ name: NameSchema, slug: SlugSchema.optional() })
      .meta({ id: 'CreateOrganizationRequest' }),
    responses: { 201: MembershipSchema },
    async handler({ body, principal, api, request }) {
      if (principal?.kind !== 'user') {
        throw new DataSyncError(
          'forbidden',
          'an API key belongs to one organization: sign in as a person to create another',
        );
      }
      const { organization } = await createOrganization(api.app.store.db, api.app.box, {
        name: body.name,
        slug: body.slug,
        ownerUserId: principal.user.id,
        actor: { type: 'user', id: principal.user.id, ip: request.ip },
      });
      return created({ organization: organizationView(organization), role: 'owner' as const });
    },
  }),
];
