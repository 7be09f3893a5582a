/**
 * @module Runs one object pair of a sync: recovery, then one pass per side that is read, page by page.
 *
 * A pass streams the source side (a cursor's changes, or a full listing merge-joined with the links to find
 * deletes), finds each record's link in batch, reads the other side's current version in batch (two-way), asks
 * `decide` what to do, and applies the batch:
 *   1. creates are first recorded as intents (link status `pending_create_<side>`, committed);
 *   2. creates, updates go out in batches within the connector's limit; results are per record;
 *   3. links, conflicts and the cursor after the page commit in ONE transaction.
 * A crash anywhere leaves either the old cursor (the page is read again; re-reads are harmless because links say
 * what is already done) or intents that recovery resolves with `findCreated` before anything else runs.
 * Deletes are only marked here (`pending_delete_<side>`, committed with the cursor) and applied after all passes,
 * behind the mass-delete guard.
 */
import type { Kysely } from 'kysely';
import type { ObjectClient } from '../connectors/sdk/connector.js';
import { ConnectorError } from '../connectors/sdk/errors.js';
import { mayHaveBeenApplied } from '../connectors/sdk/write-outcome.js';
import type { CreateInput, RemoteRecord, WriteResult } from '../connectors/sdk/types.js';
import { errorMessage, RunDrained } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { ConflictRepository } from '../store/repositories/conflicts.js';
import {
  LinkRepository,
  type LightLinkRow,
  type LinkRow,
  type LinkWrite,
} from '../store/repositories/links.js';
import type { SyncState } from '../store/repositories/syncs.js';
import { SyncRepository } from '../store/repositories/syncs.js';
import type { Database } from '../store/schema.js';
import {
  decide,
  type ConflictField,
  type Decision,
  type FieldAnswer,
  type LinkStatus,
  type LinkView,
  type Observed,
  type SideWrite,
} from './decide.js';
import type { Side, SyncDefinition } from './definition.js';
import type { PlanEntry, RecordEvent, SideTraffic, SyncCounts, SyncEvent } from './events.js';
import { LinkStream } from './link-stream.js';
import {
  UnresolvedReference,
  type CompiledPair,
  type Projection,
  type ReferenceResolver,
} from './mapping.js';
import { MatchIndex, matchKey } from './matching.js';

const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');
const idOn = (link: { aId: string | null; bId: string | null }, side: Side) =>
  side === 'a' ? link.aId : link.bId;
const sumOn = (link: { aChecksum: string | null; bChecksum: string | null }, side: Side) =>
  side === 'a' ? link.aChecksum : link.bChecksum;
const READ_CHUNK = 500;
const DELETE_STATUSES: LinkStatus[] = [
  'pending_delete_a',
  'pending_delete_b',
  'pending_archive_a',
  'pending_archive_b',
];

/** Everything a pair run shares with the whole run (counts, events, the plan). */
export interface RunShared {
  db: Kysely<Database>;
  orgId: string;
  syncId: string;
  runId: string | null;
  definition: SyncDefinition;
  state: SyncState;
  dryRun: boolean;
  signal: AbortSignal | undefined;
  /** Shutdown asked: stop at the next batch boundary (see `boundary`). */
  drain: AbortSignal | undefined;
  emit(event: SyncEvent): void;
  counts: SyncCounts;
  traffic: { a: SideTraffic; b: SideTraffic };
  errors: RecordEvent[];
  plan: PlanEntry[];
  planLimit: number;
  planTruncated: boolean;
  /** Links already counted as conflicts in this run (a record read by both passes counts once). */
  conflicted: Set<string>;
  /** Dry run: deletes the plan would mark, per pair. */
  plannedDeletes: Map<string, number>;
  throttle: ((side: Side, operation: 'read' | 'write') => Promise<void>) | undefined;
  pageSize: number;
  /**
   * The side read first. A two-way pass that follows a write to the side it reads reads this run's own writes
   * back; putting the rate-limited side first makes that echo-reading pass the cheap side's (a first run against
   * an empty platform sends its creates without listing them again; the next run's cursor meets them, as it
   * would any change).
   */
  firstPass: Side;
}

/** One record read (or known gone) on the source side of a pass, with its link when it has one. */
interface Entry {
  id: string;
  record?: RemoteRecord;
  link?: LinkRow | LightLinkRow;
  resolution?: Record<string, FieldAnswer>;
}

interface Work {
  id: string;
  observed: Observed;
  link: LinkRow | undefined;
  otherObserved: Observed;
  resolution?: Record<string, FieldAnswer>;
  /** The link as the read found it (a scan carries only checksums until a decision needs the rest). */
  linkRef?: LinkRow | LightLinkRow;
  /** First-run matching found this record on the other side. */
  matchedId?: string;
  hold?: { status: LinkStatus; reason: string };
}

interface Pending {
  work: Work;
  decision: Decision;
  linkId: string;
  /**
   * The link as it will be committed, set once every write of the decision succeeded. An update that writes both
   * sides stays null until the second write lands: committing after only one would move the other side's base
   * past a value it never received.
   */
  final: LinkWrite | null;
  /** Sides an update has written so far, with what each then holds. */
  written?: Partial<Record<Side, Projection>>;
  /** The in-flight marks committed before this update's writes; a failed update keeps them. */
  inflight?: LinkWrite['inflight'];
  /** A create whose batch went out to the platform (set before the call, so a throw leaves it set). */
  sent?: boolean;
  /** A create's intent as committed before the call: kept as it is when the outcome of the write is unknown. */
  intent?: LinkWrite;
  failed: boolean;
}

