import { CaseExchangeError } from "../errors";
import type { AttachmentMeta, PageResult, QueryOptions, SnowRecord } from "./client";
import type { WriteMemo } from "./echo";
import type { JournalEntry } from "./journal";
import { andQuery, checkEncodedQuery, checkField, condition, orderBy, orQueries } from "./query";

/**
 * Watch logic, without Node-RED: one poll finds the records of a table that
 * changed since the last poll and says, per record, what changed.
 *
 * A cycle makes one Table API query — the integrator's filter AND
 * `sys_updated_on >= position − overlap`, ordered by sys_updated_on then sys_id,
 * paged by key (never by offset, so records updated while paging are neither
 * skipped nor read twice) — plus one Attachment API query for attachments
 * created since its own position (adding an attachment does not touch the
 * record), plus one journal query for the records that did change. An idle
 * cycle therefore costs two calls whatever the size of the table.
 *
 * sys_updated_on has a one-second resolution, so the position is inclusive and
 * a record read again is recognised by its sys_mod_count: equal timestamps at
 * page boundaries and updates within the same second are neither missed nor
 * repeated. Journal entries and attachments are recognised by sys_id within
 * the overlap window.
 *
 * Echoes: journal entries and attachments created by the integration user are
 * not emitted. A field change is not emitted when the integration user wrote
 * that value (WriteMemo, from the client) after the version last seen — so an
 * agent's change to another field in the same poll still is. When the memo
 * knows nothing of the record (after a restart) and the record was last
 * updated by the integration user, its field changes count as the
 * integration's own.
 */

export interface WatchSource {
  readonly userName: string;
  readonly memo?: WriteMemo;
  queryPage(table: string, encodedQuery: string, opts: QueryOptions & { offset?: number }): Promise<PageResult>;
  journalFor(sysIds: string[], opts?: { since?: string; elements?: string[]; signal?: AbortSignal }): Promise<JournalEntry[]>;
  attachmentQuery(encodedQuery: string, opts?: QueryOptions): Promise<AttachmentMeta[]>;
}

export interface WatchOptions {
  table: string;
  /** the integrator's encoded query (empty: every record of the table) */
  query?: string;
  /** fields compared between polls */
  fields?: string[];
  /** on the very first start, emit every matching record once (default: no history) */
  emitExisting?: boolean;
  /** emit comments and work notes (default true) */
  journal?: boolean;
  /** emit new attachments (default true) */
  attachments?: boolean;
  /** emit the integration user's own changes too (default false) */
  includeOwn?: boolean;
  pageSize?: number;
  /** seconds re-read before the position, for transactions committed late (default 1) */
  overlapSeconds?: number;
}

export const DEFAULT_WATCH_FIELDS = [
  "state",
  "priority",
  "impact",
  "urgency",
  "assignment_group",
  "assigned_to",
  "short_description",
  "description",
  "category",
  "subcategory",
  "hold_reason",
  "close_code",
  "close_notes",
  "correlation_id",
  "correlation_display",
  "active",
];

const SYSTEM_FIELDS = ["sys_id", "number", "sys_updated_on", "sys_updated_by", "sys_created_on", "sys_created_by", "sys_mod_count"];

interface Baseline {
  /** sys_mod_count last seen */
  m: number;
  /** sys_updated_on last seen */
  u: string;
  /** compared field values, in the order of state.fields */
  v: string[];
  /** journal position: created_on of the newest entry seen */
  j: string;
  /** ids of entries within the overlap window before j; null: every entry up to j counts as seen */
  ji: string[] | null;
}

export interface WatchState {
  version: 1;
  /** table + query + fields: a different configuration starts afresh */
  key: string;
  fields: string[];
  /** records position: newest sys_updated_on processed */
  pos: string;
  /** attachments position and ids seen within the overlap window */
  att: { pos: string; ids: string[] };
  /** when the watch began (the instance's time, from the data), for records it never saw */
  started: string;
  recs: Record<string, Baseline>;
}

export type WatchEventKind = "changed" | "comment" | "worknote" | "attachment";

export interface WatchEvent {
  event: WatchEventKind;
  table: string;
  sys_id: string;
  number: string;
  /** the record as read (system fields and compared fields) */
  record: SnowRecord;
  /** changed: field → {from, to}; from is null for a record the watch had not seen */
  changes?: Record<string, { from: string | null; to: string }>;
  /** changed: the record is new since the last poll (or emitted as existing on first start) */
  created?: boolean;
  existing?: boolean;
  /** comment / worknote */
  entry?: JournalEntry;
  /** attachment */
  attachment?: AttachmentMeta;
  /** who made the change (sys_updated_by, the entry's or attachment's sys_created_by) */
  by: string;
  /** when (ServiceNow's time, UTC "YYYY-MM-DD HH:MM:SS") */
  at: string;
}

