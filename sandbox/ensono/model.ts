import { randomBytes } from "node:crypto";
import type { SimClock } from "../common/clock";
import { FifoQueue } from "./queue";
import { presign } from "./s3";

export type EnsonoEnv = "dev" | "echo" | "cert" | "prod";
/** The ServiceNow instance behind an environment: echo calls the dev instance and feeds the dev queue. */
export type StoreEnv = "dev" | "cert" | "prod";
export const ENVS: readonly EnsonoEnv[] = ["dev", "echo", "cert", "prod"];

export function storeOf(env: string): StoreEnv {
  if (env === "echo" || env === "dev") return "dev";
  if (env === "cert" || env === "prod") return env;
  throw new Error(`unknown Ensono environment "${env}" (dev, echo, cert or prod)`);
}

export interface EnsonoClientConfig {
  clientName: string;
  slug: string;
  apiKey: string;
  groups?: string[];
}

/**
 * Where the guide contradicts itself, the simulator follows its main examples
 * by default; each option here makes it produce the other variant.
 */
export interface EnsonoVariants {
  /** GET /queue envelope. nested (default, "GET /queue Response" section and the empty example):
   * ReceiveMessageResponse.ReceiveMessageResult.{ResponseMetadata, ReceiveMessageResult.messages};
   * flat ("Reading from the Queue" example with messages): ReceiveMessageResponse.{ResponseMetadata, ReceiveMessageResult.messages};
   * mixed: flat when there are messages, nested when empty (the two "Reading from the Queue" examples). */
  queueShape?: "nested" | "flat" | "mixed";
  /** messages when the queue is empty: null (default), [] or the key left out. */
  emptyMessages?: "null" | "empty-array" | "absent";
  /** statusNextAction for pending when the agent names none: pending-caller (examples, default) or pending-client (field table). */
  pendingAction?: "pending-caller" | "pending-client";
  /** name of the update timestamp: updatedOn (examples, default), updatedAt (incident field table), updateOn (change field table). */
  updatedKey?: "updatedOn" | "updatedAt" | "updateOn";
  /** state a Redraft carries: New (example, default) or Draft (the state list). */
  redraftState?: "New" | "Draft";
  /** change `approval` casing: lower (examples: "requested", "not requested", default) or title (table: "Requested", "Not Yet Requested"). */
  approvalCase?: "lower" | "title";
  /** Approval Request `approvalState` casing: title ("Requested", example, default) or lower. */
  approvalStateCase?: "title" | "lower";
  /** as-guide (default): ensonoGroup everywhere but Attachment bodies, which carry ensonogroup (the change Attachment example). */
  ensonoGroupKey?: "as-guide" | "ensonoGroup" | "ensonogroup";
  /** status of a successful field update (202 in the example, default). */
  updateStatusCode?: number;
  /** status of a successful resolve/close/cancel update (200 in the example, default). */
  closeStatusCode?: number;
  /** TransactionType of approval requests ("Approval Request", the example; missing from the type list). */
  approvalRequestType?: string;
  /** TransactionType when a change returns from New to Assess: Update (default) or Create. */
  reassessTransactionType?: "Update" | "Create";
  /** 4000/160-character limits: truncate (ServiceNow's behaviour, default) or reject with a 400. */
  fieldLimits?: "truncate" | "reject";
  /** HTTP status of the bridge Lambda's own error bodies ({"Response": …}): 400 by default. */
  lambdaErrorStatus?: number;
  /** reject answers " Rejection Received Successfully" with the guide's leading space (default true). */
  rejectLeadingSpace?: boolean;
  /** upload whose Content-Type does not match the file type: drop (S3 says 200, ServiceNow drops the file; default) or reject (400 XML). */
  uploadTypeMismatch?: "drop" | "reject";
  /** ReturnEnsonoNum clientName with the trailing space of the guide's example ("testClient "); default false. */
  clientNameTrailingSpace?: boolean;
  /** reject inbound calls whose ticketType differs from the ticket's (default false: the guide's change-notes example sends "Incident"). */
  strictTicketType?: boolean;
}

export const DEFAULT_VARIANTS: Required<EnsonoVariants> = {
  queueShape: "nested",
  emptyMessages: "null",
  pendingAction: "pending-caller",
  updatedKey: "updatedOn",
  redraftState: "New",
  approvalCase: "lower",
  approvalStateCase: "title",
  ensonoGroupKey: "as-guide",
  updateStatusCode: 202,
  closeStatusCode: 200,
  approvalRequestType: "Approval Request",
  reassessTransactionType: "Update",
  fieldLimits: "truncate",
  lambdaErrorStatus: 400,
  rejectLeadingSpace: true,
  uploadTypeMismatch: "drop",
  clientNameTrailingSpace: false,
  strictTicketType: false,
};

export interface CommentRecord {
  id: string;
  /** as stored in ServiceNow: the body, then the commenter fields appended when given */
  value: string;
  body: string;
  commenter?: string;
  commenterEmail?: string;
  commenterPhone?: string;
  commentTime?: string;
  source: "client" | "ensono";
  createdAt: number;
}

