/**
 * A local simulator of Ensono's Envision Connect bridge (the whole API of
 * seeds/ensono-envision-connect-guide.md): `/{client}/{dev|echo|cert|prod}/tickets…`
 * and `/queue…`, pre-signed S3-style upload/download URLs, an Ensono agent that
 * produces every outbound transaction, and a control API under `/_sandbox`.
 * See README.md beside this file.
 */
import type * as http from "node:http";
import { SimClock } from "../common/clock";
import { FaultInjector } from "../common/faults";
import { delay, listen, readBody, sendJson, sendText } from "../common/http";
import { Bridge, Ctx, Result } from "./bridge";
import { control } from "./control";
import {
  CallRecord,
  DEFAULT_GROUPS,
  DEFAULT_VARIANTS,
  EnsonoAgent,
  EnsonoClientConfig,
  EnsonoModel,
  EnsonoVariants,
  ENVS,
  TicketView,
  storeOf,
} from "./model";
import type { QueueMessageView } from "./queue";

export type { CallRecord, EnsonoAgent, EnsonoClientConfig, EnsonoVariants, TicketView, QueueMessageView };
export type { AgentTicketFields, AgentTicketChanges, AgentChangeFields, EnsonoEnv, CommentRecord, AttachmentRecord, ApprovalRecord, ChangeRecord } from "./model";
export { DEFAULT_VARIANTS, DEFAULT_GROUPS } from "./model";
export { SimClock } from "../common/clock";
export { FaultInjector } from "../common/faults";

export interface EnsonoSandboxOptions {
  /** default 0 (a free port); the host is always 127.0.0.1 */
  port?: number;
  clock?: SimClock;
  clients?: EnsonoClientConfig[];
  /** valid Ensono groups (client-facing names) */
  groups?: string[];
  /** extra group → internal Ensono group (the `ensonoGroup` field) mappings */
  ensonoGroups?: Record<string, string>;
  visibilityTimeoutMs?: number;
  maxReceiveCount?: number;
  retentionMs?: number;
  uploadUrlTtlMs?: number;
  downloadUrlTtlMs?: number;
  autoCloseResolvedMs?: number;
  /** delay (sim time) before ReturnEnsonoNum after a timed-out create */
  returnNumberDelayMs?: number;
  /** where the guide contradicts itself: which variant to produce (defaults: the guide's main examples) */
  variants?: EnsonoVariants;
  /** real-time interval at which due work (ReturnEnsonoNum, auto-close) is checked; default 200 ms */
  tickMs?: number;
}

export interface QueueInspection {
  visible: number;
  inFlight: number;
  failed: QueueMessageView[];
  messages: QueueMessageView[];
}

export interface EnsonoSandbox {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** `${origin}/${slug}/${env}` — default dev and the first client */
  envUrl(env?: "dev" | "echo" | "cert" | "prod", slug?: string): string;
  clock: SimClock;
  /** latency / 5xx / timeout / reset on bridge routes; pathPrefix matches the path after /{slug}/{env} (e.g. "/queue", "/tickets"), or "/_s3/…" */
  faults: FaultInjector;
  agent: EnsonoAgent;
  /** live variant switches (mutable; also POST /_sandbox/variants) */
  variants: Required<EnsonoVariants>;
  /** The next create(s) (in `env`, or any): the ticket IS created, the answer never comes (or a 504 with answer "504");
   * ReturnEnsonoNum is queued returnNumberDelayMs (sim time) later. */
  timeoutNextCreate(opts?: { env?: string; count?: number; answer?: "none" | "504" }): void;
  inspect: {
    ticket(env: string, number: string): TicketView | undefined;
    tickets(env: string, slug?: string): TicketView[];
    queue(env: string, slug?: string): QueueInspection;
    calls(env?: string): CallRecord[];
  };
  /** runs whatever is due on the sim clock (requests and a timer do this too) */
  tick(): void;
  close(): Promise<void>;
}

const DEFAULT_CLIENT: EnsonoClientConfig = { clientName: "testClient", slug: "testclient", apiKey: "test-api-key" };