export interface PollResult {
  events: WatchEvent[];
  state: WatchState;
  /** API calls this poll made */
  calls: number;
  /** records read by the main query */
  read: number;
  /** records that had changed (echoes included) */
  changed: number;
  /** first poll of a new state (snapshot) */
  initial: boolean;
}

export function parseSnowTime(s: string): number {
  return Date.parse(s.replace(" ", "T") + "Z");
}

export function formatSnowTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

function minusSeconds(t: string, seconds: number): string {
  if (!t) return t;
  const ms = parseSnowTime(t);
  return Number.isNaN(ms) ? t : formatSnowTime(ms - seconds * 1000);
}

export class SnowWatcher {
  readonly table: string;
  readonly query: string;
  readonly fields: string[];
  private readonly opts: Required<Omit<WatchOptions, "query" | "fields" | "table">>;

  constructor(
    private readonly source: WatchSource,
    options: WatchOptions,
  ) {
    this.table = options.table;
    this.query = checkEncodedQuery(options.query ?? "");
    this.fields = [...new Set((options.fields?.length ? options.fields : DEFAULT_WATCH_FIELDS).map((f) => checkField(f.trim())))].filter((f) => !SYSTEM_FIELDS.includes(f));
    this.opts = {
      emitExisting: options.emitExisting ?? false,
      journal: options.journal ?? true,
      attachments: options.attachments ?? true,
      includeOwn: options.includeOwn ?? false,
      pageSize: Math.max(2, options.pageSize ?? 1000),
      overlapSeconds: Math.max(0, options.overlapSeconds ?? 1),
    };
  }

  get key(): string {
    return JSON.stringify([this.table, this.query, this.fields]);
  }

  /** Whether a stored state belongs to this configuration. */
  fits(state: unknown): state is WatchState {
    const s = state as WatchState | undefined;
    return !!s && s.version === 1 && s.key === this.key && typeof s.pos === "string" && !!s.recs && !!s.att;
  }

  private readFields(): string[] {
    return [...SYSTEM_FIELDS, ...this.fields];
  }

  /** Every record changed at or after `from`, keyset-paged. */
  private async changedSince(from: string, signal: AbortSignal | undefined, counter: { calls: number }): Promise<SnowRecord[]> {
    const out: SnowRecord[] = [];
    let q = andQuery(this.query, from ? condition("sys_updated_on", ">=", from) : undefined);
    for (;;) {
      counter.calls++;
      const page = await this.source.queryPage(this.table, orderBy(q, "sys_updated_on", "sys_id"), { fields: this.readFields(), pageSize: this.opts.pageSize, signal });
      out.push(...page.records);
      if (page.records.length < this.opts.pageSize) return out;
      const last = page.records[page.records.length - 1];
      if (!last.sys_updated_on || !last.sys_id) throw new CaseExchangeError("SNOW_BAD_RESPONSE", "ServiceNow returned records without sys_updated_on/sys_id; the watch cannot page");
      // next page: strictly after (sys_updated_on, sys_id) of the last row
      q = orQueries(
        andQuery(this.query, condition("sys_updated_on", ">", last.sys_updated_on)),
        andQuery(this.query, condition("sys_updated_on", "=", last.sys_updated_on), condition("sys_id", ">", last.sys_id)),
      );
    }
  }

  private valuesOf(row: SnowRecord): string[] {
    return this.fields.map((f) => row[f] ?? "");
  }

  private recordView(row: SnowRecord): SnowRecord {
    const r: SnowRecord = {};
    for (const f of this.readFields()) if (row[f] !== undefined) r[f] = row[f];
    return r;
  }

