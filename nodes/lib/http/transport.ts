import axios, { type AxiosInstance, type AxiosResponse, type ResponseType } from "axios";
import * as https from "node:https";
import { CaseExchangeError } from "../errors";
import { redact } from "../redact";
import { DEFAULT_RETRY, backoffDelay, classifyStatus, retryAfterMs, type FailureKind, type RetryPolicy } from "./retry";

/**
 * The one HTTP transport of the ServiceNow and Ensono clients: timeouts,
 * the retry policy of retry.ts for requests that are safe to repeat, and
 * errors that never carry request headers. It knows nothing of Node-RED.
 */
export interface TransportOptions {
  /** "ServiceNow", "Ensono"… — names the system in errors */
  system: string;
  /** error code prefix: SNOW, ENSONO… */
  codePrefix: string;
  baseURL?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** PEM text of an extra CA to trust */
  ca?: string;
  retry?: Partial<RetryPolicy>;
  /** builds the error for a non-2xx answer; the default says status and body */
  mapError?: (res: HttpResult<unknown>, req: HttpRequest) => CaseExchangeError;
  /** called before each retry (for node status: "retrying 2/3") */
  onRetry?: (info: { attempt: number; maxAttempts: number; delayMs: number; reason: string }) => void;
  /** for tests: a sleep that can be sped up */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  params?: Record<string, string | number | boolean | undefined>;
  data?: unknown;
  headers?: Record<string, string>;
  responseType?: ResponseType;
  /** repeat on throttling/transient failures (default: true for GET and DELETE) */
  retry?: boolean;
  /** override the transport's timeout */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** what the call is about, for errors ("incident INC0010001") */
  subject?: string;
}

export interface HttpResult<T> {
  status: number;
  data: T;
  headers: Record<string, string>;
}

export interface HttpTransport {
  request<T = unknown>(req: HttpRequest): Promise<HttpResult<T>>;
  readonly axios: AxiosInstance;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CaseExchangeError("ABORTED", "the operation was stopped"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CaseExchangeError("ABORTED", "the operation was stopped"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function flatHeaders(h: AxiosResponse["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v);
  return out;
}

export function bodyText(data: unknown, max = 500): string {
  let text: string;
  if (data === undefined || data === null || data === "") return "";
  if (Buffer.isBuffer(data)) text = data.toString("utf8");
  else if (typeof data === "string") text = data;
  else {
    try {
      text = JSON.stringify(data);
    } catch {
      text = String(data);
    }
  }
  text = redact(text);
  return text.length > max ? text.slice(0, max) + "…" : text;
}

export function createHttpTransport(options: TransportOptions): HttpTransport {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = options.sleep ?? abortableSleep;
  const instance = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    headers: options.headers,
    httpsAgent: options.ca ? new https.Agent({ ca: options.ca, keepAlive: true }) : undefined,
    // every status comes back as a response; errors are built here, once
    validateStatus: () => true,
    maxContentLength: 100 * 1024 * 1024,
    maxBodyLength: 100 * 1024 * 1024,
    transitional: { clarifyTimeoutError: true },
  });

  const mapError =
    options.mapError ??
    ((res: HttpResult<unknown>, req: HttpRequest) =>
      new CaseExchangeError(`${options.codePrefix}_HTTP_${res.status}`, `${options.system} answered ${res.status} to ${req.method} ${req.subject ?? req.url}: ${bodyText(res.data) || "(empty body)"}`, {
        status: res.status,
        retryable: classifyStatus(res.status) !== "permanent",
        details: { status: res.status, body: bodyText(res.data) },
      }));

  async function request<T>(req: HttpRequest): Promise<HttpResult<T>> {
    const retryable = req.retry ?? (req.method === "GET" || req.method === "DELETE");
    const maxAttempts = retryable ? policy.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      let kind: FailureKind;
      let error: CaseExchangeError;
      let retryAfter: number | undefined;
      try {
        const res = await instance.request({
          method: req.method,
          url: req.url,
          params: req.params,
          data: req.data,
          headers: req.headers,
          responseType: req.responseType ?? "json",
          timeout: req.timeoutMs,
          signal: req.signal,
        });
        const result: HttpResult<T> = { status: res.status, data: res.data as T, headers: flatHeaders(res.headers) };
        if (res.status >= 200 && res.status < 300) return result;
        kind = classifyStatus(res.status);
        retryAfter = retryAfterMs(result.headers["retry-after"]);
        error = mapError(result, req);
      } catch (err) {
        if (req.signal?.aborted) throw new CaseExchangeError("ABORTED", "the operation was stopped");
        const code = (err as { code?: string }).code;
        const timedOut = code === "ETIMEDOUT" || code === "ECONNABORTED";
        kind = classifyStatus(undefined, code);
        error = timedOut
          ? new CaseExchangeError(`${options.codePrefix}_TIMEOUT`, `${options.system} did not answer ${req.method} ${req.subject ?? req.url} in time`, { retryable: true })
          : new CaseExchangeError(`${options.codePrefix}_UNREACHABLE`, `${options.system} could not be reached for ${req.method} ${req.subject ?? req.url}: ${redact((err as Error).message)}`, {
              retryable: kind !== "permanent",
              details: { network: code },
            });
      }
      if (kind === "permanent" || attempt >= maxAttempts) throw error;
      // a server asking for a long pause is not hammered, nor waited for in-line
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) throw error;
      const delayMs = backoffDelay(policy, attempt, kind, retryAfter);
      options.onRetry?.({ attempt: attempt + 1, maxAttempts, delayMs, reason: error.message });
      await sleep(delayMs, req.signal);
    }
  }

  return { request, axios: instance };
}
