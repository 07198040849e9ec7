import { CaseExchangeError, inputInvalid } from "../errors";
import { abortableSleep, createHttpTransport, type HttpRequest, type HttpResult, type TransportOptions } from "../http/transport";
import { backoffDelay, DEFAULT_RETRY } from "../http/retry";
import { createAuthenticator, type Authenticator, type SnowAuth } from "./auth";
import { mapSnowError } from "./errors";
import { stringValue, WriteMemo } from "./echo";
import { nextPageOffset } from "./paging";
import { andQuery, checkField, checkTable, condition, eq, orderBy } from "./query";
import { sortJournal, toJournalEntry, type JournalEntry } from "./journal";

/**
 * The ServiceNow client: Table API (get, query over all pages, create,
 * update, journal fields), Attachment API, and the lookups the syncs need
 * (correlation_id). One per snow-instance config node; pure TypeScript.
 */
export type SnowRecord = Record<string, string>;

export interface AttachmentMeta {
  sys_id: string;
  file_name: string;
  content_type: string;
  size_bytes: string;
  table_name: string;
  table_sys_id: string;
  sys_created_on: string;
  sys_created_by: string;
  download_link?: string;
  [field: string]: string | undefined;
}

export interface DownloadedAttachment {
  content: Buffer;
  contentType: string;
  fileName?: string;
  meta?: Record<string, unknown>;
}

export interface SnowClientOptions {
  /** instance base URL, e.g. https://dev12345.service-now.com */
  url: string;
  auth: SnowAuth;
  timeoutMs?: number;
  /** PEM text of an extra CA to trust */
  ca?: string;
  /** rows per page (default 1000) */
  pageSize?: number;
  onRetry?: TransportOptions["onRetry"];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** for tests: the clock the OAuth token expiry is measured with */
  now?: () => number;
}

export interface QueryOptions {
  fields?: string[];
  pageSize?: number;
  /** stop after this many rows */
  limit?: number;
  signal?: AbortSignal;
  /** sysparm_display_value: false (default), true or "all" */
  displayValue?: boolean | "all";
}

export interface PageResult {
  records: SnowRecord[];
  total?: number;
  headers: Record<string, string>;
}

export interface CreateOptions {
  /** the record's correlation_id: after a timeout the record is looked up by it before any re-send */
  correlationId?: string;
  signal?: AbortSignal;
}

