import * as crypto from "node:crypto";
import type { SimClock } from "../common/clock";
import { API_PLANS, LANGUAGES, SERVICES, SEVERITIES_BY_PLAN, SEVERITY_LEVELS, type SupportPlan } from "./catalog";
import { errors, SupportApiError } from "./errors";

/** Case statuses as the Support API reports them (pending-amazon-action is a console label, accepted for completeness). */
export const CASE_STATUSES = [
  "unassigned",
  "work-in-progress",
  "pending-customer-action",
  "customer-action-completed",
  "reopened",
  "opened",
  "resolved",
  "pending-amazon-action",
] as const;

export const ENGINEER = "Amazon Web Services";
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_ATTACHMENTS_PER_SET = 3;
const RECENT_COMMUNICATIONS = 5;

export interface AccountSettings {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  supportPlan: SupportPlan;
  name?: string;
  language: string;
}

/** Who made a request: the account it counts against and how AWS shows the caller. */
export interface Caller {
  accountId: string;
  /** as `submittedBy` shows it, e.g. `sim-user (IAM User) <aws-111111111111@example.com>` */
  submittedBy: string;
  arn: string;
}

export interface AttachmentRef {
  attachmentId: string;
  fileName: string;
}

export interface CommunicationView {
  caseId: string;
  body: string;
  submittedBy: string;
  timeCreated: string;
  ccEmailAddresses: string[];
  attachmentSet: AttachmentRef[];
}

export interface CaseView {
  caseId: string;
  displayId: string;
  accountId: string;
  subject: string;
  status: string;
  serviceCode: string;
  categoryCode: string;
  severityCode: string;
  issueType: string;
  submittedBy: string;
  timeCreated: string;
  ccEmailAddresses: string[];
  language: string;
  /** set when the case was resolved: by the customer, an AWS operator, or the auto-resolver */
  resolvedBy?: "customer" | "operator" | "auto-resolver";
  /** oldest first */
  communications: CommunicationView[];
}

interface CommunicationRecord {
  seq: number;
  caseId: string;
  body: string;
  submittedBy: string;
  time: number;
  ccEmailAddresses: string[];
  attachments: AttachmentRef[];
}

interface CaseRecord {
  seq: number;
  caseId: string;
  displayId: string;
  accountId: string;
  subject: string;
  status: string;
  serviceCode: string;
  categoryCode: string;
  severityCode: string;
  issueType: string;
  submittedBy: string;
  time: number;
  ccEmailAddresses: string[];
  language: string;
  resolvedBy?: CaseView["resolvedBy"];
  communications: CommunicationRecord[];
}

interface AttachmentSetRecord {
  id: string;
  accountId: string;
  expiry: number;
  attachments: Array<{ attachmentId: string; fileName: string; data: Buffer }>;
  used: boolean;
}

/** A sliding window of accepted events on the simulated clock. */
export class RateWindow {
  private times: number[] = [];

  /** Records an event and says true when it fits `limit` per `perMs`; a refused event is not recorded. */
  take(now: number, limit: number, perMs: number): boolean {
    this.times = this.times.filter((t) => t > now - perMs);
    if (this.times.length >= limit) return false;
    this.times.push(now);
    return true;
  }
}

export interface Limits {
  attachmentSetTtlMs: number;
  caseCreationLimit?: number;
  attachmentSetRateLimit?: { sets: number; perMs: number };
  describeAttachmentLimit?: { requests: number; perMs: number };
}

interface AccountRuntime {
  settings: AccountSettings;
  caseCreations: RateWindow;
  setCreations: RateWindow;
  attachmentReads: RateWindow;
}

type Json = Record<string, unknown>;

/** The simulated Support back end: accounts, cases, communications and attachment sets. */
export class SupportState {
  private readonly accounts = new Map<string, AccountRuntime>();
  private readonly cases = new Map<string, CaseRecord>();
  private readonly sets = new Map<string, AttachmentSetRecord>();
  private readonly attachments = new Map<string, { accountId: string; fileName: string; data: Buffer }>();
  private seq = 0;
  private nextDisplayId = 1_700_000_000 + crypto.randomInt(0, 90_000_000);

  constructor(
    private readonly clock: SimClock,
    readonly limits: Limits,
  ) {}

