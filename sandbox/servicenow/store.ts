/**
 * The simulator's database: tables of string-valued records with ServiceNow's
 * system fields, numbering, reference resolution, journal fields and the
 * business rules / data policies the integrations meet.
 */
import { randomBytes, createHash } from "node:crypto";
import type { SimClock } from "../common/clock";
import { builtInTables, priorityFor, type TableDef } from "./schema";
import { compareValues, matchCondition, parseQuery, QueryError } from "./query";

export type Row = Record<string, string>;

/** An error the API answers with {"error":{"message","detail"},"status":"failure"}. */
export class SnowError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: string | null,
  ) {
    super(message);
  }
}

export interface WriteOptions {
  /** Apply data policies and field ACLs (API and agent writes); direct setup writes skip them. */
  enforce: boolean;
  /** Roles of the writing user (for field-level rules such as closing an incident). */
  roles?: string[];
  /** Treat values as display values (sysparm_input_display_value=true). */
  inputDisplayValue?: boolean;
}

export interface AttachmentContent {
  content: Buffer;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

export function newSysId(): string {
  return randomBytes(16).toString("hex");
}

const SYS_ID = /^[0-9a-f]{32}$/;
const READ_ONLY_ON_UPDATE = new Set(["sys_id", "sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count", "sys_class_name", "comments_and_work_notes", "download_link"]);
const CLOSED_INCIDENT = new Set(["6", "7"]);

export class SnowStore {
  readonly tables = new Map<string, TableDef>();
  private readonly rows = new Map<string, Map<string, Row>>();
  private readonly counters = new Map<string, number>();
  readonly attachmentContent = new Map<string, Buffer>();
  /** glide.invalid_query.returns_no_rows: false (the platform default) ignores conditions on unknown fields. */
  invalidQueryReturnsNoRows = false;

  constructor(
    readonly clock: SimClock,
    readonly baseUrl: () => string,
    customFields: Record<string, string[]> = {},
  ) {
    for (const def of builtInTables()) {
      def.fields.push(...(customFields[def.name] ?? []).filter((f) => !def.fields.includes(f)));
      this.tables.set(def.name, def);
      this.rows.set(def.name, new Map());
    }
  }

  now(): string {
    return formatDate(this.clock.now());
  }

  private readonly fieldSets = new Map<string, Set<string>>();

  /** Whether a table has a field (cached set lookup). */
  hasField(table: string, field: string): boolean {
    let set = this.fieldSets.get(table);
    if (!set) {
      const def = this.tables.get(table);
      if (!def) return false;
      set = new Set(def.fields);
      this.fieldSets.set(table, set);
    }
    return set.has(field);
  }

  has(table: string): boolean {
    return this.tables.has(table);
  }

  def(table: string): TableDef {
    const d = this.tables.get(table);
    if (!d) throw new SnowError(400, `Invalid table ${table}`, null);
    return d;
  }

  taskTables(): string[] {
    return [...this.tables.values()].filter((d) => d.task).map((d) => d.name);
  }

  /** Rows of a table; `task` lists every task table's rows. */
  private allRows(table: string): Row[] {
    if (table === "task") return this.taskTables().flatMap((t) => [...this.rows.get(t)!.values()]);
    return [...this.rows.get(table)!.values()];
  }

  /** Finds a record; on `task` looks through every task table. Returns its real table too. */
  find(table: string, sysId: string): { table: string; row: Row } | undefined {
    this.def(table);
    const tables = table === "task" ? this.taskTables() : [table];
    for (const t of tables) {
      const row = this.rows.get(t)!.get(sysId);
      if (row) return { table: t, row };
    }
    return undefined;
  }

  get(table: string, sysId: string): Row | undefined {
    return this.find(table, sysId)?.row;
  }

  // ---------------------------------------------------------------- reading

