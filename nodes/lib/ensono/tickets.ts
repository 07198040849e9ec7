import { CaseExchangeError, isCaseExchangeError } from "../errors";
import { abortableSleep, createHttpTransport, type HttpResult, type HttpTransport } from "../http/transport";
import { createEnsonoConnection, type EnsonoConnection } from "./connection";
import { ENSONO_ERRORS, classifyEnsonoError, ensonoMessage, mapEnsonoError } from "./errors";
import { buildCall, prepareAttachment, type PayloadOptions, type PreparedCall } from "./payload";
import type { EnsonoAction, EnsonoCallHooks, EnsonoCallResult, EnsonoCreateMode } from "./types";

/**
 * The client-to-Ensono calls of Envision Connect (everything but the queue):
 * create, update, notes, returnptn, resolve/close/cancel, approve/reject and
 * attachment uploads, with the guide's retry rules:
 *
 * - a call that times out is sent once more after `resendWaitMs` (the guide:
 *   "wait for 60 to 120 sec and then try to resend") — except a create;
 * - a create is never resent: when its answer is lost it ends in
 *   ENSONO_CREATE_UNCONFIRMED (the number may still arrive as ReturnEnsonoNum);
 * - a group Ensono does not know is replaced by the default group, once.
 */
export interface EnsonoTicketsOptions {
  /** sent instead of a group Ensono rejects (empty: no fallback) */
  defaultGroup?: string;
  createMode: EnsonoCreateMode;
  /** wait before resending a timed-out call (default 90 s) */
  resendWaitMs?: number;
  /** how long an unconfirmed create blocks a new one (default 24 h); reported in the error */
  createGiveUpMs?: number;
  /** double-escape free text (default true) */
  escape?: boolean;
  /** for tests */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface EnsonoTickets {
  readonly connection: EnsonoConnection;
  readonly options: Readonly<Required<Omit<EnsonoTicketsOptions, "sleep">>>;
  /** any action; `input` is msg.payload-shaped (the guide's field names) */
  call(action: EnsonoAction, input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  create(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  update(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  notes(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  returnPtn(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  resolve(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  close(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  cancel(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  approve(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  reject(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  uploadAttachment(input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult>;
  /** GET /tickets/{n} (the bridge offers it in dev only) */
  getTicket(ticketNumber: string, signal?: AbortSignal): Promise<unknown>;
  /** GET /tickets/{n}/attachments/{name}: a one-time upload URL */
  getUploadUrl(ticketNumber: string, urlName: string, signal?: AbortSignal): Promise<string>;
}

export const DEFAULT_RESEND_WAIT_MS = 90_000;
export const DEFAULT_CREATE_GIVE_UP_MS = 24 * 3600_000;

const TICKET_NUMBER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Error answers a bridge may give with a 2xx status (ServiceNow's message passed through). */
const ERRORS_EVEN_ON_2XX = new Set(["ENSONO_GROUP_INVALID", "ENSONO_CLIENT_NAME_UNKNOWN", "ENSONO_TICKET_NOT_AUTHORIZED", "ENSONO_BAD_PATH", "ENSONO_NOT_RESOLVED"]);

function badResponse(what: string, res: HttpResult<unknown>): CaseExchangeError {
  const said = ensonoMessage(res.data).slice(0, 300);
  return new CaseExchangeError("ENSONO_BAD_RESPONSE", `${what}: ${ENSONO_ERRORS.ENSONO_BAD_RESPONSE} (HTTP ${res.status}, body: ${said ? JSON.stringify(said) : "empty"})`, {
    status: res.status,
    details: { status: res.status, response: said },
  });
}

/** The bridge's answer must be JSON with a Response; a 2xx carrying an error text is an error. */
function checkAnswer(res: HttpResult<unknown>, method: string, subject: string): void {
  const d = res.data;
  if (typeof d !== "object" || d === null || Buffer.isBuffer(d) || Array.isArray(d) || !("Response" in d)) {
    throw badResponse(`${method} ${subject}`, res);
  }
  const code = classifyEnsonoError(res.status, d);
  if (ERRORS_EVEN_ON_2XX.has(code)) throw mapEnsonoError(res, { method: method as "PUT", url: subject, subject });
}

function isTimeout(err: unknown): boolean {
  return isCaseExchangeError(err) && err.code === "ENSONO_TIMEOUT";
}

/** A create whose answer was lost: it may have reached Ensono. */
function lostAnswer(err: unknown): boolean {
  if (!isCaseExchangeError(err)) return false;
  if (err.code === "ENSONO_TIMEOUT") return true;
  if (err.status === 504) return true;
  const net = err.details.network;
  return err.code === "ENSONO_UNREACHABLE" && (net === "ECONNRESET" || net === "EPIPE" || net === "ERR_BAD_RESPONSE");
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

export function createEnsonoTickets(connection: EnsonoConnection, options: EnsonoTicketsOptions): EnsonoTickets {
  const opts = {
    defaultGroup: options.defaultGroup?.trim() ?? "",
    createMode: options.createMode,
    resendWaitMs: options.resendWaitMs ?? DEFAULT_RESEND_WAIT_MS,
    createGiveUpMs: options.createGiveUpMs ?? DEFAULT_CREATE_GIVE_UP_MS,
    escape: options.escape ?? true,
  };
  const sleep = options.sleep ?? abortableSleep;
  const payloadOpts: PayloadOptions = { clientName: connection.clientName, createMode: opts.createMode, escape: opts.escape };
  // pre-signed upload URLs get no x-api-key (the guide: "not required for the one-time URL PUT")
  let uploader: HttpTransport | undefined;
  const upload = () =>
    (uploader ??= createHttpTransport({
      system: "Ensono file store",
      codePrefix: "ENSONO",
      timeoutMs: connection.timeoutMs ?? 30_000,
      mapError: mapEnsonoError,
    }));

  async function send(prep: PreparedCall, payload: Record<string, unknown>, signal?: AbortSignal): Promise<HttpResult<unknown>> {
    const subject = `${prep.path} (${prep.action}${prep.clientTicketNumber ? ` for ${prep.clientTicketNumber}` : ""})`;
    const res = await connection.http.request<unknown>({
      method: prep.method,
      url: prep.path,
      data: { payload },
      headers: { "Content-Type": "application/json" },
      retry: false,
      signal,
      subject,
    });
    checkAnswer(res, prep.method, subject);
    return res;
  }

  async function run(prep: PreparedCall, hooks: EnsonoCallHooks = {}): Promise<EnsonoCallResult> {
    let payload = prep.payload ?? {};
    let resent: EnsonoCallResult["resent"];
    let groupFallback: EnsonoCallResult["groupFallback"];
    for (;;) {
      try {
        const res = await send(prep, payload, hooks.signal);
        let ticketNumber = prep.ticketNumber ?? "";
        if (prep.action === "create") {
          const r = (res.data as { Response: unknown }).Response;
          if (typeof r !== "string" || !TICKET_NUMBER.test(r.trim())) throw badResponse(`POST /tickets (create for ${prep.clientTicketNumber})`, res);
          ticketNumber = r.trim();
        }
        const result: EnsonoCallResult = {
          action: prep.action,
          ticketNumber,
          clientTicketNumber: prep.clientTicketNumber,
          ticketType: prep.ticketType,
          status: res.status,
          response: res.data,
          sent: payload,
        };
        if (prep.ticketStatus) result.ticketStatus = prep.ticketStatus;
        if (resent) result.resent = resent;
        if (groupFallback) result.groupFallback = groupFallback;
        return result;
      } catch (err) {
        if (!isCaseExchangeError(err)) throw err;
        // a group Ensono does not know: send the default group instead, once
        const requested = typeof payload.group === "string" ? payload.group : undefined;
        if (err.code === "ENSONO_GROUP_INVALID" && !groupFallback && requested !== undefined && opts.defaultGroup && requested !== opts.defaultGroup) {
          groupFallback = { requested, sent: opts.defaultGroup };
          hooks.onGroupFallback?.(groupFallback);
          payload = { ...payload, group: opts.defaultGroup };
          continue;
        }
        if (err.code === "ENSONO_GROUP_INVALID") {
          throw new CaseExchangeError(
            err.code,
            `${err.message}${opts.defaultGroup ? (groupFallback ? ` — the default group "${opts.defaultGroup}" was refused too` : "") : " — no default group is configured on the ensono-bridge node"}`,
            { status: err.status, details: { ...err.details, group: payload.group, groupFallback } },
          );
        }
        if (prep.action === "create" && lostAnswer(err)) {
          const giveUp = opts.createGiveUpMs;
          throw new CaseExchangeError(
            "ENSONO_CREATE_UNCONFIRMED",
            `The create for ${prep.clientTicketNumber} got no answer (${err.code}); it may still have reached Ensono. It is not sent again: wait for a ReturnEnsonoNum transaction carrying clientTicketNumber ${prep.clientTicketNumber} on the queue, and only send a new create after ${seconds(giveUp)} without one.`,
            {
              retryable: false,
              status: err.status,
              details: {
                clientTicketNumber: prep.clientTicketNumber,
                ticketType: prep.ticketType,
                cause: err.code,
                mayArriveAs: "ReturnEnsonoNum",
                giveUpAfterMs: giveUp,
                groupFallback,
              },
            },
          );
        }
        if (prep.action !== "create" && isTimeout(err) && !resent) {
          resent = { reason: err.code, waitMs: opts.resendWaitMs };
          hooks.onResend?.({ waitMs: opts.resendWaitMs, reason: err.message });
          await sleep(opts.resendWaitMs, hooks.signal);
          continue;
        }
        if (isTimeout(err) && resent) {
          throw new CaseExchangeError("ENSONO_TIMEOUT", `${err.message}, also when sent again after ${seconds(resent.waitMs)}. ${prep.action === "notes" ? "The note may have arrived (once or twice). " : ""}Try again later.`, {
            retryable: true,
            details: { ...err.details, resent: true, ticketNumber: prep.ticketNumber },
          });
        }
        if (groupFallback || resent) {
          throw new CaseExchangeError(err.code, err.message, { status: err.status, retryable: err.retryable, details: { ...err.details, groupFallback, resent: !!resent } });
        }
        throw err;
      }
    }
  }

  function call(action: EnsonoAction, input: Record<string, unknown>, hooks?: EnsonoCallHooks): Promise<EnsonoCallResult> {
    if (action === "attachment") return uploadAttachment(input, hooks);
    // validation throws synchronously inside the promise chain: callers see a rejected promise
    return Promise.resolve().then(() => run(buildCall(action, input, payloadOpts), hooks));
  }

  async function getUploadUrl(ticketNumber: string, urlName: string, signal?: AbortSignal): Promise<string> {
    const path = `/tickets/${encodeURIComponent(ticketNumber)}/attachments/${encodeURIComponent(urlName)}`;
    const res = await connection.http.request<unknown>({ method: "GET", url: path, signal, subject: `${path} (upload URL)` });
    checkAnswer(res, "GET", path);
    const r = (res.data as { Response: unknown }).Response as { body?: unknown; code?: unknown } | string;
    const url = typeof r === "string" ? r : typeof r?.body === "string" ? r.body : undefined;
    if (!url || !/^https?:\/\//i.test(url)) throw badResponse(`GET ${path} (upload URL)`, res);
    return url;
  }

  async function uploadAttachment(input: Record<string, unknown>, hooks: EnsonoCallHooks = {}): Promise<EnsonoCallResult> {
    const a = prepareAttachment(input);
    let urlRenewed = false;
    for (;;) {
      const url = await getUploadUrl(a.ticketNumber, a.urlName, hooks.signal);
      try {
        const res = await upload().request<unknown>({
          method: "PUT",
          url,
          data: a.body,
          headers: { "Content-Type": a.contentType },
          responseType: "text",
          retry: false,
          signal: hooks.signal,
          subject: `upload of ${a.urlName} to ${a.ticketNumber}`,
        });
        return {
          action: "attachment",
          ticketNumber: a.ticketNumber,
          status: res.status,
          response: { Response: "Attachment uploaded", filename: a.filename, bytes: a.bytes },
          attachment: { filename: a.filename, bytes: a.bytes, contentType: a.contentType, encoding: a.encoding, urlRenewed },
        };
      } catch (err) {
        if (isCaseExchangeError(err) && err.code === "ENSONO_UPLOAD_URL_EXPIRED" && !urlRenewed) {
          urlRenewed = true;
          continue;
        }
        throw err;
      }
    }
  }

  async function getTicket(ticketNumber: string, signal?: AbortSignal): Promise<unknown> {
    const path = `/tickets/${encodeURIComponent(ticketNumber)}`;
    const res = await connection.http.request<unknown>({ method: "GET", url: path, signal, subject: path });
    checkAnswer(res, "GET", path);
    return (res.data as { Response: unknown }).Response;
  }

  const bind = (action: EnsonoAction) => (input: Record<string, unknown>, hooks?: EnsonoCallHooks) => call(action, input, hooks);
  return {
    connection,
    options: opts,
    call,
    create: bind("create"),
    update: bind("update"),
    notes: bind("notes"),
    returnPtn: bind("returnptn"),
    resolve: bind("resolve"),
    close: bind("close"),
    cancel: bind("cancel"),
    approve: bind("approve"),
    reject: bind("reject"),
    uploadAttachment,
    getTicket,
    getUploadUrl,
  };
}

// ---------------------------------------------------------------------------
// Test connection

export interface EnsonoConnectionCheck {
  ok: boolean;
  /** which setting the answer points at: url, environment, key, clientName, network, or none */
  problem: "url" | "environment" | "key-or-client" | "clientName" | "network" | "answer" | "none";
  /** in words, for the dialog */
  message: string;
  /** HTTP status of the probe's answer, if any */
  status?: number;
}

/**
 * Asks the bridge something harmless and says in words whether the URL,
 * environment, API key and client name are right. The probe is
 * `PUT /tickets/e-CS0000000/notes` with an empty comments array: it reaches
 * the bridge's clientName check (GET /queue does not: it works with any
 * clientName, and it hides messages for 30 s and counts a receive), and a
 * ticket that does not exist (or an empty comment list) changes nothing.
 * The key is never part of the message.
 */
export async function checkEnsonoConnection(settings: { envUrl: string; clientName: string; apiKey: string; timeoutMs?: number }): Promise<EnsonoConnectionCheck> {
  let connection: EnsonoConnection;
  try {
    connection = createEnsonoConnection({ envUrl: settings.envUrl, clientName: settings.clientName, apiKey: settings.apiKey, timeoutMs: settings.timeoutMs ?? 15_000 });
  } catch (err) {
    return { ok: false, problem: "url", message: (err as Error).message };
  }
  const parts = new URL(connection.envUrl).pathname.split("/").filter(Boolean);
  if (parts.length < 2) {
    return { ok: false, problem: "url", message: `The environment URL must end in /<client>/<environment> (e.g. https://smconnect.ensono.com/testclient57/cert); "${connection.envUrl}" has ${parts.length ? "only one path part" : "no path"}.` };
  }
  const env = connection.environment;
  const envNote = ["dev", "echo", "cert", "prod"].includes(env) ? "" : ` Note: "${env}" is not one of the environments dev, echo, cert or prod (lower case).`;
  let res: HttpResult<unknown>;
  try {
    res = await connection.http.request<unknown>({
      method: "PUT",
      url: "/tickets/e-CS0000000/notes",
      data: { payload: { clientName: connection.clientName, ticketType: "Incident", clientTicketNumber: "connection-test", comments: [] } },
      headers: { "Content-Type": "application/json" },
      retry: false,
      subject: "connection test",
    });
  } catch (err) {
    if (isCaseExchangeError(err)) {
      const status = err.status;
      switch (err.code) {
        case "ENSONO_PATH_INVALID":
          return { ok: false, problem: "environment", status, message: `The bridge answered "Missing Authentication Token": the environment part of the URL ("${env}") is wrong — it is case-sensitive and must be dev, echo, cert or prod.${envNote}` };
        case "ENSONO_FORBIDDEN":
          return { ok: false, problem: "key-or-client", status, message: `The bridge answered "Forbidden": either the client part of the URL ("${parts[parts.length - 2]}", case-sensitive) or the API key is wrong.` };
        case "ENSONO_CLIENT_NAME_UNKNOWN":
          return { ok: false, problem: "clientName", status, message: `URL, environment and API key are right, but the bridge answered "Unable to find mapping for ClientName": the client name "${connection.clientName}" is misspelled or not set up for API use.` };
        case "ENSONO_TIMEOUT":
        case "ENSONO_UNREACHABLE":
          return { ok: false, problem: "network", message: `The bridge could not be reached: ${err.message}` };
        default:
          // any other answer (no such ticket, not authorized for the ticket, an empty comment list refused)
          // comes from behind the clientName check: every setting was accepted
          if (status !== undefined && status < 500 && typeof err.details.response === "string" && err.details.response !== "") {
            return { ok: true, problem: "none", status, message: `URL, environment, API key and client name are right (the harmless probe was answered: "${err.details.response}").${envNote}` };
          }
          return { ok: false, problem: "answer", status, message: `The bridge gave an unexpected answer: ${err.message}` };
      }
    }
    return { ok: false, problem: "network", message: String((err as Error)?.message ?? err) };
  }
  if (typeof res.data !== "object" || res.data === null || !("Response" in (res.data as object))) {
    return { ok: false, problem: "answer", status: res.status, message: `The URL answered HTTP ${res.status} but not as the Ensono bridge does (no JSON Response): is it the environment URL?` };
  }
  const code = classifyEnsonoError(res.status, res.data);
  if (code === "ENSONO_CLIENT_NAME_UNKNOWN") {
    return { ok: false, problem: "clientName", status: res.status, message: `URL, environment and API key are right, but the client name "${connection.clientName}" is unknown to the bridge ("Unable to find mapping for ClientName").` };
  }
  return { ok: true, problem: "none", status: res.status, message: `URL, environment, API key and client name are right (the harmless probe was answered: "${ensonoMessage(res.data).slice(0, 200)}").${envNote}` };
}