  addAccount(settings: AccountSettings): void {
    this.accounts.set(settings.accountId, { settings, caseCreations: new RateWindow(), setCreations: new RateWindow(), attachmentReads: new RateWindow() });
  }

  account(accountId: string): AccountSettings | undefined {
    return this.accounts.get(accountId)?.settings;
  }

  accountList(): AccountSettings[] {
    return [...this.accounts.values()].map((a) => a.settings);
  }

  accountByKey(accessKeyId: string): AccountSettings | undefined {
    for (const a of this.accounts.values()) if (a.settings.accessKeyId === accessKeyId) return a.settings;
    return undefined;
  }

  /** SubscriptionRequiredException unless the account's plan may use the API. */
  requireApiPlan(accountId: string): void {
    const a = this.accounts.get(accountId);
    if (!a || !API_PLANS.includes(a.settings.supportPlan)) throw errors.subscriptionRequired();
  }

  // ---------------------------------------------------------------- operations

  dispatch(operation: string, caller: Caller, input: Json): Json {
    switch (operation) {
      case "CreateCase":
        return this.createCase(caller, input);
      case "DescribeCases":
        return this.describeCases(caller, input);
      case "AddCommunicationToCase":
        return this.addCommunicationToCase(caller, input);
      case "DescribeCommunications":
        return this.describeCommunications(caller, input);
      case "ResolveCase":
        return this.resolveCase(caller, input);
      case "AddAttachmentsToSet":
        return this.addAttachmentsToSet(caller, input);
      case "DescribeAttachment":
        return this.describeAttachment(caller, input);
      case "DescribeServices":
        return this.describeServices(input);
      case "DescribeSeverityLevels":
        return this.describeSeverityLevels(caller, input);
      case "DescribeSupportedLanguages":
        return { supportedLanguages: [
          { code: "en", language: "English", display: "English" },
          { code: "ja", language: "Japanese", display: "日本語" },
          { code: "zh", language: "Chinese", display: "中文" },
          { code: "ko", language: "Korean", display: "한국어" },
        ] };
      default:
        throw errors.unknownOperation();
    }
  }

  private createCase(caller: Caller, input: Json): Json {
    const subject = requiredString(input, "subject", 1, 1024);
    const body = requiredString(input, "communicationBody", 1, 8000);
    const issueType = optionalString(input, "issueType") ?? "technical";
    if (issueType !== "technical" && issueType !== "customer-service") throw errors.invalidParameter(`Invalid issue type: ${issueType}`);
    let serviceCode = optionalString(input, "serviceCode");
    let categoryCode = optionalString(input, "categoryCode");
    if (issueType === "technical" && (!serviceCode || !categoryCode)) throw errors.invalidParameter("serviceCode and categoryCode are required for technical cases.");
    if (serviceCode !== undefined) {
      const service = SERVICES.find((s) => s.code === serviceCode);
      if (!service) throw errors.invalidParameter(`Invalid service code: ${serviceCode}`);
      if (categoryCode !== undefined && !service.categories.some((c) => c.code === categoryCode)) throw errors.invalidParameter(`Invalid category code: ${categoryCode}`);
    }
    if (issueType === "customer-service") {
      serviceCode = serviceCode ?? "customer-account";
      categoryCode = categoryCode ?? "other-account-issues";
    }
    const account = this.runtime(caller.accountId);
    const severityCode = optionalString(input, "severityCode") ?? "low";
    if (!SEVERITY_LEVELS.some((s) => s.code === severityCode)) throw errors.invalidParameter(`Invalid severity code: ${severityCode}`);
    if (!SEVERITIES_BY_PLAN[account.settings.supportPlan].includes(severityCode))
      throw errors.invalidParameter(`The severity code ${severityCode} is not available for your support plan.`);
    const language = optionalString(input, "language") ?? account.settings.language;
    if (!LANGUAGES.includes(language)) throw errors.invalidParameter(`Invalid language: ${language}`);
    const cc = emailList(input);
    const setId = optionalString(input, "attachmentSetId");
    const set = setId !== undefined ? this.usableSet(caller.accountId, setId) : undefined;
    if (input.dryRun === true) throw errors.dryRun();
    if (this.limits.caseCreationLimit !== undefined && !account.caseCreations.take(this.clock.now(), this.limits.caseCreationLimit, 24 * 3_600_000))
      throw errors.caseCreationLimitExceeded();

    const now = this.clock.now();
    const caseId = `case-${caller.accountId}-${randomLetters(4)}-${new Date(now).getUTCFullYear()}-${crypto.randomBytes(8).toString("hex")}`;
    const record: CaseRecord = {
      seq: ++this.seq,
      caseId,
      displayId: String(this.nextDisplayId++),
      accountId: caller.accountId,
      subject,
      status: "unassigned",
      serviceCode: serviceCode!,
      categoryCode: categoryCode!,
      severityCode,
      issueType,
      submittedBy: caller.submittedBy,
      time: now,
      ccEmailAddresses: cc,
      language,
      communications: [],
    };
    this.cases.set(caseId, record);
    this.appendCommunication(record, body, caller.submittedBy, cc, set);
    return { caseId };
  }