  /** Value of a field, dot-walking through references (`assignment_group.name`); undefined if no such field. */
  getPath(table: string, row: Row, path: string): string | undefined {
    const def = this.tables.get(table === "task" ? row.sys_class_name || "task" : table);
    if (!def) return undefined;
    const dot = path.indexOf(".");
    if (dot < 0) {
      if (!this.hasField(def.name, path)) return undefined;
      return row[path] ?? "";
    }
    const head = path.slice(0, dot);
    const target = def.references[head];
    if (!target) return undefined;
    const value = row[head] ?? "";
    if (value === "") {
      // the walk ends in an empty reference: still a valid field path
      return this.validPath(target, path.slice(dot + 1)) ? "" : undefined;
    }
    const ref = this.find(target, value);
    if (!ref) return this.validPath(target, path.slice(dot + 1)) ? "" : undefined;
    return this.getPath(ref.table, ref.row, path.slice(dot + 1));
  }

  private validPath(table: string, path: string): boolean {
    const def = this.tables.get(table);
    if (!def) return false;
    const dot = path.indexOf(".");
    if (dot < 0) return this.hasField(table, path);
    const target = def.references[path.slice(0, dot)];
    return !!target && this.validPath(target, path.slice(dot + 1));
  }

  /** Records matching an encoded query, ordered as it says (else in insertion order). */
  query(table: string, encodedQuery?: string): Row[] {
    this.def(table);
    let parsed;
    try {
      parsed = parseQuery(encodedQuery);
    } catch (err) {
      if (err instanceof QueryError) {
        // the platform drops what it cannot parse; with returns_no_rows it answers nothing
        if (this.invalidQueryReturnsNoRows) return [];
        parsed = { groups: [], orderBy: [] };
      } else throw err;
    }
    const isInstance = (row: Row, cls: string) => {
      const own = row.sys_class_name || table;
      return own === cls || (cls === "task" && !!this.tables.get(own)?.task);
    };
    let rows = this.allRows(table);
    if (parsed.groups.length) {
      const noRows = this.invalidQueryReturnsNoRows;
      rows = rows.filter((row) => {
        const get = (f: string) => this.getPath(table, row, f);
        return parsed.groups.some((group) =>
          group.every((alternatives) =>
            alternatives.some((cond) => {
              const r = matchCondition(cond, get, (cls) => isInstance(row, cls));
              return r === undefined ? !noRows : r;
            }),
          ),
        );
      });
    }
    if (parsed.orderBy.length) {
      const keys = parsed.orderBy.filter((o) => this.validPath(table, o.field) || o.field === "sys_id");
      rows = rows
        .map((row, i) => ({ row, i }))
        .sort((a, b) => {
          for (const k of keys) {
            const c = compareValues(this.getPath(table, a.row, k.field) ?? "", this.getPath(table, b.row, k.field) ?? "");
            if (c !== 0) return k.desc ? -c : c;
          }
          return a.i - b.i;
        })
        .map((x) => x.row);
    }
    return rows;
  }

  /** Display value of a field: referenced record's display field, choice label, journal text. */
  displayValue(table: string, row: Row, field: string, depth = 0): string {
    const def = this.tables.get(row.sys_class_name || table) ?? this.def(table);
    const value = row[field] ?? "";
    if (def.journal.includes(field)) return this.journalText(def.name, row.sys_id, [field]);
    if (field === "comments_and_work_notes" && def.task) return this.journalText(def.name, row.sys_id, ["comments", "work_notes"]);
    const target = def.references[field];
    if (target) {
      if (value === "" || depth > 3) return "";
      const ref = this.find(target, value);
      if (!ref) return "";
      const refDef = this.def(ref.table);
      return this.displayValue(ref.table, ref.row, refDef.displayField, depth + 1);
    }
    const choices = def.choices[field];
    if (choices && value in choices) return choices[value];
    return value;
  }

  referenceTable(table: string, field: string): string | undefined {
    return this.tables.get(table)?.references[field];
  }

