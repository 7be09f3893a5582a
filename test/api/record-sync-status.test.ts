/** recordSyncStatus: how each link status (and a local edit after the link) reads as a record's badge. */
import { describe, expect, it } from 'vitest';
import { recordSyncStatus } from '../../src/api/record-sync.js';
import type { LinkStatus } from '../../src/engine/decide.js';

const linkedAt = '2026-03-10T12:00:00.000Z';
const record = { updatedAt: '2026-03-10T11:59:59.000Z' };
const link = (status: LinkStatus, error: string | null = null) => ({ status, error, updatedAt: linkedAt });

describe('recordSyncStatus', () => {
  it('is unlinked without a link, synced when the link is ok and newer than the record', () => {
    expect(recordSyncStatus(record, undefined)).toEqual({ status: 'unlinked', error: null });
    expect(recordSyncStatus(record, link('ok'))).toEqual({ status: 'synced', error: null });
    expect(recordSyncStatus({ updatedAt: linkedAt }, link('ok'))).toEqual({ status: 'synced', error: null });
  });

  it('is pending when the record was written after its link, or a write has not gone out', () => {
    expect(recordSyncStatus({ updatedAt: '2026-03-10T12:00:00.001Z' }, link('ok')).status).toBe('pending');
    for (const status of [
      'pending_create_a',
      'pending_create_b',
      'pending_delete_a',
      'pending_delete_b',
      'pending_archive_a',
      'pending_archive_b',
    ] as const) {
      expect(recordSyncStatus(record, link(status))).toEqual({ status: 'pending', error: null });
    }
    // Held for a reason that is a wait, not a failure (a parent not on the other side yet).
    expect(recordSyncStatus(record, link('retry', 'campaign cmp_1 is not linked yet'))).toEqual({
      status: 'pending',
      error: 'campaign cmp_1 is not linked yet',
    });
  });

  it('is error with the message for a failed write, an unverified create or an ambiguous match', () => {
    expect(recordSyncStatus(record, link('retry', 'validation: content is too long'))).toEqual({
      status: 'error',
      error: 'validation: content is too long',
    });
    expect(recordSyncStatus(record, link('retry', 'rate_limited: slow down')).status).toBe('error');
    expect(recordSyncStatus(record, link('unverified', 'check for a duplicate')).status).toBe('error');
    expect(recordSyncStatus(record, link('ambiguous', 'ambiguous match key x')).status).toBe('error');
  });

  it('is conflict for a conflict, unlinked (with the reason) once detached', () => {
    expect(recordSyncStatus(record, link('conflict'))).toEqual({ status: 'conflict', error: null });
    expect(recordSyncStatus(record, link('detached', 'archived on b'))).toEqual({
      status: 'unlinked',
      error: 'archived on b',
    });
  });
});
