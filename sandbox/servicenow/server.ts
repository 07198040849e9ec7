/**
 * The HTTP face of the ServiceNow simulator: Table API, Attachment API,
 * /oauth_token.do, basic/bearer auth, ACLs, rate limiting, fault injection,
 * and the /_sandbox control API.
 */
import type * as http from "node:http";
import { randomBytes } from "node:crypto";
import type { SimClock } from "../common/clock";
import type { FaultInjector, FaultRule } from "../common/faults";
import { delay, readBody, sendJson, sendText } from "../common/http";
import { SnowError, type Row, type SnowStore } from "./store";

export interface Account {
  user_name: string;
  password: string;
  roles: string[];
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  user?: string;
  status: number;
}

export interface RateLimit {
  requests: number;
  perMs: number;
}

export interface AgentActions {
  run(action: string, body: Record<string, unknown>): unknown;
}

interface Token {
  user: string;
  clientId: string;
  expiresAt: number;
}

const NOT_AUTHENTICATED = { message: "User Not Authenticated", detail: "Required to provide Auth information" };
const NO_RECORD = "Record doesn't exist or ACL restricts the record retrieval";

function errorBody(message: string, detail: string | null): unknown {
  return { error: { message, detail }, status: "failure" };
}

function sendError(res: http.ServerResponse, status: number, message: string, detail: string | null, headers: Record<string, string> = {}): void {
  sendJson(res, status, errorBody(message, detail), headers);
}

function bool(v: string | null): boolean {
  return v === "true" || v === "1";
}

export class SnowServer {
  readonly accounts = new Map<string, Account>();
  readonly oauthClients = new Map<string, string>();
  private readonly accessTokens = new Map<string, Token>();
  private readonly refreshTokens = new Map<string, Token>();
  readonly requests: RequestRecord[] = [];
  rateLimit: RateLimit | undefined;
  private rateWindow = { start: -1, counts: new Map<string, number>() };
  /** table → roles that may read / write, overriding the schema's. */
  readonly tableRoles = new Map<string, { read?: string[]; write?: string[] }>();
  baseUrl = "";

  constructor(
    private readonly store: SnowStore,
    private readonly clock: SimClock,
    private readonly faults: FaultInjector,
    private readonly agentActions: AgentActions,
    readonly options: { accessTokenTtlMs: number; refreshTokenTtlMs: number; attachmentMaxBytes: number },
  ) {}

  // ---------------------------------------------------------------- tokens and roles

  revokeTokens(includeRefresh = false): void {
    for (const t of this.accessTokens.values()) t.expiresAt = -Infinity;
    if (includeRefresh) for (const t of this.refreshTokens.values()) t.expiresAt = -Infinity;
  }

  rolesOf(user: string): string[] {
    return this.accounts.get(user)?.roles ?? [];
  }

  canRead(user: string, table: string): boolean {
    const roles = this.rolesOf(user);
    if (roles.includes("admin")) return true;
    const def = this.store.def(table);
    const allowed = this.tableRoles.get(table)?.read ?? def.readRoles;
    return allowed.length === 0 || allowed.some((r) => roles.includes(r)) || roles.includes("snc_read_only");
  }

  canWrite(user: string, table: string): boolean {
    const roles = this.rolesOf(user);
    if (roles.includes("snc_read_only")) return false;
    if (roles.includes("admin")) return true;
    const def = this.store.def(table);
    const allowed = this.tableRoles.get(table)?.write ?? def.writeRoles;
    return allowed.some((r) => roles.includes(r));
  }

  // ---------------------------------------------------------------- entry point

  handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof SnowError) sendError(res, err.status, err.message, err.detail);
      else sendError(res, 500, "Internal server error", err instanceof Error ? err.message : String(err));
    });
  };

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname.startsWith("/_sandbox")) return this.control(req, res, url, method);

    const record: RequestRecord = { method, path: url.pathname, query: url.search.replace(/^\?/, ""), status: 0 };
    this.requests.push(record);
    res.on("finish", () => {
      record.status = res.statusCode;
    });

    const decision = this.faults.decide(method, url.pathname);
    if (decision.latencyMs > 0) await delay(decision.latencyMs);
    if (decision.reset) {
      req.socket.destroy();
      return;
    }
    if (decision.respond) {
      const { status, body } = decision.respond;
      if (typeof body === "string") sendText(res, status, body, "text/html");
      else sendJson(res, status, body);
      return;
    }
    if (decision.hang) {
      // the client never hears back; with `process` the request still takes effect
      if (decision.hang.process) {
        const sink = new Proxy(res, {
          get: (target, prop) => {
            if (prop === "writeHead" || prop === "end" || prop === "setHeader" || prop === "write") return () => sink;
            if (prop === "headersSent") return false;
            const v = Reflect.get(target, prop, target);
            return typeof v === "function" ? v.bind(target) : v;
          },
        });
        await this.route(req, sink, url, method, record).catch(() => undefined);
      }
      return;
    }
    await this.route(req, res, url, method, record);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, record: RequestRecord): Promise<void> {
    const path = url.pathname.replace(/^\/api\/now\/v[12]\//, "/api/now/");
    if (path === "/oauth_token.do") {
      if (method !== "POST") return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
      return this.oauthToken(req, res);
    }
    if (!path.startsWith("/api/")) return sendError(res, 400, "Requested URI does not represent any resource", null);

    const user = this.authenticate(req);
    if (!user) {
      const basic = /^basic /i.test(req.headers.authorization ?? "") || !req.headers.authorization;
      return sendError(res, 401, NOT_AUTHENTICATED.message, NOT_AUTHENTICATED.detail, basic ? { "WWW-Authenticate": 'BASIC realm="Service-now"' } : {});
    }
    record.user = user;
    if (!this.checkRate(user, res)) return;

    const table = /^\/api\/now\/table\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
    if (table) return this.tableApi(req, res, url, method, user, decodeURIComponent(table[1]), table[2] && decodeURIComponent(table[2]));
    const att = /^\/api\/now\/attachment(?:\/([^/]+))?(?:\/(file))?\/?$/.exec(path);
    if (att) return this.attachmentApi(req, res, url, method, user, att[1], att[2]);
    return sendError(res, 400, "Requested URI does not represent any resource", null);
  }

  // ---------------------------------------------------------------- auth

  private authenticate(req: http.IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? "";
    const basic = /^basic\s+(.+)$/i.exec(header);
    if (basic) {
      const text = Buffer.from(basic[1], "base64").toString("utf8");
      const i = text.indexOf(":");
      if (i < 0) return undefined;
      const account = this.accounts.get(text.slice(0, i));
      if (!account || account.password !== text.slice(i + 1) || !this.active(account.user_name)) return undefined;
      return account.user_name;
    }
    const bearer = /^bearer\s+(.+)$/i.exec(header);
    if (bearer) {
      const token = this.accessTokens.get(bearer[1].trim());
      if (!token || token.expiresAt <= this.clock.now() || !this.active(token.user)) return undefined;
      return token.user;
    }
    return undefined;
  }

  private active(userName: string): boolean {
    const row = this.store.query("sys_user", `user_name=${userName.replace(/\^/g, "^^")}`)[0];
    return !row || (row.active !== "false" && row.locked_out !== "true");
  }

  private async oauthToken(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const denied = () => sendJson(res, 401, { error_description: "access_denied", error: "server_error" });
    const form = new URLSearchParams((await readBody(req, 1024 * 1024)).toString("utf8"));
    let clientId = form.get("client_id") ?? "";
    let clientSecret = form.get("client_secret") ?? "";
    const basic = /^basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (basic && !clientId) {
      const [id, ...rest] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      clientId = id;
      clientSecret = rest.join(":");
    }
    const grant = form.get("grant_type");
    if (grant !== "password" && grant !== "refresh_token") {
      return sendJson(res, 400, { error_description: "access_denied", error: "unsupported_grant_type" });
    }
    if (!clientId || this.oauthClients.get(clientId) !== clientSecret) return denied();
    let user: string;
    let refresh: string;
    const now = this.clock.now();
    if (grant === "password") {
      const account = this.accounts.get(form.get("username") ?? "");
      if (!account || account.password !== form.get("password") || !this.active(account.user_name)) return denied();
      user = account.user_name;
      refresh = randomBytes(32).toString("base64url");
      this.refreshTokens.set(refresh, { user, clientId, expiresAt: now + this.options.refreshTokenTtlMs });
    } else {
      refresh = form.get("refresh_token") ?? "";
      const token = this.refreshTokens.get(refresh);
      if (!token || token.clientId !== clientId || token.expiresAt <= now || !this.active(token.user)) return denied();
      user = token.user;
    }
    const access = randomBytes(32).toString("base64url");
    this.accessTokens.set(access, { user, clientId, expiresAt: now + this.options.accessTokenTtlMs });
    sendJson(res, 200, {
      access_token: access,
      refresh_token: refresh,
      scope: "useraccount",
      token_type: "Bearer",
      expires_in: Math.max(1, Math.floor(this.options.accessTokenTtlMs / 1000) - 1),
    });
  }

  private checkRate(user: string, res: http.ServerResponse): boolean {
    const limit = this.rateLimit;
    if (!limit || !(limit.requests >= 0) || !(limit.perMs > 0)) return true;
    const now = this.clock.now();
    const start = Math.floor(now / limit.perMs) * limit.perMs;
    if (start !== this.rateWindow.start) this.rateWindow = { start, counts: new Map() };
    const count = (this.rateWindow.counts.get(user) ?? 0) + 1;
    this.rateWindow.counts.set(user, count);
    const reset = start + limit.perMs;
    const headers = {
      "X-RateLimit-Limit": String(limit.requests),
      "X-RateLimit-Reset": String(Math.ceil(reset / 1000)),
      "X-RateLimit-Rule": "sandbox0000000000000000000000rate",
    };
    if (count <= limit.requests) {
      res.setHeader("X-RateLimit-Limit", headers["X-RateLimit-Limit"]);
      res.setHeader("X-RateLimit-Reset", headers["X-RateLimit-Reset"]);
      return true;
    }
    const retryAfter = Math.max(1, Math.ceil((reset - now) / 1000));
    sendError(res, 429, "Too Many Requests", `Rate limit of ${limit.requests} requests per ${limit.perMs} ms exceeded for user ${user}`, {
      ...headers,
      "Retry-After": String(retryAfter),
    });
    return false;
  }

  // ---------------------------------------------------------------- Table API

  private async jsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
    const text = (await readBody(req, 16 * 1024 * 1024)).toString("utf8");
    if (text.trim() === "") throw new SnowError(400, "Exception while reading request", "The payload is not valid JSON.");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new SnowError(400, "Exception while reading request", "The payload is not valid JSON.");
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new SnowError(400, "Exception while reading request", "The payload is not a JSON object.");
    return body as Record<string, unknown>;
  }

  private async tableApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, user: string, table: string, sysId?: string): Promise<void> {
    if (!this.store.has(table)) return sendError(res, 400, `Invalid table ${table}`, null);
    const p = url.searchParams;
    const view = {
      fields: p.get("sysparm_fields") ? p.get("sysparm_fields")!.split(",").map((f) => f.trim()).filter(Boolean) : undefined,
      display: (p.get("sysparm_display_value") ?? "false").toLowerCase(),
      excludeLink: bool(p.get("sysparm_exclude_reference_link")),
    };
    const writeOpts = { enforce: true, roles: this.rolesOf(user), inputDisplayValue: bool(p.get("sysparm_input_display_value")) };

    if (!sysId) {
      if (method === "GET") {
        const rows = this.canRead(user, table) ? this.store.query(table, p.get("sysparm_query") ?? undefined) : [];
        return this.sendList(res, url, rows, (row) => this.serialize(table, row, view), p);
      }
      if (method === "POST") {
        if (!this.canWrite(user, table) || table === "sys_attachment") return sendError(res, 403, "Operation Failed", "ACL Exception Insert Failed due to security constraints");
        const body = await this.jsonBody(req);
        const row = this.store.insert(table, body, user, writeOpts);
        return sendJson(res, 201, { result: this.serialize(table, row, view) }, { Location: `${this.baseUrl}/api/now/table/${table}/${row.sys_id}` });
      }
      return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
    }

    const found = this.store.find(table, sysId);
    const readable = found && this.canRead(user, found.table);
    if (method === "GET") {
      if (!found || !readable) return sendError(res, 404, "No Record found", NO_RECORD);
      return sendJson(res, 200, { result: this.serialize(table, found.row, view) });
    }
    if (method === "PUT" || method === "PATCH") {
      const body = await this.jsonBody(req);
      if (!found || !readable) return sendError(res, 404, "No Record found", NO_RECORD);
      if (!this.canWrite(user, found.table)) return sendError(res, 403, "Operation Failed", "ACL Exception Update Failed due to security constraints");
      const row = this.store.update(found.table, sysId, body, user, writeOpts);
      return sendJson(res, 200, { result: this.serialize(table, row, view) });
    }
    if (method === "DELETE") {
      if (!found || !readable) return sendError(res, 404, "No Record found", NO_RECORD);
      if (!this.canWrite(user, found.table)) return sendError(res, 403, "Operation Failed", "ACL Exception Delete Failed due to security constraints");
      this.store.delete(found.table, sysId);
      res.writeHead(204);
      res.end();
      return;
    }
    return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
  }

  /** Sends a page of a list with X-Total-Count and Link headers as the platform does. */
  private sendList(res: http.ServerResponse, url: URL, rows: Row[], map: (row: Row) => unknown, p: URLSearchParams): void {
    const total = rows.length;
    const limitParam = Number.parseInt(p.get("sysparm_limit") ?? "", 10);
    const limit = Number.isFinite(limitParam) && limitParam > 0 ? limitParam : 10000;
    const offsetParam = Number.parseInt(p.get("sysparm_offset") ?? "", 10);
    const offset = Number.isFinite(offsetParam) && offsetParam > 0 ? offsetParam : 0;
    const page = rows.slice(offset, offset + limit).map(map);
    const headers: Record<string, string> = {};
    if (!bool(p.get("sysparm_no_count"))) headers["X-Total-Count"] = String(total);
    if (!bool(p.get("sysparm_suppress_pagination_header"))) {
      const link = (o: number, rel: string) => {
        const q = new URLSearchParams(url.searchParams);
        q.set("sysparm_limit", String(limit));
        q.set("sysparm_offset", String(o));
        return `<${this.baseUrl}${url.pathname}?${q.toString()}>;rel="${rel}"`;
      };
      const links = [link(0, "first")];
      if (offset > 0) links.push(link(Math.max(0, offset - limit), "prev"));
      if (offset + limit < total) links.push(link(offset + limit, "next"));
      links.push(link(total > 0 ? Math.floor((total - 1) / limit) * limit : 0, "last"));
      headers.Link = links.join(",");
    }
    sendJson(res, 200, { result: page }, headers);
  }

  /** A record as the Table API returns it, honouring sysparm_fields / display_value / exclude_reference_link. */
  serialize(table: string, row: Row, view: { fields?: string[]; display: string; excludeLink: boolean }): Record<string, unknown> {
    const realTable = table === "task" ? "task" : row.sys_class_name || table;
    const def = this.store.def(realTable);
    const out: Record<string, unknown> = {};
    for (const field of view.fields ?? def.fields) {
      const leaf = this.walk(realTable, row, field);
      if (!leaf) continue;
      const leafDef = this.store.def(leaf.table);
      // journal fields always read back empty; their text is only in display values
      const journal = leafDef.journal.includes(leaf.field) || leaf.field === "comments_and_work_notes";
      const value = journal ? "" : (leaf.row?.[leaf.field] ?? "");
      const display = () => (leaf.row ? this.store.displayValue(leaf.table, leaf.row, leaf.field) : "");
      const target = leafDef.references[leaf.field];
      const link = target && value !== "" && !view.excludeLink ? `${this.baseUrl}/api/now/table/${target}/${value}` : undefined;
      if (view.display === "true") out[field] = link ? { display_value: display(), link } : display();
      else if (view.display === "all") out[field] = link ? { display_value: display(), link, value } : { display_value: display(), value };
      else out[field] = link ? { link, value } : value;
    }
    return out;
  }

  /** Follows a dot-walked field to the record and field it names. */
  private walk(table: string, row: Row | undefined, path: string): { table: string; row: Row | undefined; field: string } | undefined {
    const def = this.store.tables.get(table);
    if (!def) return undefined;
    const dot = path.indexOf(".");
    if (dot < 0) return this.store.hasField(table, path) ? { table, row, field: path } : undefined;
    const head = path.slice(0, dot);
    const target = def.references[head];
    if (!target) return undefined;
    const ref = row && row[head] ? this.store.find(target, row[head]) : undefined;
    return this.walk(ref?.table ?? target, ref?.row, path.slice(dot + 1));
  }

  // ---------------------------------------------------------------- Attachment API

  attachmentMeta(row: Row): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.store.def("sys_attachment").fields) out[f] = row[f] ?? "";
    out.download_link = `${this.baseUrl}/api/now/attachment/${row.sys_id}/file`;
    return out;
  }

  private async attachmentApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, user: string, id?: string, file?: string): Promise<void> {
    const p = url.searchParams;
    if (id === "file" && !file) {
      if (method !== "POST") return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
      return this.upload(req, res, user, p.get("table_name") ?? "", p.get("table_sys_id") ?? "", p.get("file_name") ?? "", req.headers["content-type"] ?? "application/octet-stream");
    }
    if (id === "upload" && !file) {
      if (method !== "POST") return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
      return this.multipartUpload(req, res, user);
    }
    if (!id) {
      if (method !== "GET") return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
      const rows = this.store.query("sys_attachment", p.get("sysparm_query") ?? undefined).filter((r) => this.attachmentReadable(user, r));
      return this.sendList(res, url, rows, (r) => this.attachmentMeta(r), p);
    }
    const row = this.store.get("sys_attachment", id);
    if (!row || !this.attachmentReadable(user, row)) return sendError(res, 404, "Record doesn't exist or ACL restricts the record retrieval", null);
    if (file) {
      if (method !== "GET") return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
      const content = this.store.attachmentContent.get(id) ?? Buffer.alloc(0);
      return sendText(res, 200, content, row.content_type || "application/octet-stream", { "X-Attachment-Metadata": JSON.stringify(this.attachmentMeta(row)) });
    }
    if (method === "GET") return sendJson(res, 200, { result: this.attachmentMeta(row) });
    if (method === "DELETE") {
      if (!this.canWrite(user, row.table_name || "sys_attachment")) return sendError(res, 403, "Operation Failed", "ACL Exception Delete Failed due to security constraints");
      this.store.delete("sys_attachment", id);
      res.writeHead(204);
      res.end();
      return;
    }
    return sendError(res, 405, "Method not Supported", "The requested method is not supported by the resource");
  }

  private attachmentReadable(user: string, row: Row): boolean {
    if (!this.canRead(user, "sys_attachment")) return false;
    return !row.table_name || !this.store.has(row.table_name) || this.canRead(user, row.table_name);
  }

  private tooLarge(res: http.ServerResponse): void {
    sendError(res, 400, "Failed to create the attachment. File part might be too large.", null, { Connection: "close" });
  }

  private async readUpload(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | undefined> {
    const max = this.options.attachmentMaxBytes;
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (Number.isFinite(declared) && declared > max + 64 * 1024 && req.headers["content-type"]?.startsWith("multipart/")) {
      this.tooLarge(res);
      return undefined;
    }
    if (Number.isFinite(declared) && declared > max && !req.headers["content-type"]?.startsWith("multipart/")) {
      this.tooLarge(res);
      req.resume();
      return undefined;
    }
    try {
      return await readBody(req, max + 64 * 1024);
    } catch {
      if (!res.headersSent) this.tooLarge(res);
      return undefined;
    }
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, user: string, table: string, tableSysId: string, fileName: string, contentType: string, content?: Buffer): Promise<void> {
    if (!table || !tableSysId || !fileName) {
      req.resume();
      const missing = !table ? "table_name" : !tableSysId ? "table_sys_id" : "file_name";
      return sendError(res, 400, `Missing parameter: ${missing}`, null);
    }
    if (!this.store.has(table)) {
      req.resume();
      return sendError(res, 400, `Invalid table ${table}`, null);
    }
    const target = this.store.find(table, tableSysId);
    if (!target || !this.canRead(user, target.table)) {
      req.resume();
      return sendError(res, 400, "Invalid table_sys_id", `Record ${tableSysId} does not exist in table ${table} or ACL restricts its retrieval`);
    }
    if (!this.canWrite(user, target.table) || !this.canWrite(user, "sys_attachment")) {
      req.resume();
      return sendError(res, 403, "Operation Failed", "ACL Exception Insert Failed due to security constraints");
    }
    const body = content ?? (await this.readUpload(req, res));
    if (!body) return;
    if (body.length > this.options.attachmentMaxBytes) return this.tooLarge(res);
    const row = this.store.addAttachment(table, tableSysId, fileName, contentType, body, user);
    sendJson(res, 201, { result: this.attachmentMeta(row) }, { Location: `${this.baseUrl}/api/now/attachment/${row.sys_id}` });
  }

  /** POST /api/now/attachment/upload: multipart/form-data with table_name, table_sys_id, then the file part. */
  private async multipartUpload(req: http.IncomingMessage, res: http.ServerResponse, user: string): Promise<void> {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers["content-type"] ?? "");
    if (!m) return sendError(res, 400, "Failed to create the attachment. Request body is not multipart/form-data.", null);
    const body = await this.readUpload(req, res);
    if (!body) return;
    const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
    const fields: Record<string, string> = {};
    let file: { name: string; type: string; data: Buffer } | undefined;
    let pos = body.indexOf(boundary);
    while (pos >= 0) {
      const start = pos + boundary.length;
      if (body.subarray(start, start + 2).toString() === "--") break;
      const headerEnd = body.indexOf("\r\n\r\n", start);
      if (headerEnd < 0) break;
      const next = body.indexOf(boundary, headerEnd + 4);
      if (next < 0) break;
      const headers = body.subarray(start + 2, headerEnd).toString("utf8");
      const data = body.subarray(headerEnd + 4, next - 2);
      const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? "";
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (filename !== undefined && !file) file = { name: filename, type: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? "application/octet-stream", data: Buffer.from(data) };
      else if (filename === undefined) fields[name] = data.toString("utf8");
      pos = next;
    }
    if (!file) return sendError(res, 400, "Failed to create the attachment. File part might be missing in the request.", null);
    return this.upload(req, res, user, fields.table_name ?? "", fields.table_sys_id ?? "", file.name, fields["Content-Type"] || file.type, file.data);
  }

  // ---------------------------------------------------------------- control API

  private async control(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string): Promise<void> {
    const path = url.pathname.replace(/\/+$/, "");
    const body = async (): Promise<Record<string, unknown>> => {
      const text = (await readBody(req, 64 * 1024 * 1024)).toString("utf8");
      if (!text.trim()) return {};
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
    };
    try {
      if (path === "/_sandbox" && method === "GET") {
        return sendJson(res, 200, {
          url: this.baseUrl,
          now: this.clock.now(),
          now_glide: this.store.now(),
          users: [...this.accounts.values()].map((a) => ({ user_name: a.user_name, roles: a.roles })),
          oauth_clients: [...this.oauthClients.keys()],
          rate_limit: this.rateLimit ?? null,
          faults: this.faults.list(),
          requests: this.requests.length,
        });
      }
      const agent = /^\/_sandbox\/agent\/([a-z_]+)$/.exec(path);
      if (agent && method === "POST") return sendJson(res, 200, { result: (await this.agentActions.run(agent[1], await body())) ?? null });
      if (path === "/_sandbox/faults") {
        if (method === "GET") return sendJson(res, 200, { result: this.faults.list() });
        if (method === "DELETE") {
          this.faults.clear();
          return sendJson(res, 200, { result: [] });
        }
        if (method === "POST") {
          const b = await body();
          const rules = (Array.isArray(b.rules) ? b.rules : [b]) as FaultRule[];
          for (const rule of rules) {
            if (!["latency", "status", "timeout", "reset"].includes(rule.kind)) return sendError(res, 400, "Invalid fault rule", "kind must be latency, status, timeout or reset");
            this.faults.add(rule);
          }
          return sendJson(res, 200, { result: this.faults.list() });
        }
      }
      if (path === "/_sandbox/clock" && method === "GET") return sendJson(res, 200, { result: { now: this.clock.now(), glide: this.store.now() } });
      if (path === "/_sandbox/clock/advance" && method === "POST") {
        const b = await body();
        const ms = Number(b.ms ?? 0) + Number(b.seconds ?? 0) * 1000;
        this.clock.advance(ms);
        return sendJson(res, 200, { result: { now: this.clock.now(), glide: this.store.now() } });
      }
      if (path === "/_sandbox/rate-limit") {
        if (method === "DELETE") this.rateLimit = undefined;
        else if (method === "PUT" || method === "POST") {
          const b = await body();
          this.rateLimit = b.requests === undefined || b.requests === null ? undefined : { requests: Number(b.requests), perMs: Number(b.perMs ?? 3_600_000) };
        }
        return sendJson(res, 200, { result: this.rateLimit ?? null });
      }
      if (path === "/_sandbox/revoke-tokens" && method === "POST") {
        const b = await body();
        this.revokeTokens(b.refresh === true);
        return sendJson(res, 200, { result: "revoked" });
      }
      if (path === "/_sandbox/requests") {
        if (method === "DELETE") this.requests.length = 0;
        return sendJson(res, 200, { result: this.requests });
      }
      const roles = /^\/_sandbox\/users\/([^/]+)\/roles$/.exec(path);
      if (roles && (method === "PUT" || method === "POST")) {
        const account = this.accounts.get(decodeURIComponent(roles[1]));
        if (!account) return sendError(res, 404, "No Record found", "no such user");
        const b = await body();
        account.roles = Array.isArray(b.roles) ? b.roles.map(String) : [];
        return sendJson(res, 200, { result: { user_name: account.user_name, roles: account.roles } });
      }
      const journal = /^\/_sandbox\/journal\/([0-9a-f]{32})$/.exec(path);
      if (journal && method === "GET") return sendJson(res, 200, { result: this.store.journalEntries(journal[1]) });
      const atts = /^\/_sandbox\/attachments\/([0-9a-f]{32})$/.exec(path);
      if (atts && method === "GET") {
        const list = this.store.query("sys_attachment", `table_sys_id=${atts[1]}`).map((r) => ({ ...this.attachmentMeta(r), content_base64: (this.store.attachmentContent.get(r.sys_id) ?? Buffer.alloc(0)).toString("base64") }));
        return sendJson(res, 200, { result: list });
      }
      const tbl = /^\/_sandbox\/tables\/([a-z0-9_]+)(?:\/([0-9a-f]{32}))?$/.exec(path);
      if (tbl) {
        const [, table, id] = tbl;
        if (!this.store.has(table)) return sendError(res, 400, `Invalid table ${table}`, null);
        if (!id && method === "GET") return sendJson(res, 200, { result: this.store.query(table, url.searchParams.get("query") ?? undefined) });
        if (!id && method === "POST") {
          const b = await body();
          return sendJson(res, 201, { result: this.store.insert(table, (b.fields ?? b) as Record<string, unknown>, String(b.user ?? "system")) });
        }
        if (id && method === "GET") {
          const row = this.store.get(table, id);
          return row ? sendJson(res, 200, { result: row }) : sendError(res, 404, "No Record found", NO_RECORD);
        }
        if (id && (method === "PATCH" || method === "PUT")) {
          const b = await body();
          return sendJson(res, 200, { result: this.store.update(table, id, (b.fields ?? b) as Record<string, unknown>, String(b.user ?? "system")) });
        }
      }
      return sendError(res, 404, "Unknown sandbox control route", `${method} ${path}`);
    } catch (err) {
      if (err instanceof SnowError) return sendError(res, err.status, err.message, err.detail);
      if (err instanceof SyntaxError) return sendError(res, 400, "Invalid JSON", err.message);
      return sendError(res, 400, err instanceof Error ? err.message : String(err), null);
    }
  }
}
