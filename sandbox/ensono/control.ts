import type { FaultInjector, FaultRule } from "../common/faults";
import type { Bridge, Ctx, Result } from "./bridge";
import { AgentChangeFields, AgentError, DEFAULT_VARIANTS, EnsonoModel, EnsonoVariants, ENVS, TicketView, storeOf } from "./model";

/** The control API's routes, served at GET /_sandbox (also documented in README.md). */
export const CONTROL_ROUTES: Array<[string, string]> = [
  ["GET /_sandbox", "this list"],
  ["GET /_sandbox/clock", "{now, iso}: the simulated time"],
  ["POST /_sandbox/clock/advance {ms}", "moves simulated time forward, then runs what fell due"],
  ["POST /_sandbox/tick", "runs what is due (ReturnEnsonoNum, auto-close) now"],
  ["GET|POST|DELETE /_sandbox/faults", "list / add a FaultRule {kind: latency|status|timeout|reset, pathPrefix?, method?, ms?, status?, body?, count?, process?} / clear"],
  ["POST /_sandbox/timeout-next-create {env?, count?, answer?: none|504}", "the next create(s) make the ticket but never answer (or answer 504); ReturnEnsonoNum follows"],
  ["GET|POST /_sandbox/variants", "read / change the guide-variant switches"],
  ["GET|DELETE /_sandbox/calls?env=", "recorded bridge calls (api keys never recorded) / forget them"],
  ["GET /_sandbox/{env}/tickets[?client=slug]", "every ticket of an environment"],
  ["GET /_sandbox/{env}/tickets/{number}", "one ticket"],
  ["GET /_sandbox/{env}/queue[?client=slug]", "queue counts and messages, failure queue included"],
  ["POST /_sandbox/{env}/tickets {ticketType, shortDescription, description, priority?, group?, clientName?, …}", "agent opens an incident/request → {ticketNumber}"],
  ["POST /_sandbox/{env}/tickets/{n}/comments {body, commenter?, commenterEmail?}", "agent comment → Notes"],
  ["POST /_sandbox/{env}/tickets/{n}/update {status?, statusNextAction?, priority?, group?, …}", "agent update → Update/Closure"],
  ["POST /_sandbox/{env}/tickets/{n}/resolve {closeCode, closeNotes}", "agent resolves → Closure"],
  ["POST /_sandbox/{env}/tickets/{n}/close", "agent closes a resolved ticket → Closure"],
  ["POST /_sandbox/{env}/tickets/{n}/attachments {fileName, contentType, content | contentBase64}", "public attachment → Attachment {url}"],
  ["POST /_sandbox/{env}/changes {type, approvers?, attachments?, …}", "agent moves a change to its first state → {ticketNumber}"],
  ["POST /_sandbox/{env}/changes/{n}/state {state, closeCode?, closeNotes?, …}", "change state update"],
  ["POST /_sandbox/{env}/changes/{n}/redraft", "back to New → Redraft"],
  ["POST /_sandbox/{env}/changes/{n}/approval-requests {name, email}", "another Approval Request → {approvalId}"],
];

export interface ControlDeps {
  model: EnsonoModel;
  bridge: Bridge;
  faults: FaultInjector;
  timeoutNextCreate(opts: { env?: string; count?: number; answer?: "none" | "504" }): void;
}

function viewJson(t: TicketView): unknown {
  return { ...t, attachments: t.attachments.map(({ content, ...a }) => ({ ...a, contentBase64: content.toString("base64") })) };
}

function fileContent(o: Record<string, unknown>): Buffer {
  if (typeof o.contentBase64 === "string") return Buffer.from(o.contentBase64, "base64");
  if (typeof o.content === "string") return Buffer.from(o.content, "utf8");
  throw new AgentError("content (text) or contentBase64 is required", 400);
}