function isFull(link: LinkRow | LightLinkRow | undefined): link is LinkRow {
  return link !== undefined && 'baseA' in link;
}

export class PairRunner {
  private readonly links: LinkRepository;
  private matcher: MatchIndex | undefined;
  private matcherSide: Side | undefined;
  private warned = new Set<string>();

  constructor(
    private readonly shared: RunShared,
    readonly pair: CompiledPair,
    private readonly clients: { a: ObjectClient; b: ObjectClient },
  ) {
    this.links = new LinkRepository(shared.db);
  }

  private get pairState() {
    const s = this.shared.state;
    s.pairs[this.pair.name] ??= {};
    return s.pairs[this.pair.name]!;
  }

  /** Recovery, then the passes, then (caller) deletes. */
  async run(): Promise<void> {
    if (!this.shared.dryRun) await this.recoverCreates();
    await this.retryHeld();
    const matching = !this.pairState.matched && this.pair.matchKeys.length > 0;
    // First-run matching indexes B and claims from A's pass, so A goes first then (see `match`).
    const order: Side[] = this.shared.firstPass === 'b' && !matching ? ['b', 'a'] : ['a', 'b'];
    const sides = order.filter((s) => this.pair.reads(s));
    if (matching && sides.length > 0) {
      await this.buildMatcher(other(sides[0]!));
    }
    for (const side of sides) await this.pass(side);
    if (!this.shared.dryRun && !this.pairState.matched) {
      this.pairState.matched = true;
      await this.commit([], [], [], undefined);
    }
    this.matcher = undefined;
  }

  // ---------------------------------------------------------------- recovery

  /** Interrupted creates: found on the platform → linked; not there → retried; no way to tell → a person checks. */
  private async recoverCreates(): Promise<void> {
    for (const target of ['a', 'b'] as const) {
      const status: LinkStatus = target === 'a' ? 'pending_create_a' : 'pending_create_b';
      const client = this.clients[target];
      for (;;) {
        const batch = await this.links.pageByStatus(
          this.shared.orgId,
          this.shared.syncId,
          this.pair.name,
          [status],
          null,
          Math.min(READ_CHUNK, client.spec.maxBatch),
        );
        if (batch.length === 0) break;
        const inputs: CreateInput[] = batch.map((l) => ({ ref: l.id, data: l.intent ?? {} }));
        await this.shared.throttle?.(target, 'read');
        const found = client.findCreated ? await client.findCreated(inputs) : batch.map(() => undefined);
        const writes: LinkWrite[] = batch.map((link, i) => {
          const id = found[i];
          const outcome = id ? 'found' : id === null ? 'retry' : 'unverified';
          this.shared.emit({ type: 'recovered', pair: this.pair.name, linkId: link.id, outcome });
          return {
            ...link,
            ...(target === 'a' ? { aId: id ?? null } : { bId: id ?? null }),
            status: id ? 'ok' : id === null ? 'retry' : 'unverified',
            error:
              id === undefined
                ? `a create on ${target} was interrupted and ${client.spec.name} cannot be searched for it: check for a duplicate, then retry`
                : null,
            intent: null,
            // A create found after a crash is one this sync made: it counts as pushed (or pulled) like any other.
            ...(id ? (target === 'b' ? { pushed: true } : { pulled: true }) : {}),
          };
        });
        await this.commit(writes, [], [], undefined);
      }
    }
  }

  /**
   * Records held for another look: resolved conflicts (both modes) and, in cursor mode, records whose last attempt
   * failed or was deferred (a full scan meets those anyway).
   */
  private async retryHeld(): Promise<void> {
    const conflicts = new ConflictRepository(this.shared.db);
    const statuses: LinkStatus[] = ['conflict'];
    if (this.shared.definition.mode === 'incremental') statuses.push('retry');
    let after: string | null = null;
    for (;;) {
      const batch = await this.links.pageByStatus(
        this.shared.orgId,
        this.shared.syncId,
        this.pair.name,
        statuses,
        after,
        READ_CHUNK,
      );
      if (batch.length === 0) return;
      after = batch[batch.length - 1]!.id;
      const inConflict = batch.filter((l) => l.status === 'conflict').map((l) => l.id);
      const resolved = await conflicts.byLinks(this.shared.orgId, inConflict, 'resolved');
      const open = await conflicts.byLinks(this.shared.orgId, inConflict, 'open');
      const bySide: Record<Side, Entry[]> = { a: [], b: [] };
      for (const link of batch) {
        let resolution: Record<string, FieldAnswer> | undefined;
        if (link.status === 'conflict') {
          const answer = resolved.get(link.id);
          if (!answer || open.has(link.id)) continue;
          resolution = answer.resolution ?? {};
        }
        const side: Side = link.aId !== null && this.pair.reads('a') ? 'a' : 'b';
        const id = idOn(link, side);
        if (id === null) continue;
        bySide[side].push({ id, link, ...(resolution ? { resolution } : {}) });
      }
      for (const side of ['a', 'b'] as const) {
        const entries = bySide[side];
        if (entries.length === 0) continue;
        const present = new Map(
          (
            await this.read(
              side,
              entries.map((e) => e.id),
            )
          ).map((r) => [r.id, r] as const),
        );
        const withRecords = entries.map((e) => {
          const record = present.get(e.id);
          return record ? { ...e, record } : e;
        });
        await this.processBatch(side, withRecords, undefined, false);
      }
    }
  }

  // ---------------------------------------------------------------- passes

