import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import {
  AgentError,
  CallRecord,
  ChangeRecord,
  EnsonoClientConfig,
  EnsonoModel,
  ENVS,
  LIMITS,
  STATUSES,
  TicketView,
  iso,
  priorityFrom,
  storeOf,
  sysId,
  validImpact,
  validPriority,
} from "./model";
import { FifoQueue, md5 } from "./queue";
import { CONTENT_TYPES, checkPresigned, contentTypeProblem, presign, s3Error } from "./s3";

/** What a route answers; the dispatcher writes it (or, for a hung request, does not). */
export interface Result {
  status: number;
  json?: unknown;
  text?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** leave the request unanswered (a create that "times out") */
  hang?: boolean;
}

export interface Ctx {
  method: string;
  segs: string[];
  query: URLSearchParams;
  body: Buffer;
  headers: IncomingHttpHeaders;
  rec: CallRecord;
}

export interface TimeoutRule {
  env?: string;
  remaining: number;
  answer: "none" | "504";
}

const CLOSING = new Set(["resolved", "closed", "cancelled"]);

const forbidden = (): Result => ({ status: 403, json: { message: "Forbidden" }, headers: { "x-amzn-ErrorType": "ForbiddenException" } });
const missingToken = (): Result => ({
  status: 403,
  json: { message: "Missing Authentication Token" },
  headers: { "x-amzn-ErrorType": "MissingAuthenticationTokenException" },
});
/** A Lambda that throws (unparseable JSON, a payload of the wrong shape) is a 502 from API Gateway's proxy integration. */
const lambdaCrash = (): Result => ({ status: 502, json: { message: "Internal server error" }, headers: { "x-amzn-ErrorType": "InternalServerErrorException" } });