  /** First start: remember every matching record as it is now, emit nothing (or everything when emitExisting). */
  private async start(signal: AbortSignal | undefined): Promise<PollResult> {
    const counter = { calls: 0 };
    const rows = await this.changedSince("", signal, counter);
    const recs: Record<string, Baseline> = {};
    let pos = "";
    const events: WatchEvent[] = [];
    for (const row of rows) {
      recs[row.sys_id] = { m: Number(row.sys_mod_count || 0), u: row.sys_updated_on, v: this.valuesOf(row), j: row.sys_updated_on, ji: null };
      if (row.sys_updated_on > pos) pos = row.sys_updated_on;
      if (this.opts.emitExisting) {
        const changes: Record<string, { from: string | null; to: string }> = {};
        for (const f of this.fields) if ((row[f] ?? "") !== "") changes[f] = { from: null, to: row[f] };
        events.push({ event: "changed", table: this.table, sys_id: row.sys_id, number: row.number ?? "", record: this.recordView(row), changes, existing: true, by: row.sys_updated_by ?? "", at: row.sys_updated_on });
      }
    }
    const att = { pos: "", ids: [] as string[] };
    if (this.opts.attachments) {
      counter.calls++;
      const newest = await this.source.attachmentQuery(orderBy(this.attachmentFilter(), { field: "sys_created_on", desc: true }), { pageSize: 1, limit: 1, signal });
      if (newest[0]) {
        att.pos = newest[0].sys_created_on;
        counter.calls++;
        const recent = await this.source.attachmentQuery(andQuery(this.attachmentFilter(), condition("sys_created_on", ">=", minusSeconds(att.pos, this.opts.overlapSeconds))), { signal });
        att.ids = recent.map((a) => a.sys_id);
      }
    }
    const state: WatchState = { version: 1, key: this.key, fields: this.fields, pos, att, started: pos, recs };
    return { events, state, calls: counter.calls, read: rows.length, changed: 0, initial: true };
  }

  private attachmentFilter(): string {
    return this.table === "task" ? "" : condition("table_name", "=", this.table);
  }

