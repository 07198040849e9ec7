/**
 * ServiceNow REST API simulator: Table API, Attachment API, OAuth token
 * endpoint, basic auth, ACLs, data policies, journal fields, paging headers,
 * rate limiting and fault injection, plus a control API under /_sandbox.
 * See README.md beside this file.
 */
import { SimClock } from "../common/clock";
import { FaultInjector } from "../common/faults";
import { listen } from "../common/http";
import { SnowServer, type RateLimit, type RequestRecord } from "./server";
import { SnowError, SnowStore, type Row } from "./store";

export { SnowError } from "./store";
export { INCIDENT_STATES, CHANGE_STATES, RITM_STATES } from "./schema";

export interface SnowUser {
  user_name: string;
  password: string;
  roles?: string[];
  email?: string;
  name?: string;
}

export interface SnowSandboxOptions {
  port?: number;
  clock?: SimClock;
  /** Default: integration/integration-pass [itil, itil_admin]; agent.smith/agent-pass [itil]; cab.approver/approver-pass and cab.deputy/deputy-pass [approver_user]. */
  users?: SnowUser[];
  /** Default [{client_id: "case-exchange", client_secret: "oauth-secret"}]. */
  oauthClients?: Array<{ client_id: string; client_secret: string }>;
  /** Access token lifespan, default 1_800_000 (30 min, as the platform). */
  accessTokenTtlMs?: number;
  /** Refresh token lifespan, default 8_640_000_000 (100 days, as the platform). */
  refreshTokenTtlMs?: number;
  /** Over `requests` per user in a fixed window of `perMs` → 429 with Retry-After (seconds). */
  rateLimit?: RateLimit;
  /** Largest attachment accepted (com.glide.attachment.max_size-like), default 25 MB. */
  attachmentMaxBytes?: number;
  /** sys_user_group names created at start. */
  groups?: string[];
  /** Extra fields per table (u_… columns an instance adds). */
  customFields?: Record<string, string[]>;
  /** Override the roles that may read/write a table (any one role grants; admin always). */
  tableRoles?: Record<string, { read?: string[]; write?: string[] }>;
  /** glide.invalid_query.returns_no_rows (default false: conditions on unknown fields are ignored, as the platform does). */
  invalidQueryReturnsNoRows?: boolean;
}

export interface SnowAgent {
  readonly userName: string;
  createIncident(fields: Record<string, unknown>): Record<string, string>;
  create(table: string, fields: Record<string, unknown>): Record<string, string>;
  update(table: string, sysId: string, fields: Record<string, unknown>): Record<string, string>;
  /** Customer-visible additional comment. */
  comment(table: string, sysId: string, text: string): void;
  /** Private work note. */
  workNote(table: string, sysId: string, text: string): void;
  attach(table: string, sysId: string, fileName: string, content: Buffer, contentType?: string): Record<string, string>;
  /** Sets a sysapproval_approver record to approved (with optional comments). */
  approve(approvalSysId: string, comments?: string): void;
  /** Sets a sysapproval_approver record to rejected with comments. */
  reject(approvalSysId: string, comments: string): void;
}

export interface SnowTable {
  insert(rec: Record<string, unknown>, asUser?: string): Record<string, string>;
  get(sysId: string): Record<string, string> | undefined;
  query(encodedQuery?: string): Record<string, string>[];
  update(sysId: string, fields: Record<string, unknown>, asUser?: string): Record<string, string>;
  delete(sysId: string): void;
}

export interface SnowSandbox {
  /** Instance base URL, http://127.0.0.1:PORT */
  url: string;
  clock: SimClock;
  faults: FaultInjector;
  /** Act as a service-desk user other than the integration user (default "agent.smith"). */
  agent(userName?: string): SnowAgent;
  /** Direct table access for test setup/inspection (bypasses auth and data policies, still maintains sys fields). */
  table(name: string): SnowTable;
  journal(sysId: string): Array<{ element: string; value: string; sys_created_by: string; sys_created_on: string; sys_id: string; name: string; element_id: string }>;
  attachments(sysId: string): Array<{ sys_id: string; file_name: string; size_bytes: string; content_type: string; sys_created_by: string; sys_created_on: string; table_name: string; content: Buffer }>;
  /** Every API call (Table, Attachment, OAuth), in order; `status` is 0 while unanswered. */
  requests: RequestRecord[];
  /** Forces OAuth access tokens (and refresh tokens too when asked) to expire. */
  revokeTokens(includeRefresh?: boolean): void;
  /** Replaces the rate limit (undefined: none). */
  setRateLimit(limit: RateLimit | undefined): void;
  /** Replaces a user's roles (e.g. ["snc_read_only"] to make them read-only). */
  setRoles(userName: string, roles: string[]): void;
  /** sys_id of a group by name, of a user by user_name. */
  groupId(name: string): string;
  userId(userName: string): string;
  close(): Promise<void>;
}