function decode(seg: string): string | undefined {
  try {
    return decodeURIComponent(seg);
  } catch {
    return undefined;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function snowTime(isoText: string): string {
  return isoText ? isoText.replace("T", " ").replace("Z", "") : "";
}

export class Bridge {
  readonly timeouts: TimeoutRule[] = [];

  constructor(private readonly model: EnsonoModel) {}

  private get v() {
    return this.model.variants;
  }

  private err(response: unknown): Result {
    return { status: this.v.lambdaErrorStatus, json: { Response: response } };
  }

  private notFound(): Result {
    return { status: 404, json: { Response: ["No Record found", "Record doesn't exist or ACL restricts the record retrieval"] } };
  }

  /** `/{slug}/{env}/{tickets|queue}/…` — API Gateway's checks, then the bridge Lambda's. */
  handle(ctx: Ctx): Result {
    const { segs, rec } = ctx;
    const slug = decode(segs[0] ?? "") ?? "";
    const client = this.model.clientBySlug(slug);
    if (!client) return forbidden();
    rec.slug = slug;
    const env = segs[1] ?? "";
    if (!(ENVS as readonly string[]).includes(env)) return missingToken();
    rec.env = env;
    const resource = segs[2];
    if (resource !== "tickets" && resource !== "queue") return missingToken();
    if (resource === "queue" && env === "echo") return missingToken(); // "There is no /echo/queue"
    if (ctx.headers["x-api-key"] !== client.apiKey) return forbidden();
    const rest = segs.slice(3);
    if (resource === "queue") return this.queueRoute(ctx, client, env, rest);
    return this.ticketsRoute(ctx, client, env, rest);
  }

  // ---- queue ----------------------------------------------------------------------

  private queueRoute(ctx: Ctx, client: EnsonoClientConfig, env: string, rest: string[]): Result {
    const q = this.model.queue(client.slug, storeOf(env));
    if (rest.length === 0 && ctx.method === "GET") {
      ctx.rec.route = "receive";
      const messages = q.receive(10).map((m) => FifoQueue.wire(m));
      return { status: 200, json: this.envelope(messages) };
    }
    const raw = rest.join("/");
    if (ctx.method === "DELETE" && raw !== "") {
      ctx.rec.route = "delete";
      // API Gateway decodes the path parameter; an unencoded "+" arrives as a space, so the handle no longer matches
      const handle = decode(raw.replace(/\+/g, " ")) ?? raw;
      const out = q.delete(handle);
      const RequestId = randomUUID();
      if (out.ok) return { status: 200, json: { DeleteMessageResponse: { ResponseMetadata: { RequestId } } } };
      if (out.reason === "expired") {
        return {
          status: 400,
          json: {
            Error: { Code: "InvalidParameterValue", Message: `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`, Type: "Sender" },
            RequestId,
          },
        };
      }
      return {
        status: 400,
        json: { Error: { Code: "ReceiptHandleIsInvalid", Message: `The input receipt handle "${handle}" is not a valid receipt handle.`, Type: "Sender" }, RequestId },
      };
    }
    return this.err("Bad Path");
  }

  envelope(messages: unknown[]): Record<string, unknown> {
    const empty = messages.length === 0;
    const result: Record<string, unknown> = {};
    if (!empty) result.messages = messages;
    else if (this.v.emptyMessages === "null") result.messages = null;
    else if (this.v.emptyMessages === "empty-array") result.messages = [];
    const shape = this.v.queueShape === "mixed" ? (empty ? "nested" : "flat") : this.v.queueShape;
    const ResponseMetadata = { RequestId: randomUUID() };
    if (shape === "flat") return { ReceiveMessageResponse: { ResponseMetadata, ReceiveMessageResult: result } };
    return { ReceiveMessageResponse: { ReceiveMessageResult: { ResponseMetadata, ReceiveMessageResult: result } } };
  }

  // ---- tickets -----------------------------------------------------------------------

  private parsePayload(ctx: Ctx): { payload: Record<string, unknown> } | { error: Result } {
    let parsed: unknown;
    const text = ctx.body.toString("utf8");
    try {
      parsed = JSON.parse(text);
      ctx.rec.body = JSON.parse(text) as unknown; // as sent, before the bridge's second parse below
    } catch {
      ctx.rec.rawBody = text.slice(0, 4096);
      return { error: lambdaCrash() };
    }
    if (!isObj(parsed) || !isObj(parsed.payload)) return { error: lambdaCrash() };
    const p = parsed.payload;
    // The bridge substitutes free text into a second JSON document before it reaches
    // ServiceNow, which is why the guide asks clients to double-escape newlines, tabs,
    // quotes and backslashes: text is parsed once more here, and text that was escaped
    // only once (a raw newline, a bare quote) breaks that parse, as it breaks the bridge.
    for (const k of FREE_TEXT_FIELDS) {
      if (typeof p[k] !== "string") continue;
      const second = secondParse(p[k] as string);
      if (second === undefined) return { error: lambdaCrash() };
      p[k] = second;
    }
    if (Array.isArray(p.comments)) {
      for (const c of p.comments as unknown[]) {
        if (!isObj(c)) continue;
        for (const f of ["body", "commenter", "commentTime", "commenterEmail", "commenterPhone"]) {
          if (typeof c[f] !== "string") continue;
          const second = secondParse(c[f] as string);
          if (second === undefined) return { error: lambdaCrash() };
          c[f] = second;
        }
      }
    }
    for (const [k, v] of Object.entries(p)) {
      if (k === "comments") {
        if (v === undefined || v === null) continue;
        if (!Array.isArray(v) || !v.every((c) => isObj(c) && (typeof c.body === "string" || c.body === undefined))) return { error: lambdaCrash() };
        for (const c of v as Array<Record<string, unknown>>) {
          for (const f of ["commenter", "commentTime", "commenterEmail", "commenterPhone"]) {
            if (c[f] !== undefined && c[f] !== null && typeof c[f] !== "string") return { error: lambdaCrash() };
          }
        }
      } else if (v !== null && (typeof v === "object" || typeof v === "boolean") && k !== "approvalId") {
        // the Lambda concatenates and maps strings; an object or array where text belongs makes it throw
        return { error: lambdaCrash() };
      }
    }
    return { payload: p };
  }

  private ticketsRoute(ctx: Ctx, client: EnsonoClientConfig, env: string, rest: string[]): Result {
    const { method, rec } = ctx;
    let route: string | undefined;
    if (rest.length === 0 && method === "POST") route = "create";
    else if (rest.length === 1 && method === "PUT") route = "update";
    else if (rest.length === 1 && method === "GET" && env === "dev") route = "getTicket";
    else if (rest.length === 2 && method === "PUT" && ["returnptn", "notes", "approve", "reject"].includes(rest[1])) route = rest[1];
    else if (rest.length === 3 && method === "GET" && rest[1] === "attachments" && rest[2] !== "") route = "uploadUrl";
    if (!route || (rest.length > 0 && !rest[0])) return this.err("Bad Path");
    rec.route = route;

    let payload: Record<string, unknown> = {};
    if (method !== "GET") {
      const parsed = this.parsePayload(ctx);
      if ("error" in parsed) return parsed.error;
      payload = parsed.payload;
      if (payload.clientName !== client.clientName) return this.err("Unable to find mapping for ClientName");
    } else {
      const qn = ctx.query.get("clientName");
      if (qn !== null && qn !== client.clientName) return this.err("Unable to find mapping for ClientName");
    }
    if (route === "create") return this.create(ctx, client, env, payload);

    const number = decode(rest[0]) ?? rest[0];
    rec.ticketNumber = number;
    const t = this.model.tickets.get(number);
    if (!t || t.env !== storeOf(env)) return this.notFound();
    if (t.slug !== client.slug) return this.err("APIKey not authorized for ticket company");
    if (this.v.strictTicketType && payload.ticketType !== undefined && payload.ticketType !== t.ticketType) {
      return this.err([`ticketType ${String(payload.ticketType)} does not match ticket ${number} (${t.ticketType})`, "This ticket cannot be updated."]);
    }
    switch (route) {
      case "update":
        return this.update(ctx, env, t, payload);
      case "getTicket":
        return t.change ? this.err("Bad Path") : { status: 200, json: { Response: snowRecord(t) } };
      case "returnptn":
        return this.returnPtn(t, payload);
      case "notes":
        return this.notes(ctx, env, t, payload);
      case "approve":
      case "reject":
        return this.decide(ctx, t, payload, route);
      default:
        return this.uploadUrl(ctx, env, t, decode(rest[2]) ?? rest[2]);
    }
  }

  /** Applies the 4000/160 limits: truncation (ServiceNow) or a 400 (variant). */
  private limit(ctx: Ctx, field: string, value: string, what: string): string | Result {
    const max = LIMITS[field];
    if (max === undefined || value.length <= max) return value;
    if (this.v.fieldLimits === "reject") return this.err([`${field} exceeds the maximum length of ${max} characters`, what]);
    (ctx.rec.truncated ??= []).push(field);
    return value.slice(0, max);
  }

  private comments(ctx: Ctx, payload: Record<string, unknown>, what: string): Array<Record<string, string | undefined>> | Result {
    const list = (payload.comments ?? []) as Array<Record<string, unknown>>;
    const out: Array<Record<string, string | undefined>> = [];
    for (const c of list) {
      if (typeof c.body !== "string" || c.body.trim() === "") return this.err(["Mandatory field(s) missing: comments.body", what]);
      const body = this.limit(ctx, "body", c.body, what);
      if (typeof body !== "string") return body;
      out.push({
        body,
        commenter: (c.commenter as string | undefined) ?? undefined,
        commentTime: (c.commentTime as string | undefined) ?? undefined,
        commenterEmail: (c.commenterEmail as string | undefined) ?? undefined,
        commenterPhone: (c.commenterPhone as string | undefined) ?? undefined,
      });
    }
    return out;
  }

  private closedError(t: TicketView, what: string): Result {
    return this.err([`Ticket ${t.number} is ${t.change ? t.change.state : t.status}; no more updates are allowed.`, what]);
  }

  private create(ctx: Ctx, client: EnsonoClientConfig, env: string, p: Record<string, unknown>): Result {
    const what = "This ticket cannot be created.";
    const required = ["clientTicketNumber", "ticketType", "description", "shortDescription", "contactName", "contactEmail"];
    const missing = required.filter((k) => p[k] === undefined || p[k] === null || String(p[k]).trim() === "");
    if (missing.length) return this.err([`Mandatory field(s) missing: ${missing.join(", ")}`, what]);
    const ticketType = String(p.ticketType);
    if (ticketType !== "Incident" && ticketType !== "Request") return this.err([`Invalid ticketType "${ticketType}" (Incident or Request)`, what]);
    let group = this.model.groupsOf(client)[0];
    if (p.group !== undefined && p.group !== null && String(p.group) !== "") {
      const g = this.model.findGroup(client, String(p.group));
      if (!g) return this.err(["assignment_group sys_id or name not found.", what]);
      group = g;
    }
    const shortDescription = this.limit(ctx, "shortDescription", String(p.shortDescription), what);
    if (typeof shortDescription !== "string") return shortDescription;
    const description = this.limit(ctx, "description", String(p.description), what);
    if (typeof description !== "string") return description;
    const comments = this.comments(ctx, p, what);
    if (!Array.isArray(comments)) return comments;
    const impact = p.impact === undefined || p.impact === null || p.impact === "" ? "3" : validImpact(p.impact);
    const urgency = p.urgency === undefined || p.urgency === null || p.urgency === "" ? "3" : validImpact(p.urgency);
    const usesImpact = (p.priority === undefined || p.priority === "" || p.priority === null) && (p.impact !== undefined || p.urgency !== undefined);
    const priority = usesImpact ? priorityFrom(impact, urgency) : validPriority(p.priority ?? "3");
    const now = this.model.clock.now();
    const t = this.model.addTicket({
      number: this.model.newTicketNumber("case"),
      slug: client.slug,
      clientName: client.clientName,
      env: storeOf(env),
      sysId: sysId(),
      createdBy: "client",
      ticketType,
      clientTicketNumber: String(p.clientTicketNumber),
      status: "open",
      priority,
      impact,
      urgency,
      group,
      ensonoGroup: this.model.ensonoGroupOf(group),
      contactName: String(p.contactName),
      contactEmail: String(p.contactEmail),
      contactPhone: p.contactPhone === undefined || p.contactPhone === null ? "" : String(p.contactPhone),
      shortDescription,
      description,
      cis: p.cis === undefined || p.cis === null ? "" : String(p.cis),
      category: "",
      origin: "Integration",
      openedTime: iso(now),
      updatedOn: iso(now),
      closeNotes: "",
      closeCode: "",
      comments: [],
      attachments: [],
    });
    ctx.rec.ticketNumber = t.number;
    const added = comments.map((c) => this.model.addComment(t, { ...c, body: c.body as string, source: "client" }));
    if (env === "echo") {
      this.model.enqueue(t, "Create", this.model.incidentBody(t));
      for (const c of added) this.model.enqueue(t, "Notes", this.model.incidentBody(t, { notes: this.model.notesOf(c) }));
    }
    const rule = this.timeouts.find((r) => r.remaining > 0 && (r.env === undefined || r.env === env));
    if (rule) {
      rule.remaining--;
      this.model.schedule(now + this.model.opts.returnNumberDelayMs, () => this.model.enqueueReturnNumber(t));
      if (rule.answer === "504") return { status: 504, json: { message: "Endpoint request timed out" }, headers: { "x-amzn-ErrorType": "InternalServerErrorException" } };
      return { status: 0, hang: true };
    }
    return { status: 200, json: { Response: t.number } };
  }

  private update(ctx: Ctx, env: string, t: TicketView, p: Record<string, unknown>): Result {
    const what = "This ticket cannot be updated.";
    if (t.change) return this.err("Bad Path");
    if (this.model.isFinal(t)) return this.closedError(t, what);
    const status = p.status === undefined || p.status === null ? undefined : String(p.status);
    if (status !== undefined && !STATUSES.includes(status)) return this.err([`Invalid status "${status}" (${STATUSES.join(", ")})`, what]);
    if (status === "closed" && t.status !== "resolved") return this.err(["Only a resolved ticket can be closed.", what]);
    if (status === "resolved" && t.status !== "resolved" && (typeof p.closeNotes !== "string" || p.closeNotes.trim() === "")) {
      return this.err(["Data Policy Exception: ", "The following fields are mandatory: closeNotes"]);
    }
    if (p.group !== undefined && p.group !== null && String(p.group) !== "" && !this.model.findGroup(this.model.clientBySlug(t.slug) as EnsonoClientConfig, String(p.group))) {
      return this.err(["assignment_group sys_id or name not found.", what]);
    }
    const changes: Record<string, string> = {};
    for (const k of ["status", "statusNextAction", "closeNotes", "closeCode", "description", "shortDescription", "group", "priority", "impact", "urgency", "cis"]) {
      if (p[k] === undefined || p[k] === null) continue;
      if (k === "group" && String(p[k]) === "") continue;
      const v = this.limit(ctx, k, String(p[k]), what);
      if (typeof v !== "string") return v;
      changes[k] = v;
    }
    const comments = this.comments(ctx, p, what);
    if (!Array.isArray(comments)) return comments;
    const ticket = this.model.tickets.get(t.number)!;
    let changed: Record<string, string>;
    try {
      changed = this.model.applyIncidentChanges(ticket, changes, { defaultPending: false });
    } catch (e) {
      if (e instanceof AgentError) return this.err([e.message, what]);
      throw e;
    }
    const added = comments.map((c) => this.model.addComment(ticket, { ...c, body: c.body as string, source: "client" }));
    if (env === "echo") {
      if (Object.keys(changed).length) this.model.enqueue(ticket, EnsonoModel.transactionFor(changed), this.model.incidentBody(ticket, { changed }));
      for (const c of added) this.model.enqueue(ticket, "Notes", this.model.incidentBody(ticket, { notes: this.model.notesOf(c) }));
    }
    if (status !== undefined && CLOSING.has(status)) return { status: this.v.closeStatusCode, json: { Response: "Ticket Closed Successfully" } };
    return { status: this.v.updateStatusCode, json: { Response: "Update Successful" } };
  }

  private returnPtn(t: TicketView, p: Record<string, unknown>): Result {
    const v = p.clientTicketNumber;
    if (v === undefined || v === null || String(v).trim() === "") return this.err(["Mandatory field(s) missing: clientTicketNumber", "PTN cannot be added."]);
    // the PTN lives on the integration record, not on the ticket: a closed ticket still takes it
    const ticket = this.model.tickets.get(t.number)!;
    ticket.clientTicketNumber = String(v);
    return { status: 200, json: { Response: "PTN added" } };
  }

  private notes(ctx: Ctx, env: string, t: TicketView, p: Record<string, unknown>): Result {
    const what = "Comments cannot be added.";
    if (!Array.isArray(p.comments) || p.comments.length === 0) return this.err(["Mandatory field(s) missing: comments", what]);
    if (this.model.isFinal(t)) return this.closedError(t, what);
    const comments = this.comments(ctx, p, what);
    if (!Array.isArray(comments)) return comments;
    const ticket = this.model.tickets.get(t.number)!;
    const added = comments.map((c) => this.model.addComment(ticket, { ...c, body: c.body as string, source: "client" }));
    if (env === "echo" && !ticket.change) {
      for (const c of added) this.model.enqueue(ticket, "Notes", this.model.incidentBody(ticket, { notes: this.model.notesOf(c) }));
    }
    return { status: 200, json: { Response: "Comments added" } };
  }

  private decide(ctx: Ctx, t: TicketView, p: Record<string, unknown>, action: "approve" | "reject"): Result {
    const what = "The approval cannot be processed.";
    if (!t.change) return this.err("Bad Path");
    if (this.model.isFinal(t)) return this.closedError(t, what);
    const ticket = this.model.tickets.get(t.number)!;
    const c = ticket.change as ChangeRecord;
    const approvalId = p.approvalId === undefined || p.approvalId === null ? "" : String(p.approvalId);
    if (!approvalId) return this.err(["Mandatory field(s) missing: approvalId", what]);
    const a = c.approvals.find((x) => x.approvalId === approvalId);
    if (!a) return this.err([`No approval record found for approvalId ${approvalId}`, what]);
    const comments = this.comments(ctx, p, what);
    if (!Array.isArray(comments)) return comments;
    const ok =
      action === "approve"
        ? { status: 200, json: { Response: "Approval Received Successfully" } }
        : { status: 200, json: { Response: `${this.v.rejectLeadingSpace ? " " : ""}Rejection Received Successfully` } };
    if (c.decision || a.state !== "requested") {
      ctx.rec.ignored = true;
      c.ignoredDecisions++;
      return ok;
    }
    const approver = p.approver === undefined || p.approver === null ? "" : String(p.approver);
    a.state = action === "approve" ? "approved" : "rejected";
    a.decidedBy = approver;
    a.comment = comments[0]?.body;
    for (const other of c.approvals) if (other !== a && other.state === "requested") other.state = "cancelled";
    c.decision = { action, approvalId, approver, at: this.model.clock.now() };
    c.approval = action === "approve" ? "approved" : "rejected";
    for (const cm of comments) this.model.addComment(ticket, { ...cm, body: cm.body as string, source: "client" });
    ticket.updatedOn = iso(this.model.clock.now());
    return ok;
  }

  private uploadUrl(ctx: Ctx, env: string, t: TicketView, fileName: string): Result {
    if (t.change) return this.err("Bad Path");
    if (this.model.isFinal(t)) return this.closedError(t, "The attachment cannot be added.");
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(fileName)) {
      return this.err("Invalid file name: use only letters, numbers, hyphens and dots, beginning with a letter or number.");
    }
    const base64 = fileName.endsWith(".base64");
    const real = base64 ? fileName.slice(0, -".base64".length) : fileName;
    if (!real) return this.err("Invalid file name: use only letters, numbers, hyphens and dots, beginning with a letter or number.");
    if (/\.exe$/i.test(real)) return this.err("File type exe is not allowed.");
    const store = storeOf(env);
    const bucket = `bpm-ensono-sn-bridge-${store}-files`;
    const key = `${sysId()}.${fileName}`;
    this.model.uploads.set(`${bucket}/${key}`, { key, bucket, ticketNumber: t.number, fileName: real, base64, used: false, env: env as "dev" });
    const url = presign(this.model.origin, "PUT", bucket, key, this.model.clock.now(), Math.round(this.model.opts.uploadUrlTtlMs / 1000));
    return { status: 200, json: { Response: { code: 200, body: url } } };
  }

  // ---- the S3 mimic (pre-signed upload and download URLs) ----------------------------

  s3(ctx: Ctx): Result {
    const xml = (status: number, body: string): Result => ({ status, text: body, contentType: "application/xml" });
    const bucket = decode(ctx.segs[1] ?? "") ?? "";
    const key = ctx.segs.slice(2).map((s) => decode(s) ?? s).join("/");
    const now = this.model.clock.now();
    if (ctx.method === "PUT") {
      ctx.rec.route = "upload";
      ctx.rec.rawBody = `${ctx.body.length} bytes`;
      const check = checkPresigned("PUT", bucket, key, ctx.query, now);
      if (!check.ok) return xml(check.status, check.xml);
      const slot = this.model.uploads.get(`${bucket}/${key}`);
      if (!slot || slot.used) return xml(403, s3Error("AccessDenied", "Access Denied"));
      ctx.rec.ticketNumber = slot.ticketNumber;
      ctx.rec.env = slot.env;
      const ct = String(ctx.headers["content-type"] ?? "");
      let content = ctx.body;
      let problem: string | undefined;
      if (slot.base64) {
        const text = ctx.body.toString("utf8").replace(/\s+/g, "");
        if (ct.split(";")[0].trim().toLowerCase() !== "text/plain") problem = `a .base64 upload needs Content-Type text/plain, not ${ct || "none"}`;
        else if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) problem = "the body is not Base64 text";
        else content = Buffer.from(text, "base64");
      } else problem = contentTypeProblem(slot.fileName, ct);
      if (problem && this.v.uploadTypeMismatch === "reject") return xml(400, s3Error("InvalidArgument", problem));
      slot.used = true;
      const etag = { ETag: `"${md5(ctx.body.toString("binary"))}"` };
      const t = this.model.tickets.get(slot.ticketNumber);
      if (problem || !t || this.model.isFinal(t)) {
        ctx.rec.dropped = problem ?? "the ticket was closed before the upload";
        return { status: 200, text: "", headers: etag };
      }
      const ext = slot.fileName.includes(".") ? slot.fileName.slice(slot.fileName.lastIndexOf(".") + 1).toLowerCase() : "";
      const a = {
        sysId: sysId(),
        fileName: slot.fileName,
        contentType: slot.base64 ? CONTENT_TYPES[ext]?.[0] ?? "application/octet-stream" : ct.split(";")[0].trim(),
        size: content.length,
        content,
        source: "client" as const,
        public: true,
        createdAt: now,
      };
      t.attachments.push(a);
      t.updatedOn = iso(now);
      if (slot.env === "echo") this.model.enqueue(t, "Attachment", this.model.attachmentBody(t, a, this.model.publishDownload(t, a)));
      return { status: 200, text: "", headers: etag };
    }
    if (ctx.method === "GET" || ctx.method === "HEAD") {
      ctx.rec.route = "download";
      const check = checkPresigned("GET", bucket, key, ctx.query, now);
      if (!check.ok) return xml(check.status, check.xml);
      const obj = this.model.downloads.get(`${bucket}/${key}`);
      if (!obj) return xml(404, s3Error("NoSuchKey", "The specified key does not exist.", `<Key>${key}</Key>`));
      return { status: 200, text: obj.content, contentType: obj.contentType, headers: { ETag: `"${md5(obj.content.toString("binary"))}"` } };
    }
    return xml(405, s3Error("MethodNotAllowed", "The specified method is not allowed against this resource."));
  }

  /** `attachmentInfo` links here: a ServiceNow-style attachment metadata record. */
  snow(ctx: Ctx): Result {
    const id = ctx.segs[ctx.segs.length - 1];
    if (ctx.method === "GET" && ctx.segs.length === 5 && ctx.segs.slice(1, 4).join("/") === "api/now/attachment") {
      for (const t of this.model.tickets.values()) {
        const a = t.attachments.find((x) => x.sysId === id);
        if (a) {
          return {
            status: 200,
            json: {
              result: {
                sys_id: a.sysId,
                file_name: a.fileName,
                content_type: a.contentType,
                size_bytes: String(a.size),
                table_name: t.change ? "change_request" : "sn_customerservice_case",
                table_sys_id: t.sysId,
                sys_created_on: snowTime(iso(a.createdAt)),
              },
            },
          };
        }
      }
    }
    return { status: 404, json: { error: { message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval" }, status: "failure" } };
  }
}

/** GET /tickets/{n} (dev only): a realistic subset of the guide's ServiceNow record dump. */
export function snowRecord(t: TicketView): Record<string, unknown> {
  const number = t.number.replace(/^e-/, "");
  const final = t.status === "closed" || t.status === "cancelled";
  const record = {
    account: "Ensono",
    active: final ? "false" : "true",
    approval: "Not Yet Requested",
    assigned_to: "",
    assignment_group: t.ensonoGroup,
    business_service: "UNKNOWN",
    case: `${t.shortDescription}${number}`,
    category: t.category,
    closed_at: t.status === "closed" ? snowTime(t.updatedOn) : "",
    cmdb_ci: "",
    company: t.clientName,
    contact: t.contactName,
    contact_type: t.origin,
    correlation_display: "",
    correlation_id: "",
    description: t.description,
    impact: t.impact,
    number,
    opened_at: snowTime(t.openedTime),
    opened_by: t.createdBy === "client" ? "Envision Connect Integration" : "Ensono User",
    priority: t.priority,
    resolution_code: t.closeCode || null,
    resolved_at: t.status === "resolved" || t.status === "closed" ? snowTime(t.updatedOn) : "",
    short_description: t.shortDescription,
    state: t.status,
    sys_class_name: "sn_customerservice_case",
    sys_created_by: t.createdBy === "client" ? "envision.connect@ensono.com" : "Ensono.User@Ensono.com",
    sys_created_on: snowTime(t.openedTime),
    sys_id: t.sysId,
    sys_mod_count: String(t.comments.length + t.attachments.length),
    sys_updated_on: snowTime(t.updatedOn),
    task_effective_number: number,
    u_affected_cis: t.cis,
    u_case_type: t.ticketType,
    u_hold_reason: t.status === "pending" ? t.statusNextAction ?? "" : "",
    u_off_hold_date: t.offHoldDate ? snowTime(t.offHoldDate) : "",
    u_vendor_ticket_reference: "",
    urgency: t.urgency,
    x_aito_data_sync_client_number: t.clientTicketNumber,
    closeNotes: t.closeNotes,
  };
  const attachments: Record<string, unknown> = {};
  for (const a of t.attachments) {
    attachments[a.sysId] = {
      content_type: a.contentType,
      file_name: a.fileName,
      size_bytes: String(a.size),
      state: "Available",
      sys_created_on: snowTime(iso(a.createdAt)),
      sys_id: a.sysId,
      table_name: "sn_customerservice_case",
      table_sys_id: t.sysId,
      u_public: "false",
      x_aito_data_sync_public: a.public ? "true" : "false",
    };
  }
  const comments: Record<string, unknown> = {};
  for (const c of t.comments) {
    comments[c.id] = {
      element: "comments",
      element_id: t.sysId,
      name: "sn_customerservice_case",
      sys_created_by: c.source === "client" ? "envision.connect@ensono.com" : c.commenterEmail ?? "Ensono.User@Ensono.com",
      sys_created_on: snowTime(iso(c.createdAt)),
      sys_id: c.id,
      sys_tags: "",
      value: c.value,
    };
  }
  const taskCi: Record<string, unknown> = {};
  for (const ci of t.cis.split(",").map((s) => s.trim()).filter(Boolean)) taskCi[ci] = { ci_item: ci };
  return { task_ci: taskCi, attachments, comments, incident: record, case: record, u_task_integ: { u_client_ticket_number: t.clientTicketNumber } };
}

/** Free-text fields of an inbound payload (the guide's "SPECIAL CHARACTERS"). */
const FREE_TEXT_FIELDS = ["description", "shortDescription", "closeNotes", "contactName", "contactEmail", "contactPhone"];

/** The bridge's second parse of a free-text value; undefined when it would fail. */
function secondParse(text: string): string | undefined {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return undefined;
  }
}