export function control(ctx: Ctx, deps: ControlDeps): Result {
  const { model } = deps;
  const ok = (json: unknown, status = 200): Result => ({ status, json });
  try {
    let body: Record<string, unknown> = {};
    if (ctx.body.length) {
      try {
        const parsed = JSON.parse(ctx.body.toString("utf8")) as unknown;
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        else throw new Error();
      } catch {
        return ok({ error: "the body must be a JSON object" }, 400);
      }
    }
    const s = ctx.segs.slice(1).map((x) => decodeURIComponent(x));
    const m = ctx.method;
    const path = s.join("/");
    model.processDue();
    if (path === "" && m === "GET") return ok({ routes: CONTROL_ROUTES.map(([route, what]) => ({ route, what })) });
    if (path === "clock" && m === "GET") return ok({ now: model.clock.now(), iso: new Date(model.clock.now()).toISOString() });
    if (path === "clock/advance" && m === "POST") {
      const ms = Number(body.ms);
      if (!Number.isFinite(ms) || ms < 0) return ok({ error: "ms must be a number ≥ 0" }, 400);
      model.clock.advance(ms);
      model.processDue();
      return ok({ now: model.clock.now(), iso: new Date(model.clock.now()).toISOString() });
    }
    if (path === "tick" && m === "POST") {
      model.processDue();
      return ok({ now: model.clock.now() });
    }
    if (path === "faults") {
      if (m === "GET") return ok({ faults: deps.faults.list() });
      if (m === "DELETE") {
        deps.faults.clear();
        return ok({ faults: [] });
      }
      if (m === "POST") {
        if (!["latency", "status", "timeout", "reset"].includes(String(body.kind))) return ok({ error: "kind must be latency, status, timeout or reset" }, 400);
        deps.faults.add(body as unknown as FaultRule);
        return ok({ faults: deps.faults.list() });
      }
    }
    if (path === "timeout-next-create" && m === "POST") {
      deps.timeoutNextCreate({
        env: body.env === undefined ? undefined : String(body.env),
        count: body.count === undefined ? undefined : Number(body.count),
        answer: body.answer === "504" ? "504" : "none",
      });
      return ok({ pending: deps.bridge.timeouts.filter((r) => r.remaining > 0) });
    }
    if (path === "variants") {
      if (m === "POST") {
        for (const [k, v] of Object.entries(body)) {
          if (!(k in DEFAULT_VARIANTS)) return ok({ error: `unknown variant ${k}` }, 400);
          (model.variants as unknown as Record<string, unknown>)[k] = v;
        }
      }
      if (m === "GET" || m === "POST") return ok({ variants: model.variants as EnsonoVariants });
    }
    if (path === "calls") {
      const env = ctx.query.get("env");
      if (m === "DELETE") {
        model.calls.length = 0;
        return ok({ calls: [] });
      }
      if (m === "GET") return ok({ calls: model.calls.filter((c) => !env || c.env === env) });
    }
    const env = s[0];
    if ((ENVS as readonly string[]).includes(env)) {
      const slug = ctx.query.get("client") ?? model.clients[0].slug;
      const [, kind, number, action] = s;
      if (kind === "tickets" && s.length === 2 && m === "GET") {
        return ok({ tickets: [...model.tickets.values()].filter((t) => t.env === storeOf(env) && t.slug === slug).map((t) => viewJson(model.view(t))) });
      }
      if (kind === "tickets" && s.length === 3 && m === "GET") {
        const t = model.find(env, number);
        return t ? ok({ ticket: viewJson(model.view(t)) }) : ok({ error: `no ticket ${number} in ${storeOf(env)}` }, 404);
      }
      if (kind === "queue" && s.length === 2 && m === "GET") return ok(model.queue(slug, storeOf(env)).stats());
      const e = env as "dev";
      if (m === "POST" && kind === "tickets") {
        if (s.length === 2) return ok({ ticketNumber: model.openTicket(e, body as never) }, 201);
        if (action === "comments") {
          model.comment(e, number, String(body.body ?? ""), body as { commenter?: string; commenterEmail?: string });
          return ok({ ok: true });
        }
        if (action === "update") {
          model.update(e, number, body as never);
          return ok({ ok: true });
        }
        if (action === "resolve") {
          model.resolve(e, number, String(body.closeCode ?? "resolved"), String(body.closeNotes ?? ""));
          return ok({ ok: true });
        }
        if (action === "close") {
          model.close(e, number);
          return ok({ ok: true });
        }
        if (action === "attachments") {
          const url = model.addPublicAttachment(e, number, String(body.fileName ?? ""), fileContent(body), String(body.contentType ?? "application/octet-stream"));
          return ok({ url }, 201);
        }
      }
      if (m === "POST" && kind === "changes") {
        if (s.length === 2) {
          const attachments = Array.isArray(body.attachments)
            ? (body.attachments as Array<Record<string, unknown>>).map((a) => ({ fileName: String(a.fileName), contentType: String(a.contentType ?? "application/octet-stream"), content: fileContent(a) }))
            : undefined;
          return ok({ ticketNumber: model.createChange(e, { ...(body as unknown as AgentChangeFields), attachments }) }, 201);
        }
        if (action === "state") {
          model.changeState(e, number, String(body.state ?? ""), body as never);
          return ok({ ok: true });
        }
        if (action === "redraft") {
          model.redraft(e, number);
          return ok({ ok: true });
        }
        if (action === "approval-requests") {
          return ok({ approvalId: model.requestApproval(e, number, { name: String(body.name ?? ""), email: String(body.email ?? "") }) }, 201);
        }
      }
    }
    return ok({ error: `no control route ${m} /_sandbox/${path}; GET /_sandbox lists them` }, 404);
  } catch (e) {
    if (e instanceof AgentError) return ok({ error: e.message }, e.status);
    return ok({ error: e instanceof Error ? e.message : String(e) }, 500);
  }
}