export interface AttachmentRecord {
  sysId: string;
  fileName: string;
  contentType: string;
  size: number;
  content: Buffer;
  source: "client" | "ensono";
  public: boolean;
  createdAt: number;
  /** S3 key of the download object (Ensono public attachments, and client uploads echoed back) */
  downloadKey?: string;
}

export interface ApprovalRecord {
  approvalId: string;
  approverName: string;
  approverEmail: string;
  state: "requested" | "approved" | "rejected" | "cancelled";
  /** what the client sent when this approval was decided */
  decidedBy?: string;
  comment?: string;
}

export type ChangeType = "Normal" | "Standard" | "Emergency";
export type ChangeState = "New" | "Draft" | "Assess" | "Authorize" | "Scheduled" | "Implement" | "Review" | "Closed" | "Cancelled";
export const CHANGE_STATES: readonly string[] = ["New", "Draft", "Assess", "Authorize", "Scheduled", "Implement", "Review", "Closed", "Cancelled"];

export interface ChangeRecord {
  type: ChangeType;
  state: ChangeState;
  approval: "not requested" | "requested" | "approved" | "rejected";
  openedAt: string;
  requestedByName: string;
  category: string;
  startDate: string;
  endDate: string;
  risk: string;
  impact: string;
  justification: string;
  preChangeChecks: string;
  implementationPlan: string;
  testPlan: string;
  backoutPlan: string;
  approvers: Array<{ name: string; email: string }>;
  approvals: ApprovalRecord[];
  /** the decision that counted in the current approval round */
  decision?: { action: "approve" | "reject"; approvalId: string; approver: string; at: number };
  /** approve/reject calls answered but not considered (a decision had already counted) */
  ignoredDecisions: number;
}

export interface TicketView {
  number: string;
  slug: string;
  clientName: string;
  env: StoreEnv;
  sysId: string;
  createdBy: "client" | "ensono";
  ticketType: "Incident" | "Request" | "Change";
  clientTicketNumber: string;
  status: string;
  statusNextAction?: string;
  offHoldDate?: string;
  priority: string;
  impact: string;
  urgency: string;
  group: string;
  ensonoGroup: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  shortDescription: string;
  description: string;
  cis: string;
  category: string;
  origin: string;
  openedTime: string;
  updatedOn: string;
  closeNotes: string;
  closeCode: string;
  comments: CommentRecord[];
  attachments: AttachmentRecord[];
  change?: ChangeRecord;
}

interface Ticket extends TicketView {
  /** bumps whenever the ticket is resolved or reopened (auto-close checks it) */
  resolveGeneration: number;
}

export interface CallRecord {
  /** sim time the request arrived */
  at: number;
  method: string;
  /** path and query as sent */
  url: string;
  slug?: string;
  env?: string;
  /** create, update, getTicket, returnptn, notes, uploadUrl, approve, reject, receive, delete, upload, download, or none when refused before routing */
  route: string;
  ticketNumber?: string;
  /** whether an x-api-key header came and whether it was right (the key itself is never recorded) */
  apiKey: "missing" | "valid" | "invalid";
  contentType?: string;
  /** parsed JSON body, or undefined */
  body?: unknown;
  /** the raw body when it was not JSON (first 4 KB), or the size of a binary upload */
  rawBody?: string;
  bodyBytes: number;
  status?: number;
  response?: unknown;
  /** no answer was sent (timeout fault, timed-out create) */
  hung?: boolean;
  fault?: string;
  /** fields cut to their limit */
  truncated?: string[];
  /** an approve/reject after the first decision, answered but not applied */
  ignored?: boolean;
  /** upload accepted by "S3" but dropped by ServiceNow's file type validation, with the reason */
  dropped?: string;
}

export interface ResolvedOptions {
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  retentionMs: number;
  uploadUrlTtlMs: number;
  downloadUrlTtlMs: number;
  autoCloseResolvedMs: number;
  returnNumberDelayMs: number;
  groups: string[];
  ensonoGroups: Record<string, string>;
}

export const DEFAULT_GROUPS = ["Ensono Service Desk", "Ensono Network Support", "Ensono Support", "CLIENT - Ensono Other"];
const DEFAULT_ENSONO_GROUPS: Record<string, string> = {
  "Ensono Service Desk": "CS - Service Desk",
  "Ensono Network Support": "CS - Network Support",
  "Ensono Support": "CS - 1st Line",
  "CLIENT - Ensono Other": "Platform BPMDevandSupport",
};
export const CHANGE_GROUP = "CLIENT - Ensono Other";

export const LIMITS: Record<string, number> = {
  shortDescription: 160,
  description: 4000,
  closeNotes: 4000,
  body: 4000,
  justification: 4000,
  preChangeChecks: 4000,
  implementationPlan: 4000,
  testPlan: 4000,
  backoutPlan: 4000,
};

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function sysId(): string {
  return randomBytes(16).toString("hex");
}