  private describeCases(caller: Caller, input: Json): Json {
    const ids = optionalStringList(input, "caseIdList");
    if (ids && ids.length > 100) throw errors.validation("caseIdList", `[${ids.length} items]`, "Member must have length less than or equal to 100");
    const displayId = optionalString(input, "displayId");
    const after = optionalTime(input, "afterTime");
    const before = optionalTime(input, "beforeTime");
    const includeResolved = optionalBoolean(input, "includeResolvedCases") ?? false;
    const includeCommunications = optionalBoolean(input, "includeCommunications") ?? true;
    const maxResults = pageSize(input);
    const token = optionalString(input, "nextToken");
    const afterSeq = token !== undefined ? decodeToken(token, "cases").s : undefined;
    optionalString(input, "language");
    if (ids) for (const id of ids) this.caseOf(caller, id); // CaseIdNotFound for any id not in this account
    if (input.dryRun === true) throw errors.dryRun();

    const all = [...this.cases.values()]
      .filter((c) => c.accountId === caller.accountId)
      .filter((c) => !ids || ids.includes(c.caseId))
      .filter((c) => displayId === undefined || c.displayId === displayId)
      .filter((c) => after === undefined || c.time >= after)
      .filter((c) => before === undefined || c.time < before)
      .filter((c) => includeResolved || c.status !== "resolved")
      .sort((a, b) => b.seq - a.seq)
      .filter((c) => afterSeq === undefined || c.seq < afterSeq);
    const page = all.slice(0, maxResults);
    const out: Json = { cases: page.map((c) => this.caseDetails(c, includeCommunications)) };
    if (all.length > page.length) out.nextToken = encodeToken({ k: "cases", s: page[page.length - 1].seq });
    return out;
  }

  private addCommunicationToCase(caller: Caller, input: Json): Json {
    const body = requiredString(input, "communicationBody", 1, 8000);
    const caseId = optionalString(input, "caseId");
    if (caseId === undefined) throw errors.caseIdNotFound("(none)");
    const record = this.caseOf(caller, caseId);
    const cc = emailList(input);
    const setId = optionalString(input, "attachmentSetId");
    const set = setId !== undefined ? this.usableSet(caller.accountId, setId) : undefined;
    if (input.dryRun === true) throw errors.dryRun();
    this.appendCommunication(record, body, caller.submittedBy, cc, set);
    if (record.status === "pending-customer-action") record.status = "customer-action-completed";
    else if (record.status === "resolved") {
      record.status = "reopened";
      record.resolvedBy = undefined;
    }
    return { result: true };
  }

  private describeCommunications(caller: Caller, input: Json): Json {
    const caseId = requiredString(input, "caseId", 1, 1000);
    const record = this.caseOf(caller, caseId);
    const after = optionalTime(input, "afterTime");
    const before = optionalTime(input, "beforeTime");
    const maxResults = pageSize(input);
    const token = optionalString(input, "nextToken");
    let afterSeq: number | undefined;
    if (token !== undefined) {
      const t = decodeToken(token, "comms");
      if (t.c !== caseId) throw errors.invalidParameter("Invalid pagination token.");
      afterSeq = t.s;
    }
    if (input.dryRun === true) throw errors.dryRun();
    const all = [...record.communications]
      .sort((a, b) => b.seq - a.seq)
      .filter((m) => after === undefined || m.time >= after)
      .filter((m) => before === undefined || m.time < before)
      .filter((m) => afterSeq === undefined || m.seq < afterSeq);
    const page = all.slice(0, maxResults);
    const out: Json = { communications: page.map(communicationJson) };
    if (all.length > page.length) out.nextToken = encodeToken({ k: "comms", c: caseId, s: page[page.length - 1].seq });
    return out;
  }

