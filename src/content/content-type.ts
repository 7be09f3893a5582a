/**
 * @module Content types: a field builder's output (text, rich text, number, date, enum, boolean; required; help
 * text) stored as a collection's schema, and the validation of items against it with one message per field.
 * Validation is all-or-nothing: an item with any bad field is not saved at all.
 */
import { z } from 'zod';

export const FIELD_TYPES = ['text', 'rich_text', 'number', 'date', 'enum', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

const fieldKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must start with a letter and use a-z, 0-9 and _ (at most 64 characters)');

export const fieldDefinitionSchema = z
  .object({
    key: fieldKey,
    label: z.string().min(1).max(120),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    help: z.string().max(500).optional(),
    /** enum only: the allowed values. */
    options: z.array(z.string().min(1).max(200)).min(1).max(200).optional(),
    /** text and rich_text only. */
    maxLength: z.number().int().positive().max(1_000_000).optional(),
  })
  .strict()
  .superRefine((field, ctx) => {
    if (field.type === 'enum' && !field.options) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'an enum field needs its options' });
    }
    if (field.type !== 'enum' && field.options) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only enum fields have options' });
    }
  });

export const contentTypeSchema = z
  .object({ fields: z.array(fieldDefinitionSchema).max(200) })
  .strict()
  .superRefine((schema, ctx) => {
    const seen = new Set<string>();
    schema.fields.forEach((f, i) => {
      if (seen.has(f.key))
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'key'], message: `duplicate field "${f.key}"` });
      seen.add(f.key);
    });
  });

export type FieldDefinition = z.infer<typeof fieldDefinitionSchema>;
export type ContentTypeSchema = z.infer<typeof contentTypeSchema>;

export type ItemValidation =
  { ok: true; value: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function checkValue(field: FieldDefinition, value: unknown): string | undefined {
  switch (field.type) {
    case 'text':
    case 'rich_text':
      if (typeof value !== 'string') return 'must be text';
      if (field.required && value.trim() === '') return 'is required';
      if (field.maxLength !== undefined && value.length > field.maxLength)
        return `must be at most ${field.maxLength} characters`;
      return undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'must be a date (YYYY-MM-DD or an ISO 8601 date-time)';
    case 'enum':
      return typeof value === 'string' && field.options?.includes(value)
        ? undefined
        : `must be one of: ${(field.options ?? []).join(', ')}`;
  }
}

/** Validates a whole item: every field known, required ones present, each value of its type. */
export function validateItem(schema: ContentTypeSchema, data: unknown): ItemValidation {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, errors: { _: 'an item must be an object of field values' } };
  }
  const input = data as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const value: Record<string, unknown> = {};
  const known = new Map(schema.fields.map((f) => [f.key, f]));
  for (const key of Object.keys(input))
    if (!known.has(key)) errors[key] = 'is not a field of this content type';
  for (const field of schema.fields) {
    const v = input[field.key];
    if (v === undefined || v === null) {
      if (field.required) errors[field.key] = 'is required';
      continue;
    }
    const problem = checkValue(field, v);
    if (problem) errors[field.key] = problem;
    else value[field.key] = v;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}

/** Validates overrides for one site: only known fields, each valid, and the overridden item still valid. */
export function validateOverrides(
  schema: ContentTypeSchema,
  item: Record<string, unknown>,
  overrides: unknown,
): ItemValidation {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    return { ok: false, errors: { _: 'overrides must be an object of field values' } };
  }
  const merged = validateItem(schema, { ...item, ...(overrides as Record<string, unknown>) });
  if (!merged.ok) {
    const mine = Object.fromEntries(
      Object.entries(merged.errors).filter(([k]) => k in (overrides as object)),
    );
    return { ok: false, errors: Object.keys(mine).length > 0 ? mine : merged.errors };
  }
  return { ok: true, value: overrides as Record<string, unknown> };
}