const FINAL = new Set(["closed", "cancelled"]);
const CLOSING = new Set(["resolved", "closed", "cancelled"]);
export const STATUSES = ["open", "workingprogress", "pending", "resolved", "closed", "cancelled"];

export class AgentError extends Error {
  constructor(message: string, readonly status = 409) {
    super(message);
    this.name = "AgentError";
  }
}

export interface UploadSlot {
  key: string;
  bucket: string;
  ticketNumber: string;
  fileName: string;
  base64: boolean;
  used: boolean;
  env: EnsonoEnv;
}

export interface DownloadObject {
  key: string;
  bucket: string;
  fileName: string;
  contentType: string;
  content: Buffer;
}

/** Fields an agent gives when opening an incident or request (any other Body field may be added). */
export interface AgentTicketFields {
  ticketType: "Incident" | "Request";
  shortDescription: string;
  description: string;
  priority?: string | number;
  impact?: string | number;
  urgency?: string | number;
  group?: string;
  ensonoGroup?: string;
  cis?: string;
  category?: string;
  origin?: string;
  contactName?: string;
  contactEmail?: string;
  /** which client (default: the first) */
  clientName?: string;
}

export interface AgentTicketChanges {
  status?: string;
  statusNextAction?: string;
  offHoldDate?: string;
  priority?: string | number;
  impact?: string | number;
  urgency?: string | number;
  group?: string;
  shortDescription?: string;
  description?: string;
  cis?: string;
  closeCode?: string;
  closeNotes?: string;
}

export interface AgentChangeFields {
  type: ChangeType;
  approvers?: Array<{ name: string; email: string }>;
  /** public attachments on the change: one Attachment transaction each */
  attachments?: Array<{ fileName: string; content: Buffer; contentType: string }>;
  shortDescription?: string;
  description?: string;
  group?: string;
  ensonoGroup?: string;
  requestedByName?: string;
  category?: string;
  startDate?: string;
  endDate?: string;
  risk?: string;
  impact?: string;
  justification?: string;
  preChangeChecks?: string;
  implementationPlan?: string;
  testPlan?: string;
  backoutPlan?: string;
  priority?: string;
  cis?: string;
  clientName?: string;
}

export interface EnsonoAgent {
  /** An Ensono user opens an incident or request for the client: queues a Create. Returns the ticket number. */
  openTicket(env: EnsonoEnv, fields: AgentTicketFields): string;
  /** Public comment: queues Notes with a `notes` object. */
  comment(env: EnsonoEnv, number: string, body: string, opts?: { commenter?: string; commenterEmail?: string }): void;
  /** Field/status change: queues Update (or Closure for resolved/closed/cancelled) whose `changed` holds only what changed. */
  update(env: EnsonoEnv, number: string, changes: AgentTicketChanges): void;
  resolve(env: EnsonoEnv, number: string, closeCode: string, closeNotes: string): void;
  close(env: EnsonoEnv, number: string): void;
  /** Adds a public attachment (incident, request or change): queues Attachment. Returns the download URL. */
  addPublicAttachment(env: EnsonoEnv, number: string, fileName: string, content: Buffer, contentType: string): string;
  /** Moves a new change to its first state (Normal → Assess, Standard → Scheduled, Emergency → Authorize): Create,
   * then one Approval Request per approver (Normal) and one Attachment per attachment. Returns the number. */
  createChange(env: EnsonoEnv, fields: AgentChangeFields): string;
  /** Update (Closed: Closure with closeCode/closeNotes; New: Redraft). */
  changeState(env: EnsonoEnv, number: string, state: string, extra?: Partial<AgentChangeFields> & { closeCode?: string; closeNotes?: string }): void;
  redraft(env: EnsonoEnv, number: string): void;
  /** Queues an Approval Request; returns its approvalId. */
  requestApproval(env: EnsonoEnv, number: string, approver: { name: string; email: string }): string;
}

let incidentCounter = 880000;
let changeCounter = 32100;

export class EnsonoModel implements EnsonoAgent {
  readonly clients: EnsonoClientConfig[];
  readonly tickets = new Map<string, Ticket>();
  readonly queues = new Map<string, FifoQueue>();
  readonly calls: CallRecord[] = [];
  readonly uploads = new Map<string, UploadSlot>();
  readonly downloads = new Map<string, DownloadObject>();
  private events: Array<{ at: number; run: () => void }> = [];
  /** origin of the running server, for URLs in bodies */
  origin = "http://127.0.0.1";

  constructor(
    readonly clock: SimClock,
    clients: EnsonoClientConfig[],
    readonly opts: ResolvedOptions,
    readonly variants: Required<EnsonoVariants>,
  ) {
    this.clients = clients;
  }

  // ---- clients, groups, queues -------------------------------------------------