  private resolveCase(caller: Caller, input: Json): Json {
    const caseId = optionalString(input, "caseId");
    if (caseId === undefined) throw errors.caseIdNotFound("(none)");
    const record = this.caseOf(caller, caseId);
    if (input.dryRun === true) throw errors.dryRun();
    const initialCaseStatus = record.status;
    if (record.status !== "resolved") {
      record.status = "resolved";
      record.resolvedBy = "customer";
    }
    return { initialCaseStatus, finalCaseStatus: "resolved" };
  }

  private addAttachmentsToSet(caller: Caller, input: Json): Json {
    const list = input.attachments;
    if (!Array.isArray(list)) throw errors.validation("attachments", list, "Member must not be null");
    const incoming = list.map((a, i) => {
      const item = (a ?? {}) as Json;
      const fileName = typeof item.fileName === "string" && item.fileName ? item.fileName : `attachment-${i + 1}`;
      if (item.data !== undefined && typeof item.data !== "string") throw errors.serialization(`attachments.${i}.data must be a base64 string`);
      const data = Buffer.from((item.data as string | undefined) ?? "", "base64");
      return { fileName, data };
    });
    const setId = optionalString(input, "attachmentSetId");
    const now = this.clock.now();
    let set: AttachmentSetRecord | undefined;
    if (setId !== undefined) set = this.usableSet(caller.accountId, setId);
    const total = (set?.attachments.length ?? 0) + incoming.length;
    if (total > MAX_ATTACHMENTS_PER_SET) throw errors.attachmentSetSizeLimitExceeded(`${total} attachments in one set`);
    const big = incoming.find((a) => a.data.length > MAX_ATTACHMENT_BYTES);
    if (big) throw errors.attachmentSetSizeLimitExceeded(`${big.fileName} is ${big.data.length} bytes`);
    if (input.dryRun === true) throw errors.dryRun();
    const rate = this.limits.attachmentSetRateLimit;
    if (!set && rate && !this.runtime(caller.accountId).setCreations.take(now, rate.sets, rate.perMs)) throw errors.attachmentLimitExceeded();
    if (!set) {
      set = { id: `as-${crypto.randomBytes(30).toString("base64url")}`, accountId: caller.accountId, expiry: now + this.limits.attachmentSetTtlMs, attachments: [], used: false };
      this.sets.set(set.id, set);
    }
    for (const a of incoming) set.attachments.push({ attachmentId: newAttachmentId(), fileName: a.fileName, data: a.data });
    return { attachmentSetId: set.id, expiryTime: new Date(set.expiry).toISOString() };
  }

  private describeAttachment(caller: Caller, input: Json): Json {
    const id = requiredString(input, "attachmentId", 1, 10_000);
    const limit = this.limits.describeAttachmentLimit;
    if (limit && !this.runtime(caller.accountId).attachmentReads.take(this.clock.now(), limit.requests, limit.perMs)) throw errors.describeAttachmentLimitExceeded();
    const a = this.attachments.get(id);
    if (!a || a.accountId !== caller.accountId) throw errors.attachmentIdNotFound();
    if (input.dryRun === true) throw errors.dryRun();
    return { attachment: { fileName: a.fileName, data: a.data.toString("base64") } };
  }

  private describeServices(input: Json): Json {
    const codes = optionalStringList(input, "serviceCodeList");
    optionalString(input, "language");
    if (input.dryRun === true) throw errors.dryRun();
    const services = SERVICES.filter((s) => !codes || codes.length === 0 || codes.includes(s.code));
    return { services: services.map((s) => ({ code: s.code, name: s.name, categories: s.categories.map((c) => ({ ...c })) })) };
  }

  private describeSeverityLevels(caller: Caller, input: Json): Json {
    optionalString(input, "language");
    if (input.dryRun === true) throw errors.dryRun();
    const allowed = SEVERITIES_BY_PLAN[this.runtime(caller.accountId).settings.supportPlan];
    return { severityLevels: SEVERITY_LEVELS.filter((s) => allowed.includes(s.code)).map((s) => ({ ...s })) };
  }

  // ---------------------------------------------------------------- engineer