  /**
   * One poll. Give it the state the previous poll returned (or undefined on
   * the very first start); store the returned state before sending the
   * events, so that a restart resumes after them.
   */
  async poll(previous: WatchState | undefined, signal?: AbortSignal): Promise<PollResult> {
    if (!this.fits(previous)) return this.start(signal);
    const state: WatchState = { ...previous, att: { ...previous.att }, recs: { ...previous.recs } };
    const counter = { calls: 0 };
    const user = this.source.userName;
    const memo = this.source.memo;
    const overlap = this.opts.overlapSeconds;
    const rows = await this.changedSince(minusSeconds(state.pos, overlap), signal, counter);

    // which rows are new versions
    const changedRows: SnowRecord[] = [];
    for (const row of rows) {
      const b = state.recs[row.sys_id];
      const m = Number(row.sys_mod_count || 0);
      if (b && (m < b.m || (m === b.m && row.sys_updated_on <= b.u))) continue;
      changedRows.push(row);
    }

    // journal entries of the changed records, one batched read
    const journalById = new Map<string, JournalEntry[]>();
    if (this.opts.journal && changedRows.length) {
      let since = "";
      const cursors = changedRows.map((r) => this.journalCursor(state, r));
      if (cursors.every((c) => c !== "")) since = minusSeconds(cursors.reduce((a, b) => (a < b ? a : b)), overlap);
      counter.calls += Math.ceil(changedRows.length / 100);
      const entries = await this.source.journalFor(
        changedRows.map((r) => r.sys_id),
        { since: since || undefined, elements: ["comments", "work_notes"], signal },
      );
      for (const e of entries) {
        const list = journalById.get(e.element_id) ?? [];
        list.push(e);
        journalById.set(e.element_id, list);
      }
    }

    // attachments created since the attachment position
    let newAttachments: AttachmentMeta[] = [];
    if (this.opts.attachments) {
      const from = minusSeconds(state.att.pos, overlap);
      counter.calls++;
      const list = await this.source.attachmentQuery(orderBy(andQuery(this.attachmentFilter(), from ? condition("sys_created_on", ">=", from) : undefined), "sys_created_on"), { signal });
      const seen = new Set(state.att.ids);
      newAttachments = list.filter((a) => !seen.has(a.sys_id) && (!state.att.pos || a.sys_created_on >= from));
      let pos = state.att.pos;
      for (const a of list) if (a.sys_created_on > pos) pos = a.sys_created_on;
      const windowStart = minusSeconds(pos, overlap);
      state.att = { pos, ids: list.filter((a) => a.sys_created_on >= windowStart).map((a) => a.sys_id) };
    }

    const events: WatchEvent[] = [];
    const rowById = new Map(rows.map((r) => [r.sys_id, r] as const));
    const attachmentsByParent = new Map<string, AttachmentMeta[]>();
    for (const a of newAttachments) {
      if (!this.opts.includeOwn && a.sys_created_by === user) continue;
      const list = attachmentsByParent.get(a.table_sys_id) ?? [];
      list.push(a);
      attachmentsByParent.set(a.table_sys_id, list);
    }

    for (const row of changedRows) {
      const b = state.recs[row.sys_id];
      const m = Number(row.sys_mod_count || 0);
      const values = this.valuesOf(row);
      const view = this.recordView(row);
      // field changes
      const changes: Record<string, { from: string | null; to: string }> = {};
      const ownFallback = !memo?.knows(this.table, row.sys_id, b ? b.m : -1) && row.sys_updated_by === user;
      this.fields.forEach((f, i) => {
        const to = values[i];
        const from = b ? b.v[i] : null;
        if (b ? from === to : to === "") return;
        if (!this.opts.includeOwn) {
          if (memo?.wrote(this.table, row.sys_id, f, to, b ? b.m : -1)) return;
          if (ownFallback) return;
        }
        changes[f] = { from, to };
      });
      if (Object.keys(changes).length) {
        const created = !b && (!state.started || row.sys_created_on >= state.started);
        events.push({ event: "changed", table: this.table, sys_id: row.sys_id, number: row.number ?? "", record: view, changes, ...(created ? { created: true } : {}), by: row.sys_updated_by ?? "", at: row.sys_updated_on });
      }
      // journal
      let j = b ? b.j : "";
      let ji: string[] | null = b ? b.ji : [];
      if (this.opts.journal) {
        const cursor = this.journalCursor(state, row);
        // a record seen at the snapshot, or never seen but older than the start: entries up to the cursor are history
        if (!b && cursor !== "") ji = null;
        const windowStart = minusSeconds(cursor, overlap);
        const known = new Set(ji ?? []);
        const entries = journalById.get(row.sys_id) ?? [];
        for (const e of entries) {
          const isNew = cursor === "" || e.sys_created_on > cursor || (ji !== null && e.sys_created_on >= windowStart && !known.has(e.sys_id));
          if (!isNew) continue;
          if (!this.opts.includeOwn && e.sys_created_by === user) continue;
          events.push({
            event: e.element === "comments" ? "comment" : "worknote",
            table: this.table,
            sys_id: row.sys_id,
            number: row.number ?? "",
            record: view,
            entry: e,
            by: e.sys_created_by,
            at: e.sys_created_on,
          });
        }
        // every entry from (cursor − overlap) on was read: remember those within the new window
        const newest = entries.reduce((acc, e) => (e.sys_created_on > acc ? e.sys_created_on : acc), cursor);
        const ws = minusSeconds(newest, overlap);
        j = newest;
        ji = entries.filter((e) => e.sys_created_on >= ws).map((e) => e.sys_id);
      }
      // attachments of this record
      for (const a of attachmentsByParent.get(row.sys_id) ?? []) events.push(this.attachmentEvent(row, view, a));
      attachmentsByParent.delete(row.sys_id);
      state.recs[row.sys_id] = { m, u: row.sys_updated_on, v: values, j, ji };
    }

    // attachments on records that did not change otherwise
    const orphans = [...attachmentsByParent.keys()];
    if (orphans.length) {
      const known = orphans.filter((id) => state.recs[id] || rowById.has(id));
      const unknown = orphans.filter((id) => !known.includes(id));
      const parents = new Map<string, SnowRecord>();
      // read the parents (they must still match the filter), 100 per query
      const ids = [...known, ...unknown];
      for (let i = 0; i < ids.length; i += 100) {
        counter.calls++;
        const page = await this.source.queryPage(this.table, andQuery(this.query, condition("sys_id", "IN", ids.slice(i, i + 100))), { fields: this.readFields(), pageSize: 100, signal });
        for (const r of page.records) parents.set(r.sys_id, r);
      }
      for (const id of ids) {
        const parent = parents.get(id);
        if (!parent) continue;
        const view = this.recordView(parent);
        for (const a of attachmentsByParent.get(id) ?? []) events.push(this.attachmentEvent(parent, view, a));
      }
    }

    for (const row of rows) if (row.sys_updated_on > state.pos) state.pos = row.sys_updated_on;
    return { events, state, calls: counter.calls, read: rows.length, changed: changedRows.length, initial: false };
  }

  private journalCursor(state: WatchState, row: SnowRecord): string {
    const b = state.recs[row.sys_id];
    if (b) return b.j;
    // a record the watch never saw: new since the start → every entry is new; else entries after the start
    if (!state.started || row.sys_created_on >= state.started) return "";
    return state.started;
  }

  private attachmentEvent(row: SnowRecord, view: SnowRecord, a: AttachmentMeta): WatchEvent {
    return { event: "attachment", table: this.table, sys_id: row.sys_id, number: row.number ?? "", record: view, attachment: a, by: a.sys_created_by, at: a.sys_created_on };
  }
}