  clientBySlug(slug: string): EnsonoClientConfig | undefined {
    return this.clients.find((c) => c.slug === slug);
  }

  clientByName(name: string | undefined): EnsonoClientConfig {
    if (name === undefined) return this.clients[0];
    const c = this.clients.find((x) => x.clientName === name);
    if (!c) throw new AgentError(`no client named "${name}"`, 400);
    return c;
  }

  groupsOf(client: EnsonoClientConfig): string[] {
    return client.groups ?? this.opts.groups;
  }

  /** ServiceNow resolves a reference by display value case-insensitively; the canonical name is stored. */
  findGroup(client: EnsonoClientConfig, name: string): string | undefined {
    const lower = name.trim().toLowerCase();
    return this.groupsOf(client).find((g) => g.toLowerCase() === lower);
  }

  ensonoGroupOf(group: string): string {
    return this.opts.ensonoGroups[group] ?? DEFAULT_ENSONO_GROUPS[group] ?? `CS - ${group}`;
  }

  queue(slug: string, store: StoreEnv): FifoQueue {
    const key = `${slug}:${store}`;
    let q = this.queues.get(key);
    if (!q) {
      q = new FifoQueue({
        now: () => this.clock.now(),
        visibilityTimeoutMs: this.opts.visibilityTimeoutMs,
        maxReceiveCount: this.opts.maxReceiveCount,
        retentionMs: this.opts.retentionMs,
        senderId: `AROASIMULATEDENSONO0:envx${slug}${store}SN2QBridge`,
      });
      this.queues.set(key, q);
    }
    return q;
  }

  // ---- scheduled work ------------------------------------------------------------

  schedule(at: number, run: () => void): void {
    this.events.push({ at, run });
  }

  /** Runs whatever is due on the sim clock (called on each request, inspect and tick). */
  processDue(): void {
    for (;;) {
      const now = this.clock.now();
      const due = this.events.filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
      if (due.length === 0) return;
      this.events = this.events.filter((e) => !due.includes(e));
      for (const e of due) e.run();
    }
  }

  // ---- tickets ---------------------------------------------------------------------

  newTicketNumber(kind: "case" | "change"): string {
    if (kind === "change") return `e-CHG${String(++changeCounter).padStart(7, "0")}`;
    return `e-CS${String(++incidentCounter).padStart(7, "0")}`;
  }

  addTicket(t: Omit<Ticket, "resolveGeneration">): Ticket {
    const full: Ticket = { ...t, resolveGeneration: 0 };
    this.tickets.set(full.number, full);
    return full;
  }

  find(env: string, number: string): Ticket | undefined {
    const t = this.tickets.get(number);
    return t && t.env === storeOf(env) ? t : undefined;
  }

  view(t: Ticket): TicketView {
    const { resolveGeneration: _g, ...rest } = t;
    const copy = JSON.parse(JSON.stringify({ ...rest, attachments: [] })) as TicketView;
    copy.attachments = t.attachments.map((a) => ({ ...a, content: Buffer.from(a.content) }));
    return copy;
  }

  isFinal(t: TicketView): boolean {
    return t.change ? t.change.state === "Closed" || t.change.state === "Cancelled" : FINAL.has(t.status);
  }

  // ---- outbound bodies ---------------------------------------------------------------

  private egKey(forAttachment: boolean): string {
    const v = this.variants.ensonoGroupKey;
    if (v === "as-guide") return forAttachment ? "ensonogroup" : "ensonoGroup";
    return v;
  }

  incidentBody(t: Ticket, extra: { changed?: Record<string, string>; notes?: Record<string, string> } = {}): Record<string, unknown> {
    const uk = this.variants.updatedKey;
    const b: Record<string, unknown> = {
      clientName: t.clientName,
      ticketNumber: t.number,
      clientTicketNumber: t.clientTicketNumber,
      ticketType: t.ticketType,
      status: t.status,
      description: t.description,
      shortDescription: t.shortDescription,
      group: t.group,
      [this.egKey(false)]: t.ensonoGroup,
      priority: t.priority,
      impact: t.impact,
      urgency: t.urgency,
      openedTime: t.openedTime,
      category: t.category,
      origin: t.origin,
      cis: t.cis,
    };
    if (t.status === "pending") {
      if (t.offHoldDate) b.offHoldDate = t.offHoldDate;
      b.statusNextAction = t.statusNextAction ?? this.variants.pendingAction;
    }
    if (CLOSING.has(t.status)) {
      b.closeNotes = t.closeNotes;
      b.closeCode = t.closeCode;
    }
    if (extra.notes) {
      b[uk] = t.updatedOn;
      b.notes = extra.notes;
    } else if (extra.changed) {
      b.changed = { [uk]: t.updatedOn, ...extra.changed };
      b[uk] = t.updatedOn;
    }
    return b;
  }

  approvalValue(a: ChangeRecord["approval"]): string {
    if (this.variants.approvalCase === "lower") return a;
    return { "not requested": "Not Yet Requested", requested: "Requested", approved: "Approved", rejected: "Rejected" }[a];
  }

