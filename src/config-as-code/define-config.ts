/**
 * @module `datasync.config.ts`: connections, collections and syncs declared as code. Credentials are never
 * written in the file: `env('NAME')` names the environment variable that holds each one. `datasync plan` shows
 * what `datasync apply` would change; resources created by apply are marked managed (`managed_by = 'config'`).
 */
import { z } from 'zod';
import { SCHEDULE_FORMS, scheduleToCron } from '../lib/schedule.js';

export const ENV_MARKER = '$env';

/** A credential read from the environment when the config is applied. */
export function env(name: string): { [ENV_MARKER]: string } {
  return { [ENV_MARKER]: name };
}

const envRef = z.strictObject({
  [ENV_MARKER]: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name'),
});
const nameKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be lowercase letters, digits, _ or -');

const connectionSchema = z.strictObject({
  connector: z.string().min(1),
  settings: z.record(z.string(), z.unknown()).default({}),
  credentials: z.record(z.string(), envRef).default({}),
});

const collectionSchema = z.strictObject({
  name: z.string().min(1),
  schema: z.record(z.string(), z.unknown()).default({}),
});

const syncSchema = z.strictObject({
  /** The engine's sync definition; an endpoint may name a connection of this file as `{ connection: 'name' }`. */
  definition: z.record(z.string(), z.unknown()),
  schedule: z
    .string()
    .refine((s) => scheduleToCron(s) !== undefined, `must be ${SCHEDULE_FORMS}`)
    .nullable()
    .default(null),
  paused: z.boolean().default(false),
});

export const configFileSchema = z.strictObject({
  /** Slug of the organization the file describes; optional when the database has one organization. */
  organization: z.string().optional(),
  connections: z.record(nameKey, connectionSchema).default({}),
  collections: z.record(nameKey, collectionSchema).default({}),
  syncs: z.record(z.string().min(1).max(200), syncSchema).default({}),
});

export type ConfigFileInput = z.input<typeof configFileSchema>;
export type ConfigFile = z.output<typeof configFileSchema>;

/** Identity at runtime; gives the file its types. */
export function defineConfig(config: ConfigFileInput): ConfigFileInput {
  return config;
}