  private async pass(side: Side): Promise<void> {
    const client = this.clients[side];
    const useCursor = this.shared.definition.mode === 'incremental' && client.listChanged !== undefined;
    const options = {
      pageSize: this.shared.pageSize,
      ...(this.shared.signal ? { signal: this.shared.signal } : {}),
    };
    if (useCursor) {
      const cursorKey = side === 'a' ? 'cursorA' : 'cursorB';
      const since = this.pairState[cursorKey] ?? null;
      for await (const page of client.listChanged!(since, options)) {
        this.boundary();
        this.shared.emit({ type: 'page_read', pair: this.pair.name, side, records: page.records.length });
        const ids = page.records.map((r) => r.id);
        const links = await this.links.bySideIds(
          this.shared.orgId,
          this.shared.syncId,
          this.pair.name,
          side,
          ids,
        );
        const entries: Entry[] = page.records.map((r) => {
          const link = links.get(r.id);
          const base = 'deleted' in r ? { id: r.id } : { id: r.id, record: r };
          return link ? { ...base, link } : base;
        });
        await this.processChunks(side, entries, page.cursor, true);
      }
      return;
    }
    if (client.spec.listOrder === 'id') {
      const stream = new LinkStream(side, (after, limit) =>
        this.links.pageBySideLight(this.shared.orgId, this.shared.syncId, this.pair.name, side, after, limit),
      );
      let last: string | null = null;
      for await (const page of client.listAll(options)) {
        this.boundary();
        this.shared.emit({ type: 'page_read', pair: this.pair.name, side, records: page.records.length });
        if (page.records.length === 0) continue;
        for (const r of page.records) {
          if (last !== null && r.id <= last) {
            throw new ConnectorError(
              'server',
              `${client.spec.name} declared id order but listed ${r.id} after ${last}`,
            );
          }
          last = r.id;
        }
        const links = await stream.takeUpTo(last);
        await this.processChunks(side, this.joinPage(side, page.records, links), undefined, false);
      }
      const rest = await stream.takeUpTo(null);
      await this.processChunks(
        side,
        rest.map((link) => ({ id: idOn(link, side)!, link })),
        undefined,
        false,
      );
      return;
    }
    this.warn(
      `${client.spec.name} lists in no order and has no change feed: deletes on ${side} are not detected`,
    );
    for await (const page of client.listAll(options)) {
      this.boundary();
      this.shared.emit({ type: 'page_read', pair: this.pair.name, side, records: page.records.length });
      const links = await this.links.bySideIds(
        this.shared.orgId,
        this.shared.syncId,
        this.pair.name,
        side,
        page.records.map((r) => r.id),
      );
      const entries = page.records.map((r) => {
        const link = links.get(r.id);
        return link ? { id: r.id, record: r, link } : { id: r.id, record: r };
      });
      await this.processChunks(side, entries, undefined, false);
    }
  }

  /**
   * Between pages and batches: everything before is committed (a page's cursor only with its last batch, so a
   * page left halfway is read again, harmlessly). Cancel and timeout abort; a drain (shutdown) stops here.
   */
  private boundary(): void {
    this.shared.signal?.throwIfAborted();
    if (this.shared.drain?.aborted) throw new RunDrained();
  }

  /** Merge join of one id-ordered page with the links up to its last id: links without a record are deletes. */
  private joinPage(side: Side, records: RemoteRecord[], links: LightLinkRow[]): Entry[] {
    const out: Entry[] = [];
    let i = 0;
    for (const record of records) {
      while (i < links.length && idOn(links[i]!, side)! < record.id) {
        out.push({ id: idOn(links[i]!, side)!, link: links[i]! });
        i++;
      }
      if (i < links.length && idOn(links[i]!, side) === record.id) {
        out.push({ id: record.id, record, link: links[i]! });
        i++;
      } else {
        out.push({ id: record.id, record });
      }
    }
    for (; i < links.length; i++) out.push({ id: idOn(links[i]!, side)!, link: links[i]! });
    return out;
  }

  private async processChunks(
    side: Side,
    entries: Entry[],
    cursor: string | undefined,
    fromFeed: boolean,
  ): Promise<void> {
    const size = this.shared.definition.batchSize;
    if (entries.length === 0 && cursor !== undefined) {
      await this.processBatch(side, [], cursor, fromFeed);
      return;
    }
    for (let i = 0; i < entries.length; i += size) {
      if (i > 0) this.boundary();
      const last = i + size >= entries.length;
      await this.processBatch(side, entries.slice(i, i + size), last ? cursor : undefined, fromFeed);
    }
  }

  private async read(side: Side, ids: readonly string[]): Promise<RemoteRecord[]> {
    const out: RemoteRecord[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      await this.shared.throttle?.(side, 'read');
      const chunk = await this.clients[side].readByIds(ids.slice(i, i + READ_CHUNK), {
        ...(this.shared.signal ? { signal: this.shared.signal } : {}),
      });
      this.shared.traffic[side].read += chunk.length;
      out.push(...chunk);
    }
    return out;
  }

  // ---------------------------------------------------------------- matching

  private async buildMatcher(side: Side): Promise<void> {
    const index = new MatchIndex();
    const client = this.clients[side];
    for await (const page of client.listAll({ pageSize: this.shared.pageSize })) {
      const linked = await this.links.bySideIds(
        this.shared.orgId,
        this.shared.syncId,
        this.pair.name,
        side,
        page.records.map((r) => r.id),
      );
      this.shared.traffic[side].read += page.records.length;
      for (const record of page.records) {
        if (linked.has(record.id)) continue;
        const key = this.keyOf(side, record);
        if (key !== undefined) index.add(key, record.id);
      }
    }
    this.matcher = index;
    this.matcherSide = side;
  }