  changeBody(t: Ticket, extra: { notes?: Record<string, string> } = {}): Record<string, unknown> {
    const c = t.change as ChangeRecord;
    const b: Record<string, unknown> = {
      clientName: t.clientName,
      ticketType: "Change",
      clientTicketNumber: t.clientTicketNumber,
      ticketNumber: t.number,
      group: t.group,
      [this.egKey(false)]: t.ensonoGroup,
      openedAt: c.openedAt,
      [this.variants.updatedKey]: t.updatedOn,
      requestedByName: c.requestedByName,
      shortDescription: t.shortDescription,
      type: c.type,
      category: c.category,
      approval: this.approvalValue(c.approval),
      startDate: c.startDate,
      endDate: c.endDate,
      risk: c.risk,
      impact: c.impact,
      description: t.description,
      justification: c.justification,
      preChangeChecks: c.preChangeChecks,
      implementationPlan: c.implementationPlan,
      testPlan: c.testPlan,
      backoutPlan: c.backoutPlan,
      state: c.state,
      priority: t.priority,
      cis: t.cis,
    };
    if (extra.notes) b.notes = extra.notes;
    if (c.state === "Closed") {
      b.closeNotes = t.closeNotes;
      b.closeCode = t.closeCode;
    }
    return b;
  }

  approvalRequestBody(t: Ticket, a: ApprovalRecord): Record<string, unknown> {
    return {
      clientName: t.clientName,
      ticketType: "Change",
      clientTicketNumber: t.clientTicketNumber,
      ticketNumber: t.number,
      group: t.group,
      [this.egKey(false)]: t.ensonoGroup,
      description: t.description,
      state: (t.change as ChangeRecord).state,
      approvalState: this.variants.approvalStateCase === "title" ? "Requested" : "requested",
      approvalId: a.approvalId,
      approverName: a.approverName,
      approverEmail: a.approverEmail,
    };
  }

  attachmentBody(t: Ticket, a: AttachmentRecord, url: string): Record<string, unknown> {
    return {
      clientName: t.clientName,
      ticketType: t.ticketType,
      clientTicketNumber: t.clientTicketNumber,
      ticketNumber: t.number,
      group: t.group,
      [this.egKey(true)]: t.ensonoGroup,
      attachmentName: a.fileName,
      attachmentInfo: `${this.origin}/_snow/api/now/attachment/${a.sysId}`,
      attachmentSize: String(a.size),
      attachmentType: a.contentType,
      attachment: url,
    };
  }

  enqueue(t: Ticket, transactionType: string, body: Record<string, unknown>): void {
    this.queue(t.slug, t.env).send(body, { group: t.number, transactionType, clientReferenceAvailable: t.clientTicketNumber !== "" });
  }

  enqueueReturnNumber(t: Ticket): void {
    const body = {
      clientName: t.clientName + (this.variants.clientNameTrailingSpace ? " " : ""),
      ticketNumber: t.number,
      clientTicketNumber: t.clientTicketNumber,
      ticketType: t.ticketType,
    };
    this.enqueue(t, "ReturnEnsonoNum", body);
  }

  /** Stores a file as a download object and returns a fresh pre-signed GET URL for it. */
  publishDownload(t: Ticket, a: AttachmentRecord): string {
    const bucket = `envx${t.slug}${t.env}outbound-bucket`;
    const key = a.downloadKey ?? `${a.sysId}/${a.fileName}`;
    a.downloadKey = key;
    this.downloads.set(`${bucket}/${key}`, { key, bucket, fileName: a.fileName, contentType: a.contentType, content: a.content });
    return presign(this.origin, "GET", bucket, key, this.clock.now(), Math.round(this.opts.downloadUrlTtlMs / 1000));
  }

  // ---- shared ticket mutations (agent and echo) -------------------------------------

  addComment(t: Ticket, c: Omit<CommentRecord, "id" | "value" | "createdAt">): CommentRecord {
    const extra: string[] = [];
    if (c.commenter) extra.push(`Commenter: ${c.commenter}`);
    if (c.commentTime) extra.push(`Comment Time: ${c.commentTime}`);
    if (c.commenterEmail) extra.push(`Email: ${c.commenterEmail}`);
    if (c.commenterPhone) extra.push(`Phone: ${c.commenterPhone}`);
    const rec: CommentRecord = {
      ...c,
      id: sysId(),
      value: extra.length ? `${c.body}\n\n${extra.join("\n")}` : c.body,
      createdAt: this.clock.now(),
    };
    t.comments.push(rec);
    t.updatedOn = iso(this.clock.now());
    return rec;
  }

  notesOf(c: CommentRecord): Record<string, string> {
    return {
      type: "comment",
      id: c.id,
      body: c.value,
      commenter: c.commenter ?? (c.source === "client" ? "Envision Connect Integration" : "Ensono User"),
      commenterEmail: c.commenterEmail ?? "",
    };
  }