export const DEFAULT_USERS: SnowUser[] = [
  { user_name: "integration", password: "integration-pass", roles: ["itil", "itil_admin"], name: "Integration User", email: "integration@client.example" },
  { user_name: "agent.smith", password: "agent-pass", roles: ["itil"], name: "Agent Smith", email: "agent.smith@client.example" },
  { user_name: "cab.approver", password: "approver-pass", roles: ["approver_user"], name: "CAB Approver", email: "cab.approver@client.example" },
  { user_name: "cab.deputy", password: "deputy-pass", roles: ["approver_user"], name: "CAB Deputy", email: "cab.deputy@client.example" },
];

export const DEFAULT_GROUPS = ["Service Desk", "Ensono", "Network", "AWS-111111111111", "AWS-222222222222"];

export async function startSnowSandbox(options: SnowSandboxOptions = {}): Promise<SnowSandbox> {
  const clock = options.clock ?? new SimClock();
  const faults = new FaultInjector();
  let baseUrl = "";
  const store = new SnowStore(clock, () => baseUrl, options.customFields);
  store.invalidQueryReturnsNoRows = options.invalidQueryReturnsNoRows ?? false;

  const agentFor = (userName = "agent.smith"): SnowAgent => {
    const opts = () => ({ enforce: true, roles: server.rolesOf(userName) });
    const mustExist = (table: string, sysId: string) => {
      if (!store.find(table, sysId)) throw new SnowError(404, "No Record found", `${table} ${sysId} does not exist`);
    };
    return {
      userName,
      createIncident: (fields) => store.insert("incident", fields, userName, opts()),
      create: (table, fields) => store.insert(table, fields, userName, opts()),
      update: (table, sysId, fields) => store.update(table, sysId, fields, userName, opts()),
      comment: (table, sysId, text) => {
        mustExist(table, sysId);
        store.update(table, sysId, { comments: text }, userName, opts());
      },
      workNote: (table, sysId, text) => {
        mustExist(table, sysId);
        store.update(table, sysId, { work_notes: text }, userName, opts());
      },
      attach: (table, sysId, fileName, content, contentType = "application/octet-stream") => {
        const found = store.find(table, sysId);
        if (!found) throw new SnowError(404, "No Record found", `${table} ${sysId} does not exist`);
        if (content.length > server.options.attachmentMaxBytes) throw new SnowError(400, "Failed to create the attachment. File part might be too large.", null);
        const row = store.addAttachment(found.table, sysId, fileName, contentType, content, userName);
        return server.attachmentMeta(row);
      },
      approve: (approvalSysId, comments) => {
        store.update("sysapproval_approver", approvalSysId, { state: "approved", ...(comments ? { comments } : {}) }, userName, opts());
      },
      reject: (approvalSysId, comments) => {
        store.update("sysapproval_approver", approvalSysId, { state: "rejected", comments }, userName, opts());
      },
    };
  };

  const agentActions = {
    run(action: string, b: Record<string, unknown>): unknown {
      const a = agentFor(typeof b.user === "string" ? b.user : undefined);
      const table = String(b.table ?? "incident");
      const sysId = String(b.sys_id ?? "");
      const fields = (b.fields ?? {}) as Record<string, unknown>;
      switch (action) {
        case "incident":
        case "create_incident":
          return a.createIncident(fields);
        case "create":
          return a.create(table, fields);
        case "update":
          return a.update(table, sysId, fields);
        case "comment":
          a.comment(table, sysId, String(b.text ?? ""));
          return store.get(table, sysId);
        case "work_note":
          a.workNote(table, sysId, String(b.text ?? ""));
          return store.get(table, sysId);
        case "attach":
          return a.attach(table, sysId, String(b.file_name ?? "file.txt"), Buffer.from(String(b.content_base64 ?? Buffer.from(String(b.content ?? "")).toString("base64")), "base64"), typeof b.content_type === "string" ? b.content_type : undefined);
        case "approve":
          a.approve(String(b.approval_sys_id ?? b.sys_id ?? ""), typeof b.comments === "string" ? b.comments : undefined);
          return store.get("sysapproval_approver", String(b.approval_sys_id ?? b.sys_id ?? ""));
        case "reject":
          a.reject(String(b.approval_sys_id ?? b.sys_id ?? ""), String(b.comments ?? ""));
          return store.get("sysapproval_approver", String(b.approval_sys_id ?? b.sys_id ?? ""));
        default:
          throw new SnowError(404, "Unknown agent action", action);
      }
    },
  };

  const server = new SnowServer(store, clock, faults, agentActions, {
    accessTokenTtlMs: options.accessTokenTtlMs ?? 1_800_000,
    refreshTokenTtlMs: options.refreshTokenTtlMs ?? 8_640_000_000,
    attachmentMaxBytes: options.attachmentMaxBytes ?? 25 * 1024 * 1024,
  });
  server.rateLimit = options.rateLimit;
  for (const [table, roles] of Object.entries(options.tableRoles ?? {})) server.tableRoles.set(table, roles);
  for (const c of options.oauthClients ?? [{ client_id: "case-exchange", client_secret: "oauth-secret" }]) server.oauthClients.set(c.client_id, c.client_secret);

  for (const u of options.users ?? DEFAULT_USERS) {
    server.accounts.set(u.user_name, { user_name: u.user_name, password: u.password, roles: [...(u.roles ?? [])] });
    const name = u.name ?? u.user_name;
    const [first, ...last] = name.split(" ");
    store.insert("sys_user", { user_name: u.user_name, name, first_name: first, last_name: last.join(" "), email: u.email ?? "", roles: (u.roles ?? []).join(",") }, "system");
  }
  for (const g of options.groups ?? DEFAULT_GROUPS) store.insert("sys_user_group", { name: g }, "system");

  const running = await listen(server.handler, options.port ?? 0);
  baseUrl = running.origin;
  server.baseUrl = running.origin;

  const tableApi = (name: string): SnowTable => {
    store.def(name);
    return {
      insert: (rec, asUser = "system") => store.insert(name, rec, asUser),
      get: (sysId) => {
        const row = store.get(name, sysId);
        return row ? { ...row } : undefined;
      },
      query: (q) => store.query(name, q).map((r) => ({ ...r })),
      update: (sysId, fields, asUser = "system") => store.update(name, sysId, fields, asUser),
      delete: (sysId) => store.delete(name, sysId),
    };
  };

  const idOf = (table: string, field: string, value: string): string => {
    const row = store.query(table, `${field}=${value.replace(/\^/g, "^^")}`)[0];
    if (!row) throw new Error(`no ${table} with ${field} ${value}`);
    return row.sys_id;
  };

  return {
    url: running.origin,
    clock,
    faults,
    agent: agentFor,
    table: tableApi,
    journal: (sysId) =>
      store
        .journalEntries(sysId)
        .map((j) => ({ element: j.element, value: j.value, sys_created_by: j.sys_created_by, sys_created_on: j.sys_created_on, sys_id: j.sys_id, name: j.name, element_id: j.element_id })),
    attachments: (sysId) =>
      store.query("sys_attachment", `table_sys_id=${sysId}`).map((r: Row) => ({
        sys_id: r.sys_id,
        file_name: r.file_name,
        size_bytes: r.size_bytes,
        content_type: r.content_type,
        sys_created_by: r.sys_created_by,
        sys_created_on: r.sys_created_on,
        table_name: r.table_name,
        content: Buffer.from(store.attachmentContent.get(r.sys_id) ?? Buffer.alloc(0)),
      })),
    requests: server.requests,
    revokeTokens: (includeRefresh = false) => server.revokeTokens(includeRefresh),
    setRateLimit: (limit) => {
      server.rateLimit = limit;
    },
    setRoles: (userName, roles) => {
      const account = server.accounts.get(userName);
      if (!account) throw new Error(`no user ${userName}`);
      account.roles = [...roles];
    },
    groupId: (name) => idOf("sys_user_group", "name", name),
    userId: (userName) => idOf("sys_user", "user_name", userName),
    close: () => running.close(),
  };
}