  engineerReply(caseId: string, body: string, opts: { attachments?: Array<{ fileName: string; data: Buffer }>; status?: string } = {}): void {
    const record = this.anyCase(caseId);
    if (!body) throw new Error("an engineer reply needs a body");
    const status = opts.status ?? "pending-customer-action";
    checkStatus(status);
    if ((opts.attachments?.length ?? 0) > MAX_ATTACHMENTS_PER_SET) throw new Error(`at most ${MAX_ATTACHMENTS_PER_SET} attachments per communication`);
    const set: AttachmentSetRecord | undefined = opts.attachments?.length
      ? { id: "engineer", accountId: record.accountId, expiry: Infinity, used: false, attachments: opts.attachments.map((a) => ({ attachmentId: newAttachmentId(), fileName: a.fileName, data: Buffer.from(a.data) })) }
      : undefined;
    this.appendCommunication(record, body, ENGINEER, [], set);
    this.setStatusOf(record, status);
  }

  engineerSetStatus(caseId: string, status: string): void {
    checkStatus(status);
    this.setStatusOf(this.anyCase(caseId), status);
  }

  engineerResolve(caseId: string, by: "operator" | "auto-resolver" = "operator"): void {
    const record = this.anyCase(caseId);
    if (by === "auto-resolver")
      this.appendCommunication(
        record,
        "We haven't heard back from you regarding this case, so we're resolving it. If you still need help, reply to this case to reopen it.",
        ENGINEER,
        [],
        undefined,
      );
    record.status = "resolved";
    record.resolvedBy = by;
  }

  private setStatusOf(record: CaseRecord, status: string): void {
    record.status = status;
    record.resolvedBy = status === "resolved" ? (record.resolvedBy ?? "operator") : undefined;
  }

  // ---------------------------------------------------------------- views

  view(accountId: string): CaseView[] {
    return [...this.cases.values()]
      .filter((c) => c.accountId === accountId)
      .sort((a, b) => a.seq - b.seq)
      .map((c) => ({
        caseId: c.caseId,
        displayId: c.displayId,
        accountId: c.accountId,
        subject: c.subject,
        status: c.status,
        serviceCode: c.serviceCode,
        categoryCode: c.categoryCode,
        severityCode: c.severityCode,
        issueType: c.issueType,
        submittedBy: c.submittedBy,
        timeCreated: iso(c.time),
        ccEmailAddresses: [...c.ccEmailAddresses],
        language: c.language,
        ...(c.resolvedBy ? { resolvedBy: c.resolvedBy } : {}),
        communications: c.communications.map((m) => ({
          caseId: m.caseId,
          body: m.body,
          submittedBy: m.submittedBy,
          timeCreated: iso(m.time),
          ccEmailAddresses: [...m.ccEmailAddresses],
          attachmentSet: m.attachments.map((a) => ({ ...a })),
        })),
      }));
  }

  /** A case of any account (for the engineer and the control API). */
  findCase(caseId: string): CaseView | undefined {
    const c = this.cases.get(caseId);
    return c ? this.view(c.accountId).find((v) => v.caseId === caseId) : undefined;
  }

  // ---------------------------------------------------------------- helpers

  private runtime(accountId: string): AccountRuntime {
    const a = this.accounts.get(accountId);
    if (!a) throw errors.unrecognizedClient();
    return a;
  }

  private caseOf(caller: Caller, caseId: string): CaseRecord {
    const c = this.cases.get(caseId);
    if (!c || c.accountId !== caller.accountId) throw errors.caseIdNotFound(caseId);
    return c;
  }

  private anyCase(caseId: string): CaseRecord {
    const c = this.cases.get(caseId);
    if (!c) throw new Error(`no case ${caseId} in the AWS Support sandbox`);
    return c;
  }

  /** The set, if it belongs to the account, has not expired and was not attached yet. */
  private usableSet(accountId: string, setId: string): AttachmentSetRecord {
    const set = this.sets.get(setId);
    if (!set || set.accountId !== accountId || set.used) throw errors.attachmentSetIdNotFound();
    if (this.clock.now() >= set.expiry) throw errors.attachmentSetExpired();
    return set;
  }