  /** Called whenever a ticket becomes resolved: a resolved ticket closes itself after autoCloseResolvedMs. */
  markResolved(t: Ticket): void {
    const gen = ++t.resolveGeneration;
    this.schedule(this.clock.now() + this.opts.autoCloseResolvedMs, () => {
      if (t.resolveGeneration !== gen || t.status !== "resolved") return;
      t.status = "closed";
      t.updatedOn = iso(this.clock.now());
      this.enqueue(t, "Closure", this.incidentBody(t, { changed: { status: "closed" } }));
    });
  }

  /**
   * Applies field changes to an incident/request and returns what changed (values as stored).
   * Throws AgentError on a rule violation.
   */
  applyIncidentChanges(t: Ticket, changes: AgentTicketChanges, opts: { defaultPending: boolean }): Record<string, string> {
    const client = this.clientBySlug(t.slug) as EnsonoClientConfig;
    const changed: Record<string, string> = {};
    const set = (k: keyof TicketView & string, v: string | undefined) => {
      if (v === undefined) return;
      if ((t as unknown as Record<string, unknown>)[k] === v) return;
      (t as unknown as Record<string, unknown>)[k] = v;
      changed[k] = v;
    };
    if (changes.group !== undefined) {
      const g = this.findGroup(client, String(changes.group));
      if (!g) throw new AgentError(`group "${changes.group}" is not a valid Ensono group`, 400);
      if (g !== t.group) t.ensonoGroup = this.ensonoGroupOf(g);
      set("group", g);
    }
    for (const k of ["shortDescription", "description", "cis"] as const) if (changes[k] !== undefined) set(k, String(changes[k]));
    if (changes.priority !== undefined) set("priority", validPriority(changes.priority));
    if (changes.impact !== undefined) set("impact", validImpact(changes.impact));
    if (changes.urgency !== undefined) set("urgency", validImpact(changes.urgency));
    if (changes.status !== undefined) {
      const status = String(changes.status);
      if (!STATUSES.includes(status)) throw new AgentError(`status "${status}" is not one of ${STATUSES.join(", ")}`, 400);
      if (status === "closed" && t.status !== "resolved" && t.status !== "closed") throw new AgentError("only a resolved ticket can be closed", 400);
      const was = t.status;
      set("status", status);
      if (status === "pending") {
        set("statusNextAction", changes.statusNextAction ?? (opts.defaultPending ? t.statusNextAction ?? this.variants.pendingAction : undefined));
        set("offHoldDate", changes.offHoldDate ?? (opts.defaultPending && was !== "pending" ? iso(this.clock.now() + 86_400_000) : undefined));
      } else {
        delete t.statusNextAction;
        delete t.offHoldDate;
      }
      if (status === "resolved" && was !== "resolved") {
        set("closeCode", changes.closeCode ?? "resolved");
        set("closeNotes", changes.closeNotes ?? t.closeNotes);
        this.markResolved(t);
      } else if (status === "cancelled" && was !== "cancelled") {
        set("closeCode", changes.closeCode ?? "cancelled");
        set("closeNotes", changes.closeNotes ?? t.closeNotes);
      } else if (!CLOSING.has(status) && CLOSING.has(was)) {
        t.closeCode = "";
        t.closeNotes = "";
        t.resolveGeneration++;
      }
    } else if (changes.statusNextAction !== undefined && t.status === "pending") {
      set("statusNextAction", changes.statusNextAction);
    }
    const reopening = changes.status !== undefined && !CLOSING.has(String(changes.status));
    if (!reopening) {
      if (changes.closeNotes !== undefined) set("closeNotes", String(changes.closeNotes));
      if (changes.closeCode !== undefined && CLOSING.has(t.status)) set("closeCode", String(changes.closeCode));
    }
    if (Object.keys(changed).length) t.updatedOn = iso(this.clock.now());
    return changed;
  }

  static transactionFor(changed: Record<string, string>): "Update" | "Closure" {
    return changed.status !== undefined && CLOSING.has(changed.status) ? "Closure" : "Update";
  }

  // ---- the agent ----------------------------------------------------------------------

  private agentTicket(env: string, number: string, kind: "case" | "change" | "any"): Ticket {
    const t = this.find(env, number);
    if (!t) throw new AgentError(`no ticket ${number} in ${storeOf(env)}`, 404);
    if (kind === "case" && t.change) throw new AgentError(`${number} is a change`, 400);
    if (kind === "change" && !t.change) throw new AgentError(`${number} is not a change`, 400);
    if (this.isFinal(t)) throw new AgentError(`${number} is ${t.change ? t.change.state : t.status}: no more updates`, 409);
    return t;
  }

