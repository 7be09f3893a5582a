/**
 * @module Schemas shared by every resource: the error body, pagination, ids and timestamps. Named schemas carry a
 * `.meta({ id })` so the OpenAPI document lists them once under components and refers to them.
 */
import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../../store/repositories/page.js';
import { ROLES } from '../auth/permissions.js';

export const ErrorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: 'ErrorBody', description: 'Every error: a closed code, a message for people, details.' });

export const RoleSchema = z.enum(ROLES).meta({ id: 'Role' });

export const TimestampSchema = z.string().meta({ format: 'date-time', description: 'ISO-8601 UTC' });

/** A prefixed ULID such as `con_01j…`: anything else cannot name a row, so it is a bad request, not a 404. */
export function idSchema(prefix: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `must be a ${prefix}_… id`)
    .meta({ example: `${prefix}_01jz0000000000000000000000` });
}

/** `?cursor=&limit=`: the cursor is the last id of the previous page, opaque to clients. */
export const pageQueryShape = {
  cursor: z
    .string()
    .regex(/^[a-z]{3}_[0-9a-z]{26}$/, 'must be a nextCursor from a previous page')
    .optional()
    .meta({ description: 'nextCursor of the previous page' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .meta({ description: `page size, 1–${MAX_PAGE_SIZE} (default 50)` }),
};

/** `{"data":[…],"nextCursor"}`: nextCursor is null on the last page. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({ data: z.array(item), nextCursor: z.string().nullable() });
}

/** Free-form JSON objects (settings, record data), bounded by the body limit. */
export const JsonObjectSchema = z.record(z.string().max(200), z.unknown());

/** Resource names people type: trimmed, 1–200 characters. */
export const NameSchema = z.string().trim().min(1).max(200);