  private keyOf(side: Side, record: RemoteRecord): string | undefined {
    try {
      const canonical = this.pair.canonical(side, this.pair.project(side, record.data), NO_REFS_STRICT);
      return matchKey(this.pair.matchKeys, canonical);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- one batch

  private async processBatch(
    side: Side,
    entries: Entry[],
    cursor: string | undefined,
    fromFeed: boolean,
  ): Promise<void> {
    const { shared, pair } = this;
    const target = other(side);
    const works: Work[] = [];
    for (const e of entries) {
      if (e.record) {
        shared.counts.found++;
        shared.traffic[side].read++;
        const projection = pair.project(side, e.record.data);
        const checksum = pair.checksum(projection);
        if (e.link && e.link.status === 'ok' && sumOn(e.link, side) === checksum && !e.resolution) {
          shared.counts.unchanged++;
          if (fromFeed) shared.counts.echoes++;
          continue;
        }
        works.push({
          id: e.id,
          observed: { kind: 'present', record: e.record, projection, checksum },
          link: undefined,
          otherObserved: { kind: 'unread' },
          ...(e.resolution ? { resolution: e.resolution } : {}),
          ...(e.link ? { linkRef: e.link } : {}),
        });
      } else if (e.link) {
        if (fromFeed) {
          shared.counts.found++;
          shared.traffic[side].read++;
        }
        works.push({
          id: e.id,
          observed: { kind: 'deleted', id: e.id },
          link: undefined,
          otherObserved: { kind: 'unread' },
          linkRef: e.link,
        });
      } else if (fromFeed) {
        shared.counts.found++;
        shared.traffic[side].read++;
      }
    }
    if (works.length === 0) {
      if (cursor !== undefined && !shared.dryRun) await this.commit([], [], [], { side, cursor });
      return;
    }

    // Full links for the records that need a decision (a scan only carried checksums).
    const missing = works.filter((w) => w.linkRef && !isFull(w.linkRef)).map((w) => w.linkRef!.id);
    const loaded: Map<string, LinkRow> =
      missing.length > 0 ? await this.links.byIds(shared.orgId, missing) : new Map();
    for (const w of works) {
      if (w.linkRef) w.link = isFull(w.linkRef) ? w.linkRef : loaded.get(w.linkRef.id);
    }

    this.match(side, works);

    // The other side's current version, for merges (two-way) and fresh matches.
    const readOther = pair.reads(target);
    const otherIds = works.flatMap((w) => {
      const id = w.matchedId ?? (w.link ? idOn(w.link, target) : null);
      return id !== null && id !== undefined && (readOther || w.matchedId) ? [id] : [];
    });
    const others = new Map((await this.read(target, otherIds)).map((r) => [r.id, r] as const));
    for (const w of works) {
      const id = w.matchedId ?? (w.link ? idOn(w.link, target) : null);
      if (id === null || id === undefined || !(readOther || w.matchedId)) continue;
      const record = others.get(id);
      if (record) {
        const projection = pair.project(target, record.data);
        w.otherObserved = { kind: 'present', record, projection, checksum: pair.checksum(projection) };
      } else {
        w.otherObserved = { kind: 'deleted', id };
      }
    }

    const resolver = await this.resolver(side, works);
    const pending: Pending[] = [];
    for (const w of works) {
      let decision: Decision;
      if (w.hold) {
        decision = {
          kind: 'skip',
          reason: w.hold.reason,
          hold: w.hold.status === 'ambiguous' ? 'ambiguous' : 'retry',
        };
      } else {
        const link: LinkView | undefined = w.link;
        const [a, b] = side === 'a' ? [w.observed, w.otherObserved] : [w.otherObserved, w.observed];
        decision = decide(
          { pair, refs: resolver, ...(w.resolution ? { resolution: w.resolution } : {}) },
          link,
          a,
          b,
        );
      }
      pending.push({ work: w, decision, linkId: w.link?.id ?? newId('lnk'), final: null, failed: false });
    }

    if (shared.dryRun) {
      this.planDry(side, pending);
      return;
    }
    await this.apply(side, pending, cursor);
  }

  /** First-run matching for unlinked records of this batch. */
  private match(side: Side, works: Work[]): void {
    if (!this.matcher) return;
    for (const w of works) {
      if (w.link || w.observed.kind !== 'present') continue;
      const key = this.keyOf(side, w.observed.record);
      if (side === this.matcherSide) {
        // The matched side's own pass: a record whose key could not be matched safely is held, not created.
        if (this.matcher.isAmbiguous(key)) {
          w.hold = { status: 'ambiguous', reason: `ambiguous match key ${key}` };
        }
        continue;
      }
      const outcome = this.matcher.claim(key, w.id);
      if (outcome.kind === 'match') w.matchedId = outcome.id;
      else if (outcome.kind === 'ambiguous') w.hold = { status: 'ambiguous', reason: outcome.reason };
    }
    for (const w of works) {
      if (w.matchedId === undefined) continue;
      // A fresh link: no base yet, so every differing field is decided by the conflict policy.
      w.link = {
        id: newId('lnk'),
        aId: side === 'a' ? w.id : w.matchedId,
        bId: side === 'b' ? w.id : w.matchedId,
        baseA: null,
        baseB: null,
        aChecksum: null,
        bChecksum: null,
        status: 'ok',
        error: null,
        intent: null,
        inflight: null,
        lastPushedAt: null,
        lastPulledAt: null,
      };
    }
  }

  /** Reference values of this batch, resolved through the parent pairs' links in one query per parent and side. */
  private async resolver(side: Side, works: Work[]): Promise<ReferenceResolver> {
    const fields = this.pair.fields.filter((f) => f.reference !== undefined);
    if (fields.length === 0) return NO_REFS_STRICT;
    const wanted = { a: new Map<string, Set<string>>(), b: new Map<string, Set<string>>() };
    const add = (side: Side, parent: string, value: unknown) => {
      if (value === null || value === undefined) return;
      const set = wanted[side].get(parent) ?? new Set<string>();
      set.add(String(value));
      wanted[side].set(parent, set);
    };
    for (const w of works) {
      const observed = { [side]: w.observed, [other(side)]: w.otherObserved } as Record<Side, Observed>;
      for (const f of fields) {
        for (const s of ['a', 'b'] as const) {
          const o = observed[s];
          add(s, f.reference!, o.kind === 'present' ? o.projection[f.name] : undefined);
          add(s, f.reference!, (s === 'a' ? w.link?.baseA : w.link?.baseB)?.[f.name]);
        }
      }
    }
    const found = { a: new Map<string, Map<string, LinkRow>>(), b: new Map<string, Map<string, LinkRow>>() };
    for (const side of ['a', 'b'] as const) {
      for (const [parent, ids] of wanted[side]) {
        found[side].set(
          parent,
          await this.links.bySideIds(this.shared.orgId, this.shared.syncId, parent, side, [...ids]),
        );
      }
    }
    const usable = (link: LinkRow | undefined) =>
      link && link.aId !== null && link.bId !== null && !link.status.startsWith('pending_create')
        ? link
        : undefined;
    return {
      aToB: (parent, id) => usable(found.a.get(parent)?.get(id))?.bId ?? undefined,
      bToA: (parent, id) => usable(found.b.get(parent)?.get(id))?.aId ?? undefined,
      why: (parent, side, id) => {
        const link = found[side].get(parent)?.get(id);
        if (!link) return this.shared.dryRun ? 'not synced yet (a dry run writes nothing)' : 'not synced';
        return `parent link is ${link.status}${link.error ? `: ${link.error}` : ''}`;
      },
    };
  }

  // ---------------------------------------------------------------- applying

  private planDry(side: Side, pending: Pending[]): void {
    for (const p of pending) this.account(side, p, true);
  }

  private async apply(side: Side, pending: Pending[], cursor: string | undefined): Promise<void> {
    const { shared, pair } = this;
    // 1. Intents for creates, committed before any remote call.
    const intents: LinkWrite[] = [];
    for (const p of pending) {
      if (p.decision.kind !== 'create') continue;
      const d = p.decision;
      const source = other(d.side);
      const sourceId = p.work.id;
      p.intent = {
        id: p.linkId,
        aId: source === 'a' ? sourceId : null,
        bId: source === 'b' ? sourceId : null,
        baseA: d.base.a,
        baseB: d.base.b,
        aChecksum: pair.checksum(d.base.a),
        bChecksum: pair.checksum(d.base.b),
        status: d.side === 'a' ? 'pending_create_a' : 'pending_create_b',
        error: null,
        intent: d.data,
      };
      intents.push(p.intent);
    }
    // Updates about to go out are marked too (see LinkView.inflight), in the same transaction. Only the fields a
    // write changes are marked: a side's other fields may hold a person's edit that merely agrees with the merged
    // result, and marking them would hide that edit from the next run (found by the convergence property test).
    const written = (base: Projection, write: SideWrite | undefined): Projection | undefined =>
      write ? Object.fromEntries(write.diffs.map((diff) => [diff.field, base[diff.field]])) : undefined;
    for (const p of pending) {
      if (p.decision.kind !== 'update' || !p.work.link) continue;
      const d = p.decision;
      const a = written(d.base.a, d.a);
      const b = written(d.base.b, d.b);
      p.inflight = { ...(a ? { a } : {}), ...(b ? { b } : {}) };
      intents.push({ ...p.work.link, inflight: p.inflight });
    }
    if (intents.length > 0) await this.commit(intents, [], [], undefined);

    let thrown: unknown;
    try {
      for (const targetSide of ['a', 'b'] as const) await this.applyCreates(targetSide, pending);
      for (const targetSide of ['a', 'b'] as const) await this.applyUpdates(targetSide, pending);
    } catch (error) {
      thrown = error;
    }

    // 2. Everything decided (or done) in this batch, with the cursor, in one transaction.
    const writes: LinkWrite[] = [];
    const drops: string[] = [];
    const conflicts: { linkId: string; fields: ConflictField[] }[] = [];
    for (const p of pending) {
      if (thrown && p.final === null && p.decision.kind === 'create' && !mayHaveWritten(p, thrown)) {
        // Never sent, or refused with an answer (a 429, a 4xx): nothing exists on the platform, so the intent
        // goes and the next run decides the record afresh instead of asking a person to check for a duplicate.
        if (p.work.link) writes.push({ ...p.work.link, error: errorMessage(thrown) });
        else drops.push(p.linkId);
        continue;
      }
      if (thrown && p.final === null && (p.decision.kind === 'create' || p.decision.kind === 'update'))
        continue;
      const outcome = this.account(side, p, false);
      if (outcome.drop) drops.push(p.linkId);
      if (outcome.conflict) conflicts.push({ linkId: p.linkId, fields: outcome.conflict });
      if (outcome.link) writes.push(outcome.link);
    }
    await this.commit(
      writes,
      drops,
      conflicts,
      thrown ? undefined : cursor !== undefined ? { side, cursor } : undefined,
    );
    if (thrown) throw thrown;
    shared.emit({
      type: 'batch_committed',
      pair: pair.name,
      side,
      records: pending.length,
      cursor: cursor ?? null,
      counts: { ...shared.counts },
    });
  }

  private async applyCreates(targetSide: Side, pending: Pending[]): Promise<void> {
    const items = pending.filter((p) => p.decision.kind === 'create' && p.decision.side === targetSide);
    if (items.length === 0) return;
    const client = this.clients[targetSide];
    const size = Math.min(client.spec.maxBatch, this.shared.definition.batchSize);
    for (let i = 0; i < items.length; i += size) {
      const chunk = items.slice(i, i + size);
      for (const p of chunk) p.sent = true;
      await this.shared.throttle?.(targetSide, 'write');
      const results = checkResults(
        await client.create(
          chunk.map((p) => ({ ref: p.linkId, data: (p.decision as Decision & { kind: 'create' }).data })),
        ),
        chunk.length,
      );
      this.shared.traffic[targetSide].written += chunk.length;
      chunk.forEach((p, j) => {
        const result = results[j]!;
        const d = p.decision as Decision & { kind: 'create' };
        const sourceSide = other(targetSide);
        if (!result.ok) {
          p.failed = true;
          this.fail(p, sourceSide, targetSide, result.error);
          if (mayHaveBeenApplied(result.error)) {
            // The record's own call lost its answer (the connector went on with the rest of the batch): the
            // intent stays for recovery to look for, exactly as when the whole batch's answer is lost.
            p.final = { ...p.intent!, error: `${result.error.kind}: ${result.error.message}` };
            return;
          }
          p.final = {
            id: p.linkId,
            aId: sourceSide === 'a' ? p.work.id : null,
            bId: sourceSide === 'b' ? p.work.id : null,
            baseA: null,
            baseB: null,
            aChecksum: null,
            bChecksum: null,
            status: 'retry',
            error: `${result.error.kind}: ${result.error.message}`,
          };
          return;
        }
        const written = result.record
          ? this.pair.project(targetSide, result.record.data)
          : d.base[targetSide];
        const base = { ...d.base, [targetSide]: written } as { a: Projection; b: Projection };
        p.final = {
          id: p.linkId,
          aId: targetSide === 'a' ? result.id : p.work.id,
          bId: targetSide === 'b' ? result.id : p.work.id,
          baseA: base.a,
          baseB: base.b,
          aChecksum: this.pair.checksum(base.a),
          bChecksum: this.pair.checksum(base.b),
          status: 'ok',
          error: null,
          intent: null,
          ...(targetSide === 'b' ? { pushed: true } : { pulled: true }),
        };
      });
    }
  }

  private async applyUpdates(targetSide: Side, pending: Pending[]): Promise<void> {
    const items = pending.filter(
      (p) => p.decision.kind === 'update' && p.decision[targetSide] !== undefined && !p.failed,
    );
    if (items.length === 0) return;
    const client = this.clients[targetSide];
    const size = Math.min(client.spec.maxBatch, this.shared.definition.batchSize);
    for (let i = 0; i < items.length; i += size) {
      const chunk = items.slice(i, i + size);
      await this.shared.throttle?.(targetSide, 'write');
      const results = checkResults(
        await client.update(
          chunk.map((p) => ({
            id: idOn(p.work.link!, targetSide)!,
            data: ((p.decision as Decision & { kind: 'update' })[targetSide] as SideWrite).patch,
          })),
        ),
        chunk.length,
      );
      this.shared.traffic[targetSide].written += chunk.length;
      chunk.forEach((p, j) => {
        const result = results[j]!;
        const d = p.decision as Decision & { kind: 'update' };
        if (!result.ok) {
          p.failed = true;
          this.fail(p, other(targetSide), targetSide, result.error);
          return;
        }
        // The base moves only when every write of the record succeeded (see Pending.final).
        p.written = {
          ...p.written,
          [targetSide]: result.record
            ? this.pair.project(targetSide, result.record.data)
            : d.base[targetSide],
        };
        const done = (t: Side) => d[t] === undefined || p.written?.[t] !== undefined;
        if (!done('a') || !done('b')) return;
        const base = { a: p.written.a ?? d.base.a, b: p.written.b ?? d.base.b };
        const link = p.work.link!;
        p.final = {
          id: link.id,
          aId: link.aId,
          bId: link.bId,
          baseA: base.a,
          baseB: base.b,
          aChecksum: this.pair.checksum(base.a),
          bChecksum: this.pair.checksum(base.b),
          status: 'ok',
          error: null,
          intent: null,
          ...(d.b ? { pushed: true } : {}),
          ...(d.a ? { pulled: true } : {}),
        };
      });
    }
  }

  private fail(p: Pending, source: Side, target: Side, error: ConnectorError): void {
    const event: RecordEvent = {
      type: 'record',
      pair: this.pair.name,
      source,
      sourceId: p.work.id,
      outcome: 'failed',
      target,
      targetId: p.work.link ? idOn(p.work.link, target) : null,
      error: { kind: error.kind, message: error.message },
    };
    this.shared.counts.errors++;
    if (this.shared.errors.length < 100) this.shared.errors.push(event);
    this.shared.emit(event);
  }

  /**
   * Counts one decision, emits its record event (or plan entry) and returns what to commit for it. In a dry run
   * only the counting and the plan happen.
   */
  private account(
    side: Side,
    p: Pending,
    dry: boolean,
  ): { link?: LinkWrite; drop?: boolean; conflict?: ConflictField[] } {
    const { shared, pair } = this;
    const d = p.decision;
    const link = p.work.link;
    const source = side;
    const emit = (event: Omit<RecordEvent, 'type' | 'pair' | 'source' | 'sourceId'>) =>
      shared.emit({ type: 'record', pair: pair.name, source, sourceId: p.work.id, ...event });
    const plan = (entry: Omit<PlanEntry, 'pair' | 'sourceId'>) => {
      if (!dry) return;
      if (shared.plan.length >= shared.planLimit) {
        shared.planTruncated = true;
        return;
      }
      shared.plan.push({ pair: pair.name, sourceId: p.work.id, ...entry });
    };
    const keep = (status: LinkStatus, error: string | null): LinkWrite | undefined => {
      if (link) return { ...link, status, error };
      const sourceSide = side;
      return {
        id: p.linkId,
        aId: sourceSide === 'a' ? p.work.id : null,
        bId: sourceSide === 'b' ? p.work.id : null,
        baseA: null,
        baseB: null,
        aChecksum: null,
        bChecksum: null,
        status,
        error,
      };
    };
    if ((d.kind === 'unchanged' || d.kind === 'update') && d.refused) {
      const refusedSide = d.refused[0]!.side;
      const targetId = link ? idOn(link, refusedSide) : null;
      plan({ action: 'refuse', side: refusedSide, targetId, refusals: d.refused });
      if (!dry && !p.failed)
        shared.emit({
          type: 'refused',
          pair: pair.name,
          sourceId: p.work.id,
          targetId,
          keptId: link ? idOn(link, other(refusedSide)) : null,
          refusals: d.refused,
        });
    }
    switch (d.kind) {
      case 'unchanged': {
        shared.counts.unchanged++;
        if (!d.base) {
          if (link && link.status !== 'ok') return { link: { ...link, status: 'ok', error: null } };
          return {};
        }
        if (link && link.baseA === null)
          plan({ action: 'link', side: other(side), targetId: idOn(link, other(side)) });
        if (!link) return {};
        return {
          link: {
            ...link,
            baseA: d.base.a,
            baseB: d.base.b,
            aChecksum: pair.checksum(d.base.a),
            bChecksum: pair.checksum(d.base.b),
            status: 'ok',
            error: null,
            inflight: null,
          },
        };
      }
      case 'create': {
        plan({ action: 'create', side: d.side, targetId: null, data: d.data });
        if (dry) {
          shared.counts.created++;
          return {};
        }
        if (p.failed || !p.final) return p.final ? { link: p.final } : {};
        shared.counts.created++;
        emit({ outcome: 'created', target: d.side, targetId: idOn(p.final, d.side) });
        return { link: p.final };
      }
      case 'update': {
        for (const t of ['a', 'b'] as const) {
          const write = d[t];
          if (write)
            plan({ action: 'update', side: t, targetId: link ? idOn(link, t) : null, diffs: write.diffs });
        }
        if (dry) {
          shared.counts.updated += (d.a ? 1 : 0) + (d.b ? 1 : 0);
          return {};
        }
        if (p.failed || !p.final) {
          // Keep the old base so the change is seen again, and the in-flight marks so a write that did land on
          // one side is not mistaken for a person's edit next time; a fresh match still gets its link.
          if (!link) return {};
          const inflight = p.inflight ?? link.inflight ?? null;
          return { link: { ...link, inflight, status: 'retry', error: 'a write failed; see the run log' } };
        }
        for (const t of ['a', 'b'] as const) {
          const write = d[t];
          if (!write) continue;
          shared.counts.updated++;
          emit({ outcome: 'updated', target: t, targetId: link ? idOn(link, t) : null, diffs: write.diffs });
        }
        return { link: p.final };
      }
      case 'conflict': {
        plan({
          action: 'conflict',
          side: other(side),
          targetId: link ? idOn(link, other(side)) : null,
          fields: d.fields,
        });
        if (!shared.conflicted.has(p.linkId)) {
          shared.conflicted.add(p.linkId);
          shared.counts.conflicts++;
          emit({ outcome: 'conflict', fields: d.fields });
        }
        if (dry || !link) return {};
        return { link: { ...link, status: 'conflict', error: null }, conflict: d.fields };
      }
      case 'delete': {
        plan({ action: d.action, side: d.side, targetId: link ? idOn(link, d.side) : null });
        if (dry) {
          shared.plannedDeletes.set(pair.name, (shared.plannedDeletes.get(pair.name) ?? 0) + 1);
          return {};
        }
        const status: LinkStatus =
          d.action === 'delete'
            ? d.side === 'a'
              ? 'pending_delete_a'
              : 'pending_delete_b'
            : d.side === 'a'
              ? 'pending_archive_a'
              : 'pending_archive_b';
        return link ? { link: { ...link, status, error: null } } : {};
      }
      case 'detach': {
        shared.counts.skipped++;
        plan({
          action: 'skip',
          side: other(side),
          targetId: link ? idOn(link, other(side)) : null,
          reason: d.reason,
        });
        emit({ outcome: 'skipped', reason: d.reason });
        if (dry || !link) return {};
        return { link: { ...link, status: 'detached', error: d.reason } };
      }
      case 'drop':
        return dry || !link ? {} : { drop: true };
      case 'skip': {
        shared.counts.skipped++;
        plan({
          action: 'skip',
          side: other(side),
          targetId: link ? idOn(link, other(side)) : null,
          reason: d.reason,
        });
        emit({ outcome: 'skipped', reason: d.reason });
        if (dry || !d.hold) return {};
        const status: LinkStatus = d.hold === 'ambiguous' ? 'ambiguous' : 'retry';
        if (link && link.status === status && link.error === d.reason) return {};
        const write = keep(status, d.reason);
        return write ? { link: write } : {};
      }
    }
  }

  /**
   * Applies the deletes and archives this pair has pending, children-first order being the caller's job. The
   * mass-delete guard is checked against everything pending: when it trips and the caller did not approve,
   * nothing is deleted and the links stay pending for the next (approved) run.
   */
  async applyDeletes(approve: boolean): Promise<{ tripped: boolean; pending: number; linked: number }> {
    const { shared, pair } = this;
    // Counting only pending links keeps a run without deletes from touching every link of the pair.
    let pending = await this.links.count(shared.orgId, shared.syncId, pair.name, DELETE_STATUSES);
    if (shared.dryRun) pending += shared.plannedDeletes.get(pair.name) ?? 0;
    if (pending === 0) return { tripped: false, pending, linked: 0 };
    const linked = await this.links.count(shared.orgId, shared.syncId, pair.name);
    const guard = pair.deletes.guard;
    const tripped =
      guard !== null &&
      ((guard.maxCount !== undefined && pending > guard.maxCount) ||
        (guard.maxPercent !== undefined &&
          pending >= guard.minCount &&
          pending * 100 > guard.maxPercent * Math.max(linked, 1)));
    if (tripped) shared.emit({ type: 'delete_guard', pair: pair.name, pending, linked, approved: approve });
    if ((tripped && !approve) || shared.dryRun) return { tripped, pending, linked };

    let after: string | null = null;
    for (;;) {
      this.boundary();
      const batch = await this.links.pageByStatus(
        shared.orgId,
        shared.syncId,
        pair.name,
        DELETE_STATUSES,
        after,
        READ_CHUNK,
      );
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.id;
      const drops: string[] = [];
      const writes: LinkWrite[] = [];
      for (const target of ['a', 'b'] as const) {
        for (const action of ['delete', 'archive'] as const) {
          const status = `pending_${action}_${target}` as LinkStatus;
          const items = batch.filter((l) => l.status === status && idOn(l, target) !== null);
          const client = this.clients[target];
          const size = Math.min(client.spec.maxBatch, shared.definition.batchSize);
          for (let i = 0; i < items.length; i += size) {
            const chunk = items.slice(i, i + size);
            const ids = chunk.map((l) => idOn(l, target)!);
            await shared.throttle?.(target, 'write');
            const archive = client.spec.archive;
            const results = checkResults(
              action === 'delete' || !archive
                ? await client.delete(ids)
                : await client.update(ids.map((id) => ({ id, data: { [archive.field]: archive.value } }))),
              chunk.length,
            );
            shared.traffic[target].written += chunk.length;
            chunk.forEach((link, j) => {
              const result = results[j]!;
              const source = other(target);
              const base = { type: 'record' as const, pair: pair.name, source, sourceId: idOn(link, source) };
              if (result.ok || result.error.kind === 'not_found') {
                shared.counts.deleted++;
                shared.emit({
                  ...base,
                  outcome: action === 'delete' ? 'deleted' : 'archived',
                  target,
                  targetId: idOn(link, target),
                });
                if (action === 'delete') drops.push(link.id);
                else writes.push({ ...link, status: 'detached', error: `archived on ${target}` });
                return;
              }
              writes.push({ ...link, error: `${result.error.kind}: ${result.error.message}` });
              const event: RecordEvent = {
                ...base,
                outcome: 'failed',
                target,
                targetId: idOn(link, target),
                error: { kind: result.error.kind, message: result.error.message },
              };
              shared.counts.errors++;
              if (shared.errors.length < 100) shared.errors.push(event);
              shared.emit(event);
            });
          }
        }
      }
      await this.commit(writes, drops, [], undefined);
    }
    return { tripped, pending, linked };
  }

  /** One transaction: links, dropped links, conflicts and (optionally) the cursor after this batch. */
  private async commit(
    writes: readonly LinkWrite[],
    drops: readonly string[],
    conflicts: readonly { linkId: string; fields: ConflictField[] }[],
    cursor: { side: Side; cursor: string } | undefined,
  ): Promise<void> {
    const { shared, pair } = this;
    if (cursor) this.pairState[cursor.side === 'a' ? 'cursorA' : 'cursorB'] = cursor.cursor;
    await shared.db.transaction().execute(async (trx) => {
      const links = new LinkRepository(trx);
      await links.upsertMany(shared.orgId, shared.syncId, pair.name, writes);
      await links.deleteMany(shared.orgId, drops);
      await new ConflictRepository(trx).raise(shared.orgId, shared.syncId, shared.runId, conflicts);
      await new SyncRepository(trx).saveState(shared.orgId, shared.syncId, shared.state);
    });
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.shared.emit({ type: 'warning', pair: this.pair.name, message });
  }
}

function checkResults(results: WriteResult[], expected: number): WriteResult[] {
  if (results.length !== expected) {
    throw new ConnectorError('server', `connector returned ${results.length} results for ${expected} writes`);
  }
  return results;
}

/** References cannot be resolved here (match keys never use them); any attempt is an unresolved reference. */
const NO_REFS_STRICT: ReferenceResolver = {
  aToB: () => undefined,
  bToA: () => undefined,
  why: () => undefined,
};

export { UnresolvedReference };

/**
 * Whether a create whose batch threw may exist on the platform anyway: only when its batch went out and the
 * answer does not say no (see mayHaveBeenApplied: a 2xx with a body that could not be read is a write that
 * happened).
 */
function mayHaveWritten(p: Pending, thrown: unknown): boolean {
  return p.sent === true && mayHaveBeenApplied(thrown);
}