  journalEntries(sysId: string, elements?: string[]): Row[] {
    return [...this.rows.get("sys_journal_field")!.values()].filter((j) => j.element_id === sysId && (!elements || elements.includes(j.element)));
  }

  private journalText(table: string, sysId: string, elements: string[]): string {
    const labels: Record<string, string> = { comments: "Additional comments", work_notes: "Work notes" };
    return this.journalEntries(sysId, elements)
      .filter((j) => j.name === table)
      .reverse()
      .map((j) => `${j.sys_created_on} - ${this.userDisplay(j.sys_created_by)} (${labels[j.element] ?? j.element})\n${j.value}\n\n`)
      .join("");
  }

  private userDisplay(userName: string): string {
    const u = [...this.rows.get("sys_user")!.values()].find((r) => r.user_name === userName);
    return u?.name || userName;
  }

  // ---------------------------------------------------------------- writing

  private nextNumber(def: TableDef): string {
    const n = this.counters.get(def.name) ?? def.firstNumber ?? 10001;
    this.counters.set(def.name, n + 1);
    return `${def.numberPrefix}${String(n).padStart(7, "0")}`;
  }

  /** A reference accepts a sys_id of the target table, or its display value (user: name or user_name). */
  resolveReference(target: string, value: string): string {
    if (value === "") return "";
    if (SYS_ID.test(value) && this.find(target, value)) return value;
    const tables = target === "task" ? this.taskTables() : [target];
    const lower = value.toLowerCase();
    for (const t of tables) {
      const def = this.def(t);
      for (const row of this.rows.get(t)!.values()) {
        if ((row[def.displayField] ?? "").toLowerCase() === lower) return row.sys_id;
        if (t === "sys_user" && row.user_name.toLowerCase() === lower) return row.sys_id;
      }
    }
    // like the platform, an unknown reference is stored as given (it displays empty)
    return value;
  }

  private normalise(value: unknown): string {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (typeof value === "object" && value !== null && "value" in value && Object.keys(value).every((k) => ["value", "link", "display_value"].includes(k))) {
      return this.normalise((value as { value: unknown }).value);
    }
    return JSON.stringify(value);
  }

  private fromDisplay(def: TableDef, field: string, value: string): string {
    const choices = def.choices[field];
    if (!choices) return value;
    const hit = Object.entries(choices).find(([, label]) => label.toLowerCase() === value.toLowerCase());
    return hit ? hit[0] : value;
  }

  /** Turns incoming values into stored ones: unknown fields dropped, references resolved, journal values split off. */
  private prepare(def: TableDef, fields: Record<string, unknown>, opts: WriteOptions, insert: boolean): { values: Row; journal: Array<[string, string]> } {
    const values: Row = {};
    const journal: Array<[string, string]> = [];
    for (const [key, raw] of Object.entries(fields ?? {})) {
      if (!def.fields.includes(key)) continue;
      if (!insert && READ_ONLY_ON_UPDATE.has(key)) continue;
      if (insert && key !== "sys_id" && READ_ONLY_ON_UPDATE.has(key)) continue;
      let v = this.normalise(raw);
      if (def.journal.includes(key)) {
        if (v.trim() !== "") journal.push([key, v]);
        continue;
      }
      if (opts.inputDisplayValue) v = this.fromDisplay(def, key, v);
      const target = def.references[key];
      if (target) v = this.resolveReference(target, v);
      values[key] = v;
    }
    return { values, journal };
  }

