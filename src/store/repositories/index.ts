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
import { DeliveryRepository } from './deliveries.js';
import { MappingRepository } from './mappings.js';
import { RecordRepository } from './records.js';
import { SiteRepository } from './sites.js';
import { AlertChannelRepository } from './alert-channels.js';
import { MemberRepository } from './members.js';
import { SessionRepository } from './sessions.js';
import { RunLogRepository } from './run-logs.js';
import { RunRepository } from './runs.js';
import { SyncRepository } from './syncs.js';
import { LinkRepository } from './links.js';
import { ConflictRepository } from './conflicts.js';
import { WebhookEventRepository } from './webhook-events.js';
import { ItemRevisionRepository } from './item-revisions.js';
import { SavedViewRepository } from './saved-views.js';
import { NotificationRepository } from './notifications.js';
import { SocialAccountRepository } from './social-accounts.js';
import { SocialPostRepository } from './social-posts.js';
import { SocialSyncLogRepository } from './social-sync-logs.js';

export interface Repositories {
  organizations: OrganizationRepository;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  auditLog: AuditLogRepository;
  connections: ConnectionRepository;
  collections: CollectionRepository;
  records: RecordRepository;
  sites: SiteRepository;
  alertChannels: AlertChannelRepository;
  mappings: MappingRepository;
  deliveries: DeliveryRepository;
  members: MemberRepository;
  sessions: SessionRepository;
  runs: RunRepository;
  runLogs: RunLogRepository;
  syncs: SyncRepository;
  links: LinkRepository;
  conflicts: ConflictRepository;
  webhookEvents: WebhookEventRepository;
  itemRevisions: ItemRevisionRepository;
  savedViews: SavedViewRepository;
  notifications: NotificationRepository;
  socialAccounts: SocialAccountRepository;
  socialPosts: SocialPostRepository;
  socialSyncLogs: SocialSyncLogRepository;
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
    sites: new SiteRepository(db, box),
    alertChannels: new AlertChannelRepository(db, box),
    mappings: new MappingRepository(db),
    deliveries: new DeliveryRepository(db),
    members: new MemberRepository(db),
    sessions: new SessionRepository(db),
    runs: new RunRepository(db),
    runLogs: new RunLogRepository(db),
    syncs: new SyncRepository(db),
    links: new LinkRepository(db),
    conflicts: new ConflictRepository(db),
    webhookEvents: new WebhookEventRepository(db),
    itemRevisions: new ItemRevisionRepository(db),
    savedViews: new SavedViewRepository(db),
    notifications: new NotificationRepository(db),
    socialAccounts: new SocialAccountRepository(db, box),
    socialPosts: new SocialPostRepository(db),
    socialSyncLogs: new SocialSyncLogRepository(db),
  };
}
