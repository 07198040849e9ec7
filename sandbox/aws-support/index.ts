/**
 * AWS Support API simulator (plus a tiny STS stand-in) for tests and the demo.
 *
 * One HTTP server answers:
 *  - the Support API as the unmodified `@aws-sdk/client-support` sends it:
 *    `POST /`, awsJson1_1, `X-Amz-Target: AWSSupport_20130415.<Operation>`, SigV4;
 *  - STS's Query API (`Action=AssumeRole`, `GetCallerIdentity`) under `/sts`;
 *  - a JSON control API under `/_sandbox/…` (see README.md).
 */
import * as crypto from "node:crypto";
import type * as http from "node:http";
import { SimClock } from "../common/clock";
import { FaultInjector } from "../common/faults";
import { delay, listen, readBody, sendJson, sendText } from "../common/http";
import { SEVERITIES_BY_PLAN, type SupportPlan } from "./catalog";
import { errors, SupportApiError } from "./errors";
import { parseAuthorization, verifySignature, type SigV4Authorization } from "./sigv4";
import { CASE_STATUSES, RateWindow, SupportState, type Caller, type CaseView, type CommunicationView } from "./state";
import { StsError, StsService, stsErrorXml } from "./sts";

export type { CaseView, CommunicationView, SupportPlan };
export { CASE_STATUSES, SEVERITIES_BY_PLAN };

export interface AwsAccountConfig {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** default "business" */
  supportPlan?: SupportPlan;
  name?: string;
  /** default "en" */
  language?: string;
  /** IAM user name shown in `submittedBy` for this key (default "sim-user") */
  userName?: string;
  /** e-mail shown in `submittedBy` (default `aws-<accountId>@example.com`) */
  email?: string;
}

export interface AwsSupportSandboxOptions {
  port?: number;
  clock?: SimClock;
  accounts?: AwsAccountConfig[];
  /** per account; over it → ThrottlingException (400, as AWS). Counted on the SimClock. */
  throttle?: { requests: number; perMs: number };
  /** default 3_600_000 (AWS: a set expires one hour after it is created) */
  attachmentSetTtlMs?: number;
  /** cases per account per (simulated) day before CaseCreationLimitExceeded; unlimited when omitted */
  caseCreationLimit?: number;
  /** STS AssumeRole targets: a role in another account → temporary creds mapping to that account */
  roles?: Array<{ roleArn: string; accountId: string }>;
  /** new attachment sets per account per period before AttachmentLimitExceeded; unlimited when omitted */
  attachmentSetRateLimit?: { sets: number; perMs: number };
  /** DescribeAttachment calls per account per period before DescribeAttachmentLimitExceeded; unlimited when omitted */
  describeAttachmentLimit?: { requests: number; perMs: number };
  /** recompute and check SigV4 signatures with the account's secret (default true) */
  verifySignatures?: boolean;
}

export interface AwsEngineer {
  /** A reply from "Amazon Web Services"; moves the case to `opts.status` (default pending-customer-action). */
  reply(caseId: string, body: string, opts?: { attachments?: Array<{ fileName: string; data: Buffer }>; status?: string }): void;
  setStatus(caseId: string, status: string): void;
  resolve(caseId: string, by?: "operator" | "auto-resolver"): void;
}

export interface SandboxCall {
  accountId?: string;
  operation: string;
  status: number;
  /** the error's `__type` (Support) or `Code` (STS) when the call failed */
  error?: string;
}

export interface AwsSupportSandbox {
  /** http://127.0.0.1:PORT  (Support API: POST / with X-Amz-Target) */
  endpoint: string;
  /** same server, STS Query API, XML responses as real STS */
  stsEndpoint: string;
  clock: SimClock;
  faults: FaultInjector;
  engineer: AwsEngineer;
  inspect: { cases(accountId: string): CaseView[]; calls: SandboxCall[] };
  /** changes (or with undefined removes) the per-account request rate limit */
  setThrottle(throttle: { requests: number; perMs: number } | undefined): void;
  /** changes an account's support plan (e.g. to "basic" to see SubscriptionRequiredException) */
  setSupportPlan(accountId: string, plan: SupportPlan): void;
  close(): Promise<void>;
}