  insert(table: string, fields: Record<string, unknown>, user: string, opts: WriteOptions = { enforce: false }): Row {
    const def = this.def(table);
    const { values, journal } = this.prepare(def, fields, opts, true);
    const now = this.now();
    let sysId = values.sys_id;
    if (!sysId || !SYS_ID.test(sysId) || this.find(table, sysId)) sysId = newSysId();
    const row: Row = {};
    for (const f of def.fields) row[f] = def.defaults[f] ?? "";
    Object.assign(row, values);
    Object.assign(row, {
      sys_id: sysId,
      sys_created_on: now,
      sys_created_by: user,
      sys_updated_on: now,
      sys_updated_by: user,
      sys_mod_count: "0",
      sys_class_name: table,
      sys_domain: "global",
    });
    if (def.task) {
      if (!row.number) row.number = this.nextNumber(def);
      if (!row.opened_at) row.opened_at = now;
      if (!row.opened_by) row.opened_by = this.userSysId(user);
    }
    this.applyRules(def, undefined, row, new Set(Object.keys(values)), user, opts);
    this.rows.get(def.name)!.set(sysId, row);
    for (const [element, value] of journal) this.addJournal(def.name, sysId, element, value, user);
    this.afterWrite(def, undefined, row, user);
    return { ...row };
  }