  private appendCommunication(record: CaseRecord, body: string, submittedBy: string, cc: string[], set: AttachmentSetRecord | undefined): void {
    const refs: AttachmentRef[] = [];
    if (set) {
      set.used = true;
      for (const a of set.attachments) {
        this.attachments.set(a.attachmentId, { accountId: record.accountId, fileName: a.fileName, data: a.data });
        refs.push({ attachmentId: a.attachmentId, fileName: a.fileName });
      }
    }
    record.communications.push({ seq: ++this.seq, caseId: record.caseId, body, submittedBy, time: this.clock.now(), ccEmailAddresses: cc, attachments: refs });
  }

  private caseDetails(c: CaseRecord, includeCommunications: boolean): Json {
    const out: Json = {
      caseId: c.caseId,
      displayId: c.displayId,
      subject: c.subject,
      status: c.status,
      serviceCode: c.serviceCode,
      categoryCode: c.categoryCode,
      severityCode: c.severityCode,
      submittedBy: c.submittedBy,
      timeCreated: iso(c.time),
      ccEmailAddresses: [...c.ccEmailAddresses],
      language: c.language,
    };
    if (includeCommunications) {
      const newest = [...c.communications].sort((a, b) => b.seq - a.seq);
      const recent = newest.slice(0, RECENT_COMMUNICATIONS);
      const rc: Json = { communications: recent.map(communicationJson) };
      if (newest.length > recent.length) rc.nextToken = encodeToken({ k: "comms", c: c.caseId, s: recent[recent.length - 1].seq });
      out.recentCommunications = rc;
    }
    return out;
  }
}

// -------------------------------------------------------------------- pure helpers

function communicationJson(m: CommunicationRecord): Json {
  return { caseId: m.caseId, body: m.body, submittedBy: m.submittedBy, timeCreated: iso(m.time), attachmentSet: m.attachments.map((a) => ({ ...a })) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checkStatus(status: string): void {
  if (!(CASE_STATUSES as readonly string[]).includes(status)) throw new Error(`unknown case status "${status}" (one of ${CASE_STATUSES.join(", ")})`);
}

function randomLetters(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + crypto.randomInt(0, 26));
  return s;
}

function newAttachmentId(): string {
  return `attachment-${crypto.randomBytes(48).toString("base64url")}`;
}

interface PageToken {
  k: "cases" | "comms";
  s: number;
  c?: string;
}

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

function decodeToken(token: string, kind: PageToken["k"]): PageToken {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageToken;
    if (t && t.k === kind && typeof t.s === "number") return t;
  } catch {
    /* falls through */
  }
  throw errors.invalidParameter("Invalid pagination token.");
}

function requiredString(input: Json, name: string, min: number, max: number): string {
  const v = input[name];
  if (v === undefined || v === null) throw errors.validation(name, null, "Member must not be null");
  if (typeof v !== "string") throw errors.serialization(`${name} must be a string`);
  if (v.length < min) throw errors.validation(name, v, `Member must have length greater than or equal to ${min}`);
  if (v.length > max) throw errors.validation(name, `${v.slice(0, 20)}…`, `Member must have length less than or equal to ${max}`);
  return v;
}

function optionalString(input: Json, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw errors.serialization(`${name} must be a string`);
  return v;
}

function optionalBoolean(input: Json, name: string): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw errors.serialization(`${name} must be a boolean`);
  return v;
}

function optionalStringList(input: Json, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw errors.serialization(`${name} must be a list of strings`);
  return v as string[];
}

function optionalTime(input: Json, name: string): number | undefined {
  const v = optionalString(input, name);
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw errors.invalidParameter(`Invalid ${name}: ${v}. Use an ISO-8601 date and time.`);
  return t;
}

function pageSize(input: Json): number {
  const v = input.maxResults;
  if (v === undefined || v === null) return 100;
  if (typeof v !== "number" || !Number.isInteger(v)) throw errors.serialization("maxResults must be an integer");
  if (v < 10) throw errors.validation("maxResults", v, "Member must have value greater than or equal to 10");
  if (v > 100) throw errors.validation("maxResults", v, "Member must have value less than or equal to 100");
  return v;
}

function emailList(input: Json): string[] {
  const list = optionalStringList(input, "ccEmailAddresses") ?? [];
  if (list.length > 10) throw errors.validation("ccEmailAddresses", `[${list.length} items]`, "Member must have length less than or equal to 10");
  return [...list];
}

export { SupportApiError };