  openTicket(env: EnsonoEnv, f: AgentTicketFields): string {
    this.processDue();
    const client = this.clientByName(f.clientName);
    if (f.ticketType !== "Incident" && f.ticketType !== "Request") throw new AgentError("ticketType must be Incident or Request", 400);
    const groups = this.groupsOf(client);
    const group = f.group === undefined ? groups.find((g) => g === "Ensono Support") ?? groups[0] : this.findGroup(client, f.group);
    if (!group) throw new AgentError(`group "${f.group}" is not a valid Ensono group`, 400);
    const now = this.clock.now();
    const t = this.addTicket({
      number: this.newTicketNumber("case"),
      slug: client.slug,
      clientName: client.clientName,
      env: storeOf(env),
      sysId: sysId(),
      createdBy: "ensono",
      ticketType: f.ticketType,
      clientTicketNumber: "",
      status: "open",
      priority: f.priority === undefined ? "4" : validPriority(f.priority),
      impact: f.impact === undefined ? "3" : validImpact(f.impact),
      urgency: f.urgency === undefined ? "3" : validImpact(f.urgency),
      group,
      ensonoGroup: f.ensonoGroup ?? this.ensonoGroupOf(group),
      contactName: f.contactName ?? "Ensono User",
      contactEmail: f.contactEmail ?? "Ensono.User@Ensono.com",
      contactPhone: "",
      shortDescription: f.shortDescription,
      description: f.description,
      cis: f.cis ?? "",
      category: f.category ?? "Private Cloud",
      origin: f.origin ?? "Web",
      openedTime: iso(now),
      updatedOn: iso(now),
      closeNotes: "",
      closeCode: "",
      comments: [],
      attachments: [],
    });
    this.enqueue(t, "Create", this.incidentBody(t));
    return t.number;
  }

  comment(env: EnsonoEnv, number: string, body: string, opts: { commenter?: string; commenterEmail?: string } = {}): void {
    this.processDue();
    const t = this.agentTicket(env, number, "any");
    const c = this.addComment(t, { body, source: "ensono", commenter: opts.commenter ?? "Ensono User", commenterEmail: opts.commenterEmail ?? "Ensono.User@Ensono.com" });
    const notes = { type: "comment", id: c.id, body: c.body, commenter: c.commenter as string, commenterEmail: c.commenterEmail as string };
    this.enqueue(t, "Notes", t.change ? this.changeBody(t, { notes }) : this.incidentBody(t, { notes }));
  }

  update(env: EnsonoEnv, number: string, changes: AgentTicketChanges): void {
    this.processDue();
    const t = this.agentTicket(env, number, "case");
    const changed = this.applyIncidentChanges(t, changes, { defaultPending: true });
    if (Object.keys(changed).length === 0) return;
    this.enqueue(t, EnsonoModel.transactionFor(changed), this.incidentBody(t, { changed }));
  }

  resolve(env: EnsonoEnv, number: string, closeCode: string, closeNotes: string): void {
    this.update(env, number, { status: "resolved", closeCode, closeNotes });
  }

  close(env: EnsonoEnv, number: string): void {
    this.update(env, number, { status: "closed" });
  }

  addPublicAttachment(env: EnsonoEnv, number: string, fileName: string, content: Buffer, contentType: string): string {
    this.processDue();
    const t = this.agentTicket(env, number, "any");
    const a: AttachmentRecord = { sysId: sysId(), fileName, contentType, size: content.length, content: Buffer.from(content), source: "ensono", public: true, createdAt: this.clock.now() };
    t.attachments.push(a);
    t.updatedOn = iso(this.clock.now());
    const url = this.publishDownload(t, a);
    this.enqueue(t, "Attachment", this.attachmentBody(t, a, url));
    return url;
  }