export async function startEnsonoSandbox(options: EnsonoSandboxOptions = {}): Promise<EnsonoSandbox> {
  const clock = options.clock ?? new SimClock();
  const clients = options.clients && options.clients.length ? options.clients.map((c) => ({ ...c })) : [{ ...DEFAULT_CLIENT }];
  const variants: Required<EnsonoVariants> = { ...DEFAULT_VARIANTS, ...(options.variants ?? {}) };
  const model = new EnsonoModel(
    clock,
    clients,
    {
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
      maxReceiveCount: options.maxReceiveCount ?? 20,
      retentionMs: options.retentionMs ?? 4 * 86_400_000,
      uploadUrlTtlMs: options.uploadUrlTtlMs ?? 120_000,
      downloadUrlTtlMs: options.downloadUrlTtlMs ?? 7_200_000,
      autoCloseResolvedMs: options.autoCloseResolvedMs ?? 7 * 86_400_000,
      returnNumberDelayMs: options.returnNumberDelayMs ?? 5_000,
      groups: options.groups ?? DEFAULT_GROUPS,
      ensonoGroups: options.ensonoGroups ?? {},
    },
    variants,
  );
  const bridge = new Bridge(model);
  const faults = new FaultInjector();
  const timeoutNextCreate = (opts: { env?: string; count?: number; answer?: "none" | "504" } = {}) => {
    bridge.timeouts.push({ env: opts.env, remaining: opts.count ?? 1, answer: opts.answer ?? "none" });
  };

  const write = (res: http.ServerResponse, r: Result) => {
    if (r.text !== undefined) sendText(res, r.status, r.text, r.contentType ?? "text/plain", r.headers ?? {});
    else sendJson(res, r.status, r.json ?? {}, r.headers ?? {});
  };

  const handler: http.RequestListener = (req, res) => {
    void (async () => {
      const method = (req.method ?? "GET").toUpperCase();
      const rawUrl = req.url ?? "/";
      const q = rawUrl.indexOf("?");
      const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
      const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : "");
      const segs = rawPath.split("/").slice(1);
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch {
        sendJson(res, 413, { message: "Request Entity Too Large" });
        return;
      }
      const key = req.headers["x-api-key"];
      const rec: CallRecord = {
        at: clock.now(),
        method,
        url: rawUrl,
        route: "none",
        apiKey: key === undefined ? "missing" : "invalid",
        contentType: req.headers["content-type"],
        bodyBytes: body.length,
      };
      const ctx: Ctx = { method, segs, query, body, headers: req.headers, rec };
      if (segs[0] === "_sandbox") {
        write(res, control(ctx, { model, bridge, faults, timeoutNextCreate }));
        return;
      }
      model.processDue();
      const client = model.clientBySlug(decodeURIComponentSafe(segs[0] ?? ""));
      if (client && key === client.apiKey) rec.apiKey = "valid";
      if (client) rec.slug = client.slug;
      if (client && (ENVS as readonly string[]).includes(segs[1] ?? "")) rec.env = segs[1];
      model.calls.push(rec);
      const special = segs[0] === "_s3" || segs[0] === "_snow";
      const faultPath = special ? rawPath : "/" + segs.slice(2).join("/");
      const decision = faults.decide(method, faultPath);
      if (decision.latencyMs > 0) await delay(decision.latencyMs);
      if (decision.reset) {
        rec.fault = "reset";
        req.socket.destroy();
        return;
      }
      if (decision.respond) {
        rec.fault = "status";
        rec.status = decision.respond.status;
        rec.response = decision.respond.body;
        const b = decision.respond.body;
        if (typeof b === "string") sendText(res, decision.respond.status, b);
        else sendJson(res, decision.respond.status, b);
        return;
      }
      if (decision.hang && !decision.hang.process) {
        rec.fault = "timeout";
        rec.hung = true;
        return;
      }
      let result: Result;
      try {
        result = segs[0] === "_s3" ? bridge.s3(ctx) : segs[0] === "_snow" ? bridge.snow(ctx) : bridge.handle(ctx);
      } catch (e) {
        result = { status: 502, json: { message: "Internal server error" } };
        rec.response = String(e);
      }
      model.processDue();
      if (decision.hang || result.hang) {
        rec.fault = decision.hang ? "timeout" : "create-timeout";
        rec.hung = true;
        return;
      }
      rec.status = result.status;
      rec.response = result.text !== undefined ? (Buffer.isBuffer(result.text) ? `${result.text.length} bytes` : result.text) : result.json;
      write(res, result);
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, { message: "simulator error" });
    });
  };

  const running = await listen(handler, options.port ?? 0);
  model.origin = running.origin;
  const timer = setInterval(() => model.processDue(), options.tickMs ?? 200);
  timer.unref();

  return {
    origin: running.origin,
    envUrl: (env = "dev", slug = clients[0].slug) => `${running.origin}/${slug}/${env}`,
    clock,
    faults,
    agent: model,
    variants,
    timeoutNextCreate,
    inspect: {
      ticket: (env, number) => {
        model.processDue();
        const t = model.find(env, number);
        return t ? model.view(t) : undefined;
      },
      tickets: (env, slug) => {
        model.processDue();
        return [...model.tickets.values()].filter((t) => t.env === storeOf(env) && (!slug || t.slug === slug)).map((t) => model.view(t));
      },
      queue: (env, slug = clients[0].slug) => {
        model.processDue();
        return model.queue(slug, storeOf(env)).stats();
      },
      calls: (env) => model.calls.filter((c) => env === undefined || c.env === env).map((c) => ({ ...c })),
    },
    tick: () => model.processDue(),
    close: async () => {
      clearInterval(timer);
      await running.close();
    },
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
