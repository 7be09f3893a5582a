/**
 * @module The ordered list of migrations. Append only: a migration that has shipped is never edited, a change
 * to the schema is a new file. Names sort in the order they apply.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import * as m0001 from './0001-core.js';
import * as m0002 from './0002-runtime.js';
import * as m0003 from './0003-api.js';
import * as m0004 from './0004-engine.js';
import * as m0005 from './0005-syndication.js';
import * as m0007 from './0007-social.js';
import * as m0008 from './0008-row-level-security.js';
import * as m0009 from './0009-operator.js';
import * as m0010 from './0010-item-revisions.js';
import * as m0011 from './0011-webhook-verification.js';
import * as m0012 from './0012-secret-canary.js';
import * as m0013 from './0013-one-queue.js';
import * as m0014 from './0014-record-sync-log.js';

export interface DialectMigration {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

export const MIGRATIONS: Record<string, DialectMigration> = {
  '0001-core': m0001,
  '0002-runtime': m0002,
  '0003-api': m0003,
  '0004-engine': m0004,
  '0005-syndication': m0005,
  '0007-social': m0007,
  '0008-row-level-security': m0008,
  '0009-operator': m0009,
  '0010-item-revisions': m0010,
  '0011-webhook-verification': m0011,
  '0012-secret-canary': m0012,
  '0013-one-queue': m0013,
  '0014-record-sync-log': m0014,
};