  createChange(env: EnsonoEnv, f: AgentChangeFields): string {
    this.processDue();
    const client = this.clientByName(f.clientName);
    const state: ChangeState = f.type === "Normal" ? "Assess" : f.type === "Standard" ? "Scheduled" : f.type === "Emergency" ? "Authorize" : (undefined as never);
    if (!state) throw new AgentError("type must be Normal, Standard or Emergency", 400);
    const group = f.group === undefined ? CHANGE_GROUP : this.findGroup(client, f.group);
    if (!group) throw new AgentError(`group "${f.group}" is not a valid Ensono group`, 400);
    const now = this.clock.now();
    const t = this.addTicket({
      number: this.newTicketNumber("change"),
      slug: client.slug,
      clientName: client.clientName,
      env: storeOf(env),
      sysId: sysId(),
      createdBy: "ensono",
      ticketType: "Change",
      clientTicketNumber: "",
      status: "open",
      priority: f.priority ?? "4",
      impact: "3",
      urgency: "3",
      group,
      ensonoGroup: f.ensonoGroup ?? this.ensonoGroupOf(group),
      contactName: "Ensono User",
      contactEmail: "Ensono.User@Ensono.com",
      contactPhone: "",
      shortDescription: f.shortDescription ?? "test",
      description: f.description ?? "test",
      cis: f.cis ?? "",
      category: f.category ?? "Other",
      origin: "Web",
      openedTime: iso(now),
      updatedOn: iso(now),
      closeNotes: "",
      closeCode: "",
      comments: [],
      attachments: [],
      change: {
        type: f.type,
        state,
        approval: f.type === "Standard" ? "approved" : "requested",
        openedAt: iso(now),
        requestedByName: f.requestedByName ?? "Ensono User",
        category: f.category ?? "Other",
        startDate: f.startDate ?? iso(now + 86_400_000),
        endDate: f.endDate ?? iso(now + 90_000_000),
        risk: f.risk ?? "Low",
        impact: f.impact ?? "Low",
        justification: f.justification ?? "",
        preChangeChecks: f.preChangeChecks ?? "",
        implementationPlan: f.implementationPlan ?? "",
        testPlan: f.testPlan ?? "",
        backoutPlan: f.backoutPlan ?? "",
        approvers: [...(f.approvers ?? [])],
        approvals: [],
        ignoredDecisions: 0,
      },
    });
    this.enqueue(t, "Create", this.changeBody(t));
    if (f.type === "Normal") for (const a of f.approvers ?? []) this.queueApproval(t, a);
    for (const att of f.attachments ?? []) {
      const a: AttachmentRecord = { sysId: sysId(), fileName: att.fileName, contentType: att.contentType, size: att.content.length, content: Buffer.from(att.content), source: "ensono", public: true, createdAt: now };
      t.attachments.push(a);
      this.enqueue(t, "Attachment", this.attachmentBody(t, a, this.publishDownload(t, a)));
    }
    return t.number;
  }

  private queueApproval(t: Ticket, approver: { name: string; email: string }): string {
    const a: ApprovalRecord = { approvalId: sysId(), approverName: approver.name, approverEmail: approver.email, state: "requested" };
    const c = t.change as ChangeRecord;
    c.approvals.push(a);
    if (c.approval === "not requested") c.approval = "requested";
    this.enqueue(t, this.variants.approvalRequestType, this.approvalRequestBody(t, a));
    return a.approvalId;
  }

  requestApproval(env: EnsonoEnv, number: string, approver: { name: string; email: string }): string {
    this.processDue();
    const t = this.agentTicket(env, number, "change");
    const c = t.change as ChangeRecord;
    if (!c.approvers.some((a) => a.email === approver.email)) c.approvers.push({ ...approver });
    return this.queueApproval(t, approver);
  }

  redraft(env: EnsonoEnv, number: string): void {
    this.processDue();
    const t = this.agentTicket(env, number, "change");
    const c = t.change as ChangeRecord;
    c.state = this.variants.redraftState;
    c.approval = "not requested";
    for (const a of c.approvals) if (a.state === "requested") a.state = "cancelled";
    c.decision = undefined;
    t.updatedOn = iso(this.clock.now());
    this.enqueue(t, "Redraft", this.changeBody(t));
  }

  changeState(env: EnsonoEnv, number: string, state: string, extra: Partial<AgentChangeFields> & { closeCode?: string; closeNotes?: string } = {}): void {
    this.processDue();
    if (!CHANGE_STATES.includes(state)) throw new AgentError(`state must be one of ${CHANGE_STATES.join(", ")}`, 400);
    if (state === "New" || state === "Draft") return this.redraft(env, number);
    const t = this.agentTicket(env, number, "change");
    const c = t.change as ChangeRecord;
    const reassess = state === "Assess" && (c.state === "New" || c.state === "Draft");
    c.state = state as ChangeState;
    for (const k of ["startDate", "endDate", "risk", "impact", "justification", "preChangeChecks", "implementationPlan", "testPlan", "backoutPlan", "requestedByName", "category"] as const) {
      if (extra[k] !== undefined) (c as unknown as Record<string, unknown>)[k] = extra[k];
    }
    if (extra.shortDescription !== undefined) t.shortDescription = extra.shortDescription;
    if (extra.description !== undefined) t.description = extra.description;
    if (state === "Closed") {
      t.closeCode = extra.closeCode ?? "Successful";
      t.closeNotes = extra.closeNotes ?? "";
    }
    if (reassess && c.type !== "Standard") c.approval = "requested";
    t.updatedOn = iso(this.clock.now());
    const type = state === "Closed" ? "Closure" : reassess ? this.variants.reassessTransactionType : "Update";
    this.enqueue(t, type, this.changeBody(t));
    if (reassess && c.type === "Normal") for (const a of c.approvers) this.queueApproval(t, a);
  }
}

export function validPriority(v: unknown): string {
  const s = String(v).trim();
  return ["1", "2", "3", "4"].includes(s) ? s : "3";
}

export function validImpact(v: unknown): string {
  const s = String(v).trim();
  return ["1", "2", "3"].includes(s) ? s : "3";
}

/** ServiceNow's impact × urgency lookup, capped at Ensono's lowest priority 4. */
export function priorityFrom(impact: string, urgency: string): string {
  const sum = Number(impact) + Number(urgency);
  return String(Math.min(4, sum - 1));
}