  update(table: string, sysId: string, fields: Record<string, unknown>, user: string, opts: WriteOptions = { enforce: false }): Row {
    const found = this.find(table, sysId);
    if (!found) throw new SnowError(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
    const def = this.def(found.table);
    const { values, journal } = this.prepare(def, fields, opts, false);
    const before = found.row;
    const after: Row = { ...before, ...values };
    const changed = new Set(Object.keys(values).filter((k) => before[k] !== values[k]));
    this.applyRules(def, before, after, changed, user, opts);
    const reallyChanged = def.fields.filter((f) => after[f] !== before[f]);
    if (reallyChanged.length === 0 && journal.length === 0) return { ...before };
    after.sys_updated_on = this.now();
    after.sys_updated_by = user;
    after.sys_mod_count = String(Number(before.sys_mod_count || "0") + 1);
    this.rows.get(def.name)!.set(sysId, after);
    for (const [element, value] of journal) this.addJournal(def.name, sysId, element, value, user);
    this.afterWrite(def, before, after, user);
    return { ...after };
  }

  delete(table: string, sysId: string): void {
    const found = this.find(table, sysId);
    if (!found) throw new SnowError(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
    this.rows.get(found.table)!.delete(sysId);
    if (found.table === "sys_attachment") this.attachmentContent.delete(sysId);
  }

  private userSysId(userName: string): string {
    const u = [...this.rows.get("sys_user")!.values()].find((r) => r.user_name === userName);
    return u?.sys_id ?? "";
  }

  addJournal(table: string, sysId: string, element: string, value: string, user: string): Row {
    const now = this.now();
    const row: Row = {
      sys_id: newSysId(),
      element,
      element_id: sysId,
      name: table,
      value,
      sys_created_on: now,
      sys_created_by: user,
      sys_updated_on: now,
      sys_updated_by: user,
      sys_mod_count: "0",
      sys_tags: "",
      sys_class_name: "sys_journal_field",
      sys_domain: "global",
    };
    this.rows.get("sys_journal_field")!.set(row.sys_id, row);
    return row;
  }

  addAttachment(table: string, tableSysId: string, fileName: string, contentType: string, content: Buffer, user: string): Row {
    const now = this.now();
    const sysId = newSysId();
    const row: Row = {
      sys_id: sysId,
      file_name: fileName,
      content_type: contentType,
      size_bytes: String(content.length),
      size_compressed: String(content.length),
      compressed: "false",
      table_name: table,
      table_sys_id: tableSysId,
      hash: createHash("sha256").update(content).digest("hex"),
      state: "available",
      image_width: "",
      image_height: "",
      average_image_color: "",
      chunk_size_bytes: "700000",
      download_link: "",
      sys_created_on: now,
      sys_created_by: user,
      sys_updated_on: now,
      sys_updated_by: user,
      sys_mod_count: "0",
      sys_tags: "",
      sys_class_name: "sys_attachment",
      sys_domain: "global",
    };
    this.rows.get("sys_attachment")!.set(sysId, row);
    this.attachmentContent.set(sysId, Buffer.from(content));
    return { ...row };
  }

  // ---------------------------------------------------------------- business rules and data policies

  private applyRules(def: TableDef, before: Row | undefined, row: Row, changed: Set<string>, user: string, opts: WriteOptions): void {
    const now = this.now();
    const roles = opts.roles ?? [];
    // closing an incident needs itil_admin (or admin): like a field ACL, the platform drops that write silently
    if (def.name === "incident" && opts.enforce && row.state === "7" && (!before || before.state !== "7") && !roles.includes("itil_admin") && !roles.includes("admin")) {
      row.state = before?.state ?? def.defaults.state;
    }
    const stateChanged = !before || before.state !== row.state;
    if (def.name === "incident") {
      if (!before || changed.has("impact") || changed.has("urgency")) row.priority = priorityFor(row.impact, row.urgency);
      row.incident_state = row.state;
      if (opts.enforce && CLOSED_INCIDENT.has(row.state)) this.mandatory(def, row, ["close_code", "close_notes"]);
      if (stateChanged) {
        if (row.state !== "3") row.hold_reason = "";
        if (row.state === "6") {
          row.resolved_at = now;
          row.resolved_by = this.userSysId(user);
        }
        if (before && CLOSED_INCIDENT.has(before.state) && ["1", "2", "3"].includes(row.state)) {
          row.reopen_count = String(Number(row.reopen_count || "0") + 1);
          row.reopened_time = now;
          row.resolved_at = "";
          row.resolved_by = "";
        }
      }
      this.closeFields(row, ["7", "8"], stateChanged, user);
    } else if (def.name === "change_request") {
      if (opts.enforce && row.state === "3") this.mandatory(def, row, ["close_code", "close_notes"]);
      this.closeFields(row, ["3", "4"], stateChanged, user);
    } else if (def.name === "sc_req_item" || def.name === "sc_request" || def.name === "task") {
      this.closeFields(row, ["3", "4", "7"], stateChanged, user);
    } else if (def.name === "problem") {
      this.closeFields(row, ["107"], stateChanged, user);
    } else if (def.name === "sysapproval_approver") {
      if (row.sysapproval && (!before || changed.has("sysapproval"))) {
        const task = this.find("task", row.sysapproval);
        row.document_id = row.sysapproval;
        row.source_table = task?.table ?? "";
      }
    }
  }

  private closeFields(row: Row, closedStates: string[], stateChanged: boolean, user: string): void {
    if (!stateChanged) return;
    if (closedStates.includes(row.state)) {
      row.active = "false";
      row.closed_at = this.now();
      row.closed_by = this.userSysId(user);
    } else {
      row.active = "true";
      row.closed_at = "";
      row.closed_by = "";
    }
  }

  /** A data policy: the listed fields are mandatory in this state. */
  private mandatory(def: TableDef, row: Row, fields: string[]): void {
    const missing = fields.filter((f) => (row[f] ?? "").trim() === "");
    if (missing.length) {
      const labels = missing.map((f) => def.labels[f] ?? f).join(", ");
      throw new SnowError(403, "Operation Failed", `Data Policy Exception: \n\tThe following fields are mandatory: ${labels}\n`);
    }
  }

  /** After an approval changes, roll the decision up to the task's `approval` field. */
  private afterWrite(def: TableDef, before: Row | undefined, row: Row, user: string): void {
    if (def.name !== "sysapproval_approver" || !row.sysapproval) return;
    if (before && before.state === row.state && before.sysapproval === row.sysapproval) return;
    const task = this.find("task", row.sysapproval);
    if (!task) return;
    const approvals = this.query("sysapproval_approver", `sysapproval=${row.sysapproval}`).filter((a) => a.state !== "cancelled" && a.state !== "not_required");
    let approval = "requested";
    if (approvals.some((a) => a.state === "rejected")) approval = "rejected";
    else if (approvals.length > 0 && approvals.every((a) => a.state === "approved")) approval = "approved";
    if (task.row.approval !== approval) this.update(task.table, task.row.sys_id, { approval }, user, { enforce: false });
  }
}
