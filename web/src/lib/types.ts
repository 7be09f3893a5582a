/** The API's own types, generated from its OpenAPI document: the UI and the server share one definition. */
import type { components } from '../../../src/client/schema';

type Schemas = components['schemas'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type AuditEntry = Schemas['AuditEntry'];
export type Connection = Schemas['Connection'];
export type Member = Schemas['Member'];
export type Role = Schemas['Role'];
export type Site = Schemas['Site'];
export type CreatedSite = Schemas['CreatedSite'];
export type Run = Schemas['Run'];
export type RunLogLine = Schemas['RunLogLine'];
export type RunLogPage = Schemas['RunLogPage'];
export type Sync = Schemas['Sync'];
export type Conflict = Schemas['Conflict'];
export type SyndicationRun = Schemas['SyndicationRun'];
export type SyndicationLogLine = Schemas['SyndicationLogLine'];
export type MappingCell = Schemas['MappingCell'];
export type Collection = Schemas['Collection'];
export type StoredRecord = Schemas['Record'];
export type RecordWithSync = Schemas['RecordWithSync'];
export type RecordSync = Schemas['RecordSync'];
export type RecordSyncLogEntry = Schemas['RecordSyncLogEntry'];

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
export type ItemRevision = Schemas['ItemRevision'];
export type ItemRevisionDiff = Schemas['ItemRevisionDiff'];
export type Delivery = Schemas['Delivery'];
