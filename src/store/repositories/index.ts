/**
 * @module Every repository, built over one Kysely handle: the database itself or a transaction. Code that must
 * write several tables atomically calls `store.transaction(trx => …)` and builds repositories over `trx`.
 */
import type { Kysely } from 'kysely';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import type { Database } from '../schema.js';
import { ApiKeyRepository } from './api-keys.js';
import { AuditLogRepository } from './audit-log.js';
import { CollectionRepository } from './collections.js';
import { ConnectionRepository } from './connections.js';
import { OrganizationRepository, UserRepository } from './organizations.js';
import { RecordRepository } from './records.js';
import { SyncRepository } from './syncs.js';
import { LinkRepository } from './links.js';
import { ConflictRepository } from './conflicts.js';

export interface Repositories {
  organizations: OrganizationRepository;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  auditLog: AuditLogRepository;
  connections: ConnectionRepository;
  collections: CollectionRepository;
  records: RecordRepository;
  syncs: SyncRepository;
  links: LinkRepository;
  conflicts: ConflictRepository;
}

export function createRepositories(db: Kysely<Database>, box: SecretBox): Repositories {
  return {
    organizations: new OrganizationRepository(db),
    users: new UserRepository(db),
    apiKeys: new ApiKeyRepository(db),
    auditLog: new AuditLogRepository(db),
    connections: new ConnectionRepository(db, box),
    collections: new CollectionRepository(db),
    records: new RecordRepository(db),
    syncs: new SyncRepository(db),
    links: new LinkRepository(db),
    conflicts: new ConflictRepository(db),
  };
}