export const DEFAULT_ACCOUNTS: AwsAccountConfig[] = [
  { accountId: "111111111111", accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" },
  { accountId: "222222222222", accessKeyId: "AKIASIM222222222222", secretAccessKey: "sim-secret-2" },
];

const SUPPORT_TARGET_PREFIX = "AWSSupport_20130415.";
const PLANS: SupportPlan[] = ["basic", "developer", "business", "enterprise-on-ramp", "enterprise"];

export async function startAwsSupportSandbox(options: AwsSupportSandboxOptions = {}): Promise<AwsSupportSandbox> {
  const clock = options.clock ?? new SimClock();
  const faults = new FaultInjector();
  const verify = options.verifySignatures ?? true;
  let throttle = options.throttle;
  const throttleWindows = new Map<string, RateWindow>();
  const calls: SandboxCall[] = [];
  const accountConfigs = new Map<string, AwsAccountConfig>();

  const state = new SupportState(clock, {
    attachmentSetTtlMs: options.attachmentSetTtlMs ?? 3_600_000,
    caseCreationLimit: options.caseCreationLimit,
    attachmentSetRateLimit: options.attachmentSetRateLimit,
    describeAttachmentLimit: options.describeAttachmentLimit,
  });
  for (const a of options.accounts ?? DEFAULT_ACCOUNTS) {
    if (!/^\d{12}$/.test(a.accountId)) throw new Error(`AWS account id must be 12 digits: ${a.accountId}`);
    const plan = a.supportPlan ?? "business";
    if (!PLANS.includes(plan)) throw new Error(`unknown support plan ${plan}`);
    accountConfigs.set(a.accountId, a);
    state.addAccount({ accountId: a.accountId, accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey, supportPlan: plan, name: a.name, language: a.language ?? "en" });
  }
  const sts = new StsService(options.roles ?? []);

  /** Who the request's credentials belong to; throws the error AWS would answer. */
  function authenticate(req: http.IncomingMessage, body: Buffer, auth: SigV4Authorization | undefined): Caller {
    if (!req.headers.authorization) throw errors.missingToken();
    if (!auth) throw new SupportApiError("IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.");
    const account = state.accountByKey(auth.accessKeyId);
    if (account) {
      if (verify && !verifySignature(req, body, auth, account.secretAccessKey)) throw errors.invalidSignature();
      const cfg = accountConfigs.get(account.accountId)!;
      const user = cfg.userName ?? "sim-user";
      return { accountId: account.accountId, submittedBy: `${user} (IAM User) <${emailOf(cfg)}>`, arn: `arn:aws:iam::${account.accountId}:user/${user}` };
    }
    const session = sts.session(auth.accessKeyId);
    if (session) {
      if (req.headers["x-amz-security-token"] !== session.sessionToken) throw errors.unrecognizedClient();
      if (Date.now() >= session.expiresAt) throw errors.expiredToken();
      if (verify && !verifySignature(req, body, auth, session.secretAccessKey)) throw errors.invalidSignature();
      const cfg = accountConfigs.get(session.accountId);
      if (!cfg) throw errors.unrecognizedClient();
      return {
        accountId: session.accountId,
        submittedBy: `${session.roleName} (Role) <${emailOf(cfg)}>`,
        arn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
      };
    }
    throw errors.unrecognizedClient();
  }

  /** The account a request claims, without verifying it (for the call log and faults). */
  function claimedAccount(auth: SigV4Authorization | undefined): string | undefined {
    if (!auth) return undefined;
    return state.accountByKey(auth.accessKeyId)?.accountId ?? sts.session(auth.accessKeyId)?.accountId;
  }

  function processSupport(operation: string, req: http.IncomingMessage, body: Buffer, auth: SigV4Authorization | undefined): { status: number; body: Record<string, unknown> } {
    try {
      const caller = authenticate(req, body, auth);
      if (!operation) throw errors.unknownOperation();
      state.requireApiPlan(caller.accountId);
      if (throttle) {
        let w = throttleWindows.get(caller.accountId);
        if (!w) throttleWindows.set(caller.accountId, (w = new RateWindow()));
        if (!w.take(clock.now(), throttle.requests, throttle.perMs)) throw errors.throttling();
      }
      let input: Record<string, unknown> = {};
      const text = body.toString("utf8").trim();
      if (text) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
          input = parsed as Record<string, unknown>;
        } catch {
          throw errors.serialization("Start of structure or map found where not expected.");
        }
      }
      return { status: 200, body: state.dispatch(operation, caller, input) };
    } catch (err) {
      const e = err instanceof SupportApiError ? err : errors.internal();
      return { status: e.status, body: e.toBody() };
    }
  }

  function processSts(req: http.IncomingMessage, body: Buffer, auth: SigV4Authorization | undefined, requestId: string): { status: number; xml: string; code?: string } {
    const params = new URLSearchParams(body.toString("utf8"));
    const q = (req.url ?? "").indexOf("?");
    if (q >= 0) new URLSearchParams((req.url ?? "").slice(q + 1)).forEach((v, k) => params.has(k) || params.set(k, v));
    try {
      let caller: Caller;
      try {
        caller = authenticate(req, body, auth);
      } catch (err) {
        const type = err instanceof SupportApiError ? err.type : "";
        if (type === "InvalidSignatureException") throw new StsError("SignatureDoesNotMatch", (err as Error).message, 403);
        if (type === "ExpiredTokenException") throw new StsError("ExpiredToken", "The security token included in the request is expired", 400);
        if (type === "MissingAuthenticationTokenException") throw new StsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
        throw new StsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
      }
      return { status: 200, xml: sts.handle(params, caller, requestId) };
    } catch (err) {
      const e = err instanceof StsError ? err : new StsError("InternalFailure", "An internal error occurred.", 500, "Receiver");
      return { status: e.status, xml: stsErrorXml(e, requestId), code: e.code };
    }
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const body = await readBody(req);
    const requestId = crypto.randomUUID();
    const auth = parseAuthorization(req.headers.authorization);
    const target = String(req.headers["x-amz-target"] ?? "");
    const isSts = !target && (path.startsWith("/sts") || String(req.headers["content-type"] ?? "").includes("x-www-form-urlencoded"));
    const operation = isSts
      ? (new URLSearchParams(body.toString("utf8")).get("Action") ?? "")
      : target.startsWith(SUPPORT_TARGET_PREFIX)
        ? target.slice(SUPPORT_TARGET_PREFIX.length)
        : "";
    const call: SandboxCall = { accountId: claimedAccount(auth), operation: isSts ? `sts:${operation}` : operation || target || "(none)", status: 0 };
    calls.push(call);

    const decision = faults.decide(req.method ?? "POST", isSts ? `/sts/${operation}` : `/${operation}`);
    if (decision.latencyMs > 0) await delay(decision.latencyMs);
    if (decision.reset) {
      req.socket.destroy();
      return;
    }
    const run = () => {
      if (isSts) {
        const r = processSts(req, body, auth, requestId);
        return { status: r.status, error: r.code, send: () => sendText(res, r.status, r.xml, "text/xml", { "x-amzn-RequestId": requestId }) };
      }
      const r = processSupport(operation, req, body, auth);
      const error = r.status === 200 ? undefined : String(r.body.__type);
      return { status: r.status, error, send: () => sendJson(res, r.status, r.body, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId }) };
    };
    if (decision.hang) {
      if (decision.hang.process) {
        const r = run();
        call.status = r.status;
        call.error = r.error;
      }
      return; // never answered; close() ends the socket
    }
    if (decision.respond) {
      const { status, body: fb } = decision.respond;
      call.status = status;
      if (fb && typeof fb === "object") {
        const t = (fb as Record<string, unknown>).__type;
        if (typeof t === "string") call.error = t;
        sendJson(res, status, fb, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId });
      } else sendText(res, status, String(fb ?? ""), "text/plain", { "x-amzn-RequestId": requestId });
      return;
    }
    const r = run();
    call.status = r.status;
    call.error = r.error;
    r.send();
  }

  const engineer: AwsEngineer = {
    reply: (caseId, body, opts) => state.engineerReply(caseId, body, opts),
    setStatus: (caseId, status) => state.engineerSetStatus(caseId, status),
    resolve: (caseId, by) => state.engineerResolve(caseId, by),
  };

  const setThrottle = (t: { requests: number; perMs: number } | undefined) => {
    if (t && (!(t.requests > 0) || !(t.perMs > 0))) throw new Error("throttle needs requests > 0 and perMs > 0");
    throttle = t;
    throttleWindows.clear();
  };
  const setSupportPlan = (accountId: string, plan: SupportPlan) => {
    const a = state.account(accountId);
    if (!a) throw new Error(`no account ${accountId} in the AWS Support sandbox`);
    if (!PLANS.includes(plan)) throw new Error(`unknown support plan ${plan}`);
    a.supportPlan = plan;
  };

  const control = createControlApi({ state, engineer, faults, clock, calls, setThrottle, setSupportPlan, getThrottle: () => throttle });

  const server = await listen((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const work = path.startsWith("/_sandbox") ? control(req, res, path) : handleApi(req, res, path);
    work.catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { __type: "InternalServerError", message: err instanceof Error ? err.message : "internal error" });
    });
  }, options.port ?? 0);

  return {
    endpoint: server.origin,
    stsEndpoint: `${server.origin}/sts`,
    clock,
    faults,
    engineer,
    inspect: { cases: (accountId: string) => state.view(accountId), calls },
    setThrottle,
    setSupportPlan,
    close: () => server.close(),
  };
}