export interface CloseOptions {
  closeCode?: string;
  closeNotes?: string;
  /** more fields written with the state change */
  fields?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface SnowClient {
  readonly url: string;
  /** the integration user (basic user, or the OAuth resource owner) */
  readonly userName: string;
  /** the integration's own writes (for echo suppression in the watch) */
  readonly memo: WriteMemo;
  /** counters: HTTP requests sent to the instance (retries included) and token requests */
  readonly stats: { requests: number; tokenRequests: () => number };
  get(table: string, sysIdOrNumber: string, opts?: { fields?: string[]; signal?: AbortSignal }): Promise<SnowRecord>;
  query(table: string, encodedQuery: string, opts?: QueryOptions): Promise<SnowRecord[]>;
  queryPage(table: string, encodedQuery: string, opts: QueryOptions & { offset?: number }): Promise<PageResult>;
  create(table: string, fields: Record<string, unknown>, opts?: CreateOptions): Promise<SnowRecord>;
  update(table: string, sysId: string, fields: Record<string, unknown>, opts?: { signal?: AbortSignal }): Promise<SnowRecord>;
  deleteRecord(table: string, sysId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  addComment(table: string, sysId: string, text: string, opts?: { signal?: AbortSignal }): Promise<SnowRecord>;
  addWorkNote(table: string, sysId: string, text: string, opts?: { signal?: AbortSignal }): Promise<SnowRecord>;
  journal(table: string, sysId: string, opts?: { since?: string; elements?: string[]; signal?: AbortSignal }): Promise<JournalEntry[]>;
  journalFor(sysIds: string[], opts?: { since?: string; elements?: string[]; signal?: AbortSignal }): Promise<JournalEntry[]>;
  attachments(table: string, sysId: string, opts?: { signal?: AbortSignal }): Promise<AttachmentMeta[]>;
  attachmentQuery(encodedQuery: string, opts?: QueryOptions): Promise<AttachmentMeta[]>;
  download(attachmentSysId: string, opts?: { signal?: AbortSignal }): Promise<DownloadedAttachment>;
  upload(table: string, sysId: string, fileName: string, content: Buffer, contentType?: string, opts?: { signal?: AbortSignal }): Promise<AttachmentMeta>;
  deleteAttachment(attachmentSysId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  resolve(table: string, sysId: string, opts: CloseOptions): Promise<SnowRecord>;
  close(table: string, sysId: string, opts?: CloseOptions): Promise<SnowRecord>;
  cancel(table: string, sysId: string, opts?: CloseOptions): Promise<SnowRecord>;
  findByCorrelation(table: string, correlationId: string, opts?: { activeOnly?: boolean; signal?: AbortSignal }): Promise<SnowRecord | undefined>;
  /** a raw authenticated call (connection probes); errors mapped as everywhere */
  request<T = unknown>(req: HttpRequest): Promise<HttpResult<T>>;
}

const SYS_ID = /^[0-9a-f]{32}$/;
const JOURNAL = new Set(["comments", "work_notes"]);

export function isSysId(value: string): boolean {
  return SYS_ID.test(value);
}

function flatten(record: unknown): SnowRecord {
  const out: SnowRecord = {};
  if (!record || typeof record !== "object") return out;
  for (const [k, v] of Object.entries(record as Record<string, unknown>)) out[k] = stringValue(v);
  return out;
}

function resultOf<T>(res: HttpResult<unknown>, subject: string): T {
  const data = res.data as { result?: unknown } | undefined;
  if (!data || typeof data !== "object" || !("result" in data)) {
    throw new CaseExchangeError("SNOW_BAD_RESPONSE", `ServiceNow answered ${subject} with something that is not its REST API's JSON (a login page, a hibernating instance?)`, {
      status: res.status,
    });
  }
  return data.result as T;
}

function checkSysId(sysId: string, what = "sys_id"): string {
  if (typeof sysId !== "string" || !SYS_ID.test(sysId)) throw inputInvalid(`"${String(sysId)}" is not a ServiceNow ${what} (32 hexadecimal characters)`, { sysId });
  return sysId;
}

function checkFields(fields: Record<string, unknown> | undefined, what: string): Record<string, unknown> {
  if (!fields || typeof fields !== "object" || Array.isArray(fields)) throw inputInvalid(`${what}: the fields must be an object of field name → value`);
  for (const k of Object.keys(fields)) checkField(k);
  return fields;
}

export function createSnowClient(opts: SnowClientOptions): SnowClient {
  const url = (opts.url ?? "").trim().replace(/\/+$/, "");
  try {
    const u = new URL(url);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("protocol");
  } catch {
    throw inputInvalid(`The ServiceNow URL "${url}" is not a URL (expected https://<instance>.service-now.com)`);
  }
  if (!opts.auth?.user) throw inputInvalid("The ServiceNow user is missing");
  if (!opts.auth.password) throw inputInvalid("The ServiceNow password is missing");
  if (opts.auth.type === "oauth" && (!opts.auth.clientId || !opts.auth.clientSecret)) throw inputInvalid("OAuth needs a client id and a client secret");
  const sleep = opts.sleep ?? abortableSleep;
  const pageSize = Math.max(1, Math.min(10_000, opts.pageSize ?? 1000));
  const http = createHttpTransport({
    system: "ServiceNow",
    codePrefix: "SNOW",
    baseURL: url,
    timeoutMs: opts.timeoutMs ?? 30_000,
    ca: opts.ca,
    mapError: mapSnowError,
    onRetry: opts.onRetry,
    sleep,
  });
  const auth: Authenticator = createAuthenticator(opts.auth, { baseURL: url, timeoutMs: opts.timeoutMs, ca: opts.ca, now: opts.now });
  const stats = { requests: 0, tokenRequests: () => auth.tokenRequests };
  http.axios.interceptors.request.use((config) => {
    stats.requests++;
    return config;
  });
  const memo = new WriteMemo();
  const userName = opts.auth.user;

  /** Adds auth; renews an OAuth token once after a 401; waits out a 429 for requests the transport does not retry. */
  async function call<T>(req: HttpRequest): Promise<HttpResult<T>> {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const headers = { Accept: "application/json", ...req.headers, Authorization: await auth.header(req.signal) };
      try {
        return await http.request<T>({ ...req, headers });
      } catch (err) {
        const e = err as CaseExchangeError;
        if (e.code === "SNOW_UNAUTHORIZED" && !renewed && auth.invalidate()) {
          renewed = true;
          attempt--;
          continue;
        }
        const transportRetried = req.retry ?? (req.method === "GET" || req.method === "DELETE");
        if (e.code === "SNOW_THROTTLED" && !transportRetried && attempt < DEFAULT_RETRY.maxAttempts) {
          // a 429 was refused before processing: safe to send again, after Retry-After
          const delayMs = backoffDelay(DEFAULT_RETRY, attempt, "throttled", e.details.retryAfterMs as number | undefined);
          opts.onRetry?.({ attempt: attempt + 1, maxAttempts: DEFAULT_RETRY.maxAttempts, delayMs, reason: e.message });
          await sleep(delayMs, req.signal);
          continue;
        }
        throw err;
      }
    }
  }

  function tablePath(table: string, sysId?: string): string {
    return `/api/now/table/${checkTable(table)}${sysId ? `/${sysId}` : ""}`;
  }

  async function queryPage(table: string, encodedQuery: string, o: QueryOptions & { offset?: number }): Promise<PageResult> {
    const limit = Math.max(1, Math.min(10_000, o.pageSize ?? pageSize));
    const res = await call<unknown>({
      method: "GET",
      url: tablePath(table),
      params: {
        sysparm_query: encodedQuery || undefined,
        sysparm_fields: o.fields?.length ? o.fields.map((f) => checkField(f)).join(",") : undefined,
        sysparm_limit: limit,
        sysparm_offset: o.offset ?? 0,
        sysparm_exclude_reference_link: true,
        sysparm_display_value: o.displayValue === undefined ? undefined : String(o.displayValue),
      },
      signal: o.signal,
      subject: `GET ${table} list`,
    });
    const rows = resultOf<unknown[]>(res, `the ${table} list`);
    if (!Array.isArray(rows)) throw new CaseExchangeError("SNOW_BAD_RESPONSE", `ServiceNow answered the ${table} list with a result that is not a list`);
    const totalHeader = res.headers["x-total-count"];
    return { records: rows.map(flatten), total: totalHeader !== undefined ? Number(totalHeader) : undefined, headers: res.headers };
  }

  async function query(table: string, encodedQuery: string, o: QueryOptions = {}): Promise<SnowRecord[]> {
    const out: SnowRecord[] = [];
    const limit = Math.max(1, Math.min(10_000, o.pageSize ?? pageSize));
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const want = o.limit !== undefined ? Math.min(limit, o.limit - out.length) : limit;
      if (want <= 0) break;
      const page = await queryPage(table, encodedQuery, { ...o, pageSize: want, offset });
      out.push(...page.records);
      offset = nextPageOffset({ offset, limit: want, received: page.records.length, headers: page.headers });
    }
    return out;
  }

  async function get(table: string, sysIdOrNumber: string, o: { fields?: string[]; signal?: AbortSignal } = {}): Promise<SnowRecord> {
    const key = String(sysIdOrNumber ?? "").trim();
    if (key === "") throw inputInvalid(`Which ${table} record? Give a sys_id or a number`);
    if (SYS_ID.test(key)) {
      const res = await call<unknown>({
        method: "GET",
        url: tablePath(table, key),
        params: { sysparm_exclude_reference_link: true, sysparm_fields: o.fields?.length ? o.fields.map((f) => checkField(f)).join(",") : undefined },
        signal: o.signal,
        subject: `GET ${table} ${key}`,
      });
      return flatten(resultOf(res, `${table} ${key}`));
    }
    const rows = await queryPage(table, eq("number", key), { fields: o.fields, pageSize: 1, signal: o.signal });
    if (rows.records.length === 0) {
      throw new CaseExchangeError("SNOW_NOT_FOUND", `ServiceNow has no ${table} record numbered ${key} (or an ACL hides it from the user)`, { status: 404, details: { table, number: key } });
    }
    return rows.records[0];
  }

  /** Notes the integration's own write; a create owns every value of the new record. */
  function remember(table: string, record: SnowRecord, fields: Record<string, unknown>, whole = false): void {
    if (!record.sys_id) return;
    const values: Record<string, string> = {};
    for (const k of whole ? Object.keys(record) : Object.keys(fields)) if (!JOURNAL.has(k)) values[k] = record[k] ?? stringValue(fields[k]);
    memo.record(table, record.sys_id, values, Number(record.sys_mod_count ?? 0));
  }

  async function findByCorrelation(table: string, correlationId: string, o: { activeOnly?: boolean; signal?: AbortSignal } = {}): Promise<SnowRecord | undefined> {
    if (!correlationId) throw inputInvalid("findByCorrelation needs a correlation_id");
    const q = orderBy(andQuery(eq("correlation_id", correlationId), o.activeOnly ? "active=true" : undefined), { field: "sys_created_on", desc: true });
    const page = await queryPage(table, q, { pageSize: 1, signal: o.signal });
    return page.records[0];
  }

  function uncertain(err: unknown): boolean {
    const code = (err as CaseExchangeError)?.code ?? "";
    return code === "SNOW_TIMEOUT" || code === "SNOW_UNREACHABLE" || /^SNOW_HTTP_5\d\d$/.test(code);
  }

  async function create(table: string, fields: Record<string, unknown>, o: CreateOptions = {}): Promise<SnowRecord> {
    checkFields(fields, `create ${table}`);
    const body = { ...fields };
    if (o.correlationId !== undefined && o.correlationId !== "") body.correlation_id = o.correlationId;
    const correlationId = body.correlation_id !== undefined && body.correlation_id !== "" ? stringValue(body.correlation_id) : undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await call<unknown>({
          method: "POST",
          url: tablePath(table),
          params: { sysparm_exclude_reference_link: true },
          data: body,
          headers: { "Content-Type": "application/json" },
          retry: false,
          signal: o.signal,
          subject: `POST ${table}${correlationId ? ` (correlation_id ${correlationId})` : ""}`,
        });
        const record = flatten(resultOf(res, `the ${table} create`));
        remember(table, record, body, true);
        return record;
      } catch (err) {
        if (!uncertain(err)) throw err;
        const e = err as CaseExchangeError;
        if (!correlationId) {
          throw new CaseExchangeError(e.code, `${e.message}. The create may have reached ServiceNow; it was not re-sent (give a correlation_id so that a retry can look the record up first)`, {
            status: e.status,
            retryable: false,
            details: e.details,
          });
        }
        // the POST may have been processed: look the record up before any re-send
        await sleep(backoffDelay(DEFAULT_RETRY, attempt, "transient") + 250 * attempt, o.signal);
        const found = await findByCorrelation(table, correlationId, { signal: o.signal });
        if (found) {
          remember(table, found, body, true);
          return found;
        }
        if (attempt >= DEFAULT_RETRY.maxAttempts) {
          throw new CaseExchangeError("SNOW_CREATE_UNCERTAIN", `${e.message}; after ${attempt} attempts no ${table} record with correlation_id ${correlationId} exists`, {
            status: e.status,
            details: { ...e.details, table, correlationId },
          });
        }
      }
    }
  }

  async function patch(table: string, sysId: string, fields: Record<string, unknown>, signal: AbortSignal | undefined, what: string): Promise<SnowRecord> {
    checkSysId(sysId);
    checkFields(fields, `update ${table} ${sysId}`);
    const hasJournal = Object.keys(fields).some((k) => JOURNAL.has(k));
    const res = await call<unknown>({
      method: "PATCH",
      url: tablePath(table, sysId),
      params: { sysparm_exclude_reference_link: true },
      data: fields,
      headers: { "Content-Type": "application/json" },
      // setting the same values again is harmless; appending a journal entry again is not
      retry: !hasJournal,
      signal,
      subject: `${what} ${table} ${sysId}`,
    });
    const record = flatten(resultOf(res, `${what} ${table} ${sysId}`));
    remember(table, record, fields);
    return record;
  }

  async function update(table: string, sysId: string, fields: Record<string, unknown>, o: { signal?: AbortSignal } = {}): Promise<SnowRecord> {
    if (Object.keys(fields ?? {}).length === 0) throw inputInvalid(`Nothing to update on ${table} ${sysId}: no fields given`);
    return patch(table, sysId, fields, o.signal, "PATCH");
  }

  async function addJournal(element: "comments" | "work_notes", table: string, sysId: string, text: string, signal?: AbortSignal): Promise<SnowRecord> {
    if (typeof text !== "string" || text.trim() === "") throw inputInvalid(`The ${element === "comments" ? "comment" : "work note"} is empty`);
    checkSysId(sysId);
    try {
      return await patch(table, sysId, { [element]: text }, signal, element === "comments" ? "add comment to" : "add work note to");
    } catch (err) {
      if (!uncertain(err)) throw err;
      // did it arrive? look for our own entry with the same text before sending again
      await sleep(backoffDelay(DEFAULT_RETRY, 1, "transient") + 250, signal);
      const recent = await queryPage("sys_journal_field", orderBy(andQuery(eq("element_id", sysId), eq("element", element), eq("sys_created_by", userName)), { field: "sys_created_on", desc: true }), {
        pageSize: 10,
        fields: ["sys_id", "value"],
        signal,
      });
      if (recent.records.some((r) => r.value === text)) return get(table, sysId, { signal });
      return patch(table, sysId, { [element]: text }, signal, element === "comments" ? "add comment to" : "add work note to");
    }
  }

  async function journalFor(sysIds: string[], o: { since?: string; elements?: string[]; signal?: AbortSignal } = {}): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    const ids = [...new Set(sysIds)].map((id) => checkSysId(id));
    // keep URLs short: at most 100 ids per query
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const q = orderBy(
        andQuery(
          chunk.length === 1 ? eq("element_id", chunk[0]) : condition("element_id", "IN", chunk),
          condition("element", "IN", o.elements ?? ["comments", "work_notes"]),
          o.since ? condition("sys_created_on", ">=", o.since) : undefined,
        ),
        "sys_created_on",
      );
      const rows = await query("sys_journal_field", q, { fields: ["sys_id", "element", "element_id", "name", "value", "sys_created_on", "sys_created_by"], signal: o.signal });
      out.push(...rows.map(toJournalEntry));
    }
    return sortJournal(out);
  }

  async function attachmentQuery(encodedQuery: string, o: QueryOptions = {}): Promise<AttachmentMeta[]> {
    const out: AttachmentMeta[] = [];
    const limit = Math.max(1, Math.min(10_000, o.pageSize ?? pageSize));
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const res = await call<unknown>({
        method: "GET",
        url: "/api/now/attachment",
        params: { sysparm_query: encodedQuery || undefined, sysparm_limit: limit, sysparm_offset: offset },
        signal: o.signal,
        subject: "GET attachment list",
      });
      const rows = resultOf<unknown[]>(res, "the attachment list");
      if (!Array.isArray(rows)) throw new CaseExchangeError("SNOW_BAD_RESPONSE", "ServiceNow answered the attachment list with a result that is not a list");
      out.push(...(rows.map(flatten) as AttachmentMeta[]));
      offset = nextPageOffset({ offset, limit, received: rows.length, headers: res.headers });
    }
    return out;
  }

  async function setState(table: string, sysId: string, state: string, what: string, o: CloseOptions = {}): Promise<SnowRecord> {
    const fields: Record<string, unknown> = { ...(o.fields ?? {}), state };
    if (o.closeCode !== undefined && o.closeCode !== "") fields.close_code = o.closeCode;
    if (o.closeNotes !== undefined && o.closeNotes !== "") fields.close_notes = o.closeNotes;
    const record = await patch(table, sysId, fields, o.signal, what);
    if (table === "incident" && record.state !== undefined && record.state !== state) {
      // the platform drops a state write it does not allow (closing without itil_admin) without an error
      throw new CaseExchangeError("SNOW_FORBIDDEN", `ServiceNow kept ${table} ${record.number || sysId} in state ${record.state} instead of ${state}: the user may lack the role for it (closing needs itil_admin)`, {
        status: 200,
        details: { table, sysId, state: record.state, wanted: state },
      });
    }
    return record;
  }

  return {
    url,
    userName,
    memo,
    stats,
    request: call,
    get,
    query,
    queryPage,
    create,
    update,
    async deleteRecord(table, sysId, o = {}) {
      checkSysId(sysId);
      await call({ method: "DELETE", url: tablePath(table, sysId), signal: o.signal, subject: `DELETE ${table} ${sysId}` });
    },
    addComment: (table, sysId, text, o = {}) => addJournal("comments", table, sysId, text, o.signal),
    addWorkNote: (table, sysId, text, o = {}) => addJournal("work_notes", table, sysId, text, o.signal),
    journal: (_table, sysId, o = {}) => journalFor([checkSysId(sysId)], o),
    journalFor,
    attachments: (table, sysId, o = {}) => attachmentQuery(orderBy(andQuery(eq("table_name", checkTable(table)), eq("table_sys_id", checkSysId(sysId))), "sys_created_on"), o),
    attachmentQuery,
    async download(attachmentSysId, o = {}) {
      checkSysId(attachmentSysId, "attachment sys_id");
      const res = await call<ArrayBuffer>({
        method: "GET",
        url: `/api/now/attachment/${attachmentSysId}/file`,
        headers: { Accept: "*/*" },
        responseType: "arraybuffer",
        signal: o.signal,
        subject: `GET attachment ${attachmentSysId}`,
      });
      let meta: Record<string, unknown> | undefined;
      try {
        meta = res.headers["x-attachment-metadata"] ? (JSON.parse(res.headers["x-attachment-metadata"]) as Record<string, unknown>) : undefined;
      } catch {
        meta = undefined;
      }
      return {
        content: Buffer.from(res.data),
        contentType: res.headers["content-type"] ?? "application/octet-stream",
        fileName: typeof meta?.file_name === "string" ? meta.file_name : undefined,
        meta,
      };
    },
    async upload(table, sysId, fileName, content, contentType = "application/octet-stream", o = {}) {
      checkTable(table);
      checkSysId(sysId);
      if (!fileName || typeof fileName !== "string") throw inputInvalid("The attachment needs a file name");
      if (!Buffer.isBuffer(content)) throw inputInvalid("The attachment content must be a Buffer (or base64 text converted to one)");
      const res = await call<unknown>({
        method: "POST",
        url: "/api/now/attachment/file",
        params: { table_name: table, table_sys_id: sysId, file_name: fileName },
        data: content,
        headers: { "Content-Type": contentType || "application/octet-stream" },
        retry: false,
        signal: o.signal,
        subject: `upload ${fileName} to ${table} ${sysId}`,
      });
      return flatten(resultOf(res, `the upload of ${fileName}`)) as AttachmentMeta;
    },
    async deleteAttachment(attachmentSysId, o = {}) {
      checkSysId(attachmentSysId, "attachment sys_id");
      await call({ method: "DELETE", url: `/api/now/attachment/${attachmentSysId}`, signal: o.signal, subject: `DELETE attachment ${attachmentSysId}` });
    },
    async resolve(table, sysId, o) {
      if (!o?.closeCode || !o.closeNotes) throw inputInvalid(`Resolving ${table} ${sysId} needs a close code and close notes (ServiceNow requires both)`);
      return setState(table, sysId, "6", "resolve", o);
    },
    close: (table, sysId, o = {}) => setState(table, sysId, "7", "close", o),
    cancel: (table, sysId, o = {}) => setState(table, sysId, "8", "cancel", o),
    findByCorrelation,
  };
}