function emailOf(cfg: AwsAccountConfig): string {
  return cfg.email ?? `aws-${cfg.accountId}@example.com`;
}

// ------------------------------------------------------------------ control API

interface ControlDeps {
  state: SupportState;
  engineer: AwsEngineer;
  faults: FaultInjector;
  clock: SimClock;
  calls: SandboxCall[];
  setThrottle(t: { requests: number; perMs: number } | undefined): void;
  setSupportPlan(accountId: string, plan: SupportPlan): void;
  getThrottle(): { requests: number; perMs: number } | undefined;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function createControlApi(d: ControlDeps) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req, 32 * 1024 * 1024);
    let body: Record<string, unknown> = {};
    try {
      if (raw.length) body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      if (!body || typeof body !== "object") throw new Error("not an object");
    } catch {
      return sendJson(res, 400, { error: "the body must be a JSON object" });
    }
    const seg = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent); // after "_sandbox"
    try {
      const result = route(method, seg, body);
      sendJson(res, 200, result ?? { ok: true });
    } catch (err) {
      if (err instanceof ControlError) return sendJson(res, err.status, { error: err.message });
      sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };

  function route(method: string, seg: string[], body: Record<string, unknown>): unknown {
    const [a, b, c] = seg;
    if (seg.length === 0 && method === "GET")
      return {
        accounts: d.state.accountList().map((x) => ({ accountId: x.accountId, name: x.name, supportPlan: x.supportPlan, language: x.language })),
        now: new Date(d.clock.now()).toISOString(),
        throttle: d.getThrottle() ?? null,
      };
    if (a === "accounts" && b) {
      if (!d.state.account(b)) throw new ControlError(404, `no account ${b}`);
      if (c === "cases" && method === "GET") return d.state.view(b);
      if (c === "plan" && (method === "PUT" || method === "POST")) {
        d.setSupportPlan(b, String(body.supportPlan) as SupportPlan);
        return { accountId: b, supportPlan: body.supportPlan };
      }
    }
    if (a === "cases" && b) {
      const existing = d.state.findCase(b);
      if (!existing) throw new ControlError(404, `no case ${b}`);
      if (!c && method === "GET") return existing;
      if (method === "POST" && c === "reply") {
        if (typeof body.body !== "string" || !body.body) throw new ControlError(400, "reply needs a non-empty body");
        const attachments = Array.isArray(body.attachments)
          ? (body.attachments as Array<Record<string, unknown>>).map((x) => ({ fileName: String(x.fileName ?? "attachment"), data: Buffer.from(String(x.data ?? ""), "base64") }))
          : undefined;
        d.engineer.reply(b, body.body, { attachments, status: typeof body.status === "string" ? body.status : undefined });
        return d.state.findCase(b);
      }
      if (method === "POST" && c === "status") {
        d.engineer.setStatus(b, String(body.status));
        return d.state.findCase(b);
      }
      if (method === "POST" && c === "resolve") {
        const by = body.by === "auto-resolver" ? "auto-resolver" : body.by === undefined || body.by === "operator" ? "operator" : undefined;
        if (!by) throw new ControlError(400, 'by must be "operator" or "auto-resolver"');
        d.engineer.resolve(b, by);
        return d.state.findCase(b);
      }
    }
    if (a === "calls" && !b) {
      if (method === "GET") return d.calls;
      if (method === "DELETE") {
        d.calls.length = 0;
        return { ok: true };
      }
    }
    if (a === "faults" && !b) {
      if (method === "GET") return d.faults.list();
      if (method === "DELETE") {
        d.faults.clear();
        return { ok: true };
      }
      if (method === "POST") {
        const kind = body.kind;
        if (kind !== "latency" && kind !== "status" && kind !== "timeout" && kind !== "reset") throw new ControlError(400, "kind must be latency, status, timeout or reset");
        d.faults.add(body as unknown as Parameters<FaultInjector["add"]>[0]);
        return d.faults.list();
      }
    }
    if (a === "throttle") {
      if (!b && method === "GET") return d.getThrottle() ?? null;
      if (!b && (method === "POST" || method === "PUT")) {
        d.setThrottle(body.requests === undefined && body.perMs === undefined ? undefined : { requests: Number(body.requests), perMs: Number(body.perMs) });
        return d.getThrottle() ?? null;
      }
      if (!b && method === "DELETE") {
        d.setThrottle(undefined);
        return null;
      }
      if (b === "next" && method === "POST") {
        const count = body.count === undefined ? 1 : Number(body.count);
        if (!Number.isInteger(count) || count < 1) throw new ControlError(400, "count must be a positive integer");
        d.faults.add(throttleRule(count, typeof body.operation === "string" ? body.operation : undefined));
        return d.faults.list();
      }
    }
    if (a === "clock") {
      if (!b && method === "GET") return { now: new Date(d.clock.now()).toISOString(), epochMs: d.clock.now() };
      if (b === "advance" && method === "POST") {
        const ms = Number(body.ms);
        d.clock.advance(ms);
        return { now: new Date(d.clock.now()).toISOString(), epochMs: d.clock.now() };
      }
    }
    throw new ControlError(404, `no control route ${method} /_sandbox/${seg.join("/")}`);
  }
}

/** A fault rule answering the next `count` Support calls (of one operation, if given) with ThrottlingException. */
export function throttleRule(count: number, operation?: string) {
  return {
    kind: "status" as const,
    status: 400,
    body: { __type: "ThrottlingException", message: "Rate exceeded" },
    count,
    ...(operation ? { pathPrefix: `/${operation}` } : {}),
  };
}

export { SupportApiError };
