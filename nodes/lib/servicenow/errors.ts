import { CaseExchangeError } from "../errors";
import { bodyText, type HttpRequest, type HttpResult } from "../http/transport";
import { classifyStatus, retryAfterMs } from "../http/retry";

/**
 * ServiceNow's error answers — `{"error":{"message","detail"},"status":"failure"}`
 * from the Table and Attachment APIs, `{"error","error_description"}` from
 * /oauth_token.do — turned into stable codes and a sentence naming the record
 * and what the instance said. Headers (credentials) never reach an error.
 */
export const SNOW_ERRORS = {
  SNOW_UNAUTHORIZED: "ServiceNow refused the credentials (401): check the user name and password, or the OAuth client id and secret.",
  SNOW_FORBIDDEN: "ServiceNow refused the operation (403): the user lacks a role or an ACL / data policy forbids it.",
  SNOW_NOT_FOUND: "ServiceNow has no such record (404), or an ACL hides it from the user.",
  SNOW_THROTTLED: "ServiceNow throttled the request (429): the user's rate limit is exceeded.",
  SNOW_BAD_REQUEST: "ServiceNow refused the request as invalid (400).",
  SNOW_TIMEOUT: "ServiceNow did not answer in time.",
  SNOW_UNREACHABLE: "ServiceNow could not be reached.",
  SNOW_BAD_RESPONSE: "ServiceNow answered with something that is not the JSON its REST API returns (a login page, a hibernating instance?).",
  SNOW_NOT_CONFIGURED: "The ServiceNow instance is not configured.",
  SNOW_CREATE_UNCERTAIN: "A create timed out and no record with its correlation_id was found; it was not re-sent blindly.",
} as const;

export type SnowErrorCode = keyof typeof SNOW_ERRORS | `SNOW_HTTP_${number}`;

/** What ServiceNow said, as text: error.message and error.detail, or the OAuth error. */
export function snowMessage(data: unknown): string {
  if (data === null || data === undefined || data === "") return "";
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer) {
    const text = Buffer.from(data as Buffer).toString("utf8");
    try {
      return snowMessage(JSON.parse(text));
    } catch {
      return bodyText(text, 300);
    }
  }
  if (typeof data === "string") {
    try {
      return snowMessage(JSON.parse(data));
    } catch {
      return bodyText(data.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(), 300);
    }
  }
  const d = data as Record<string, unknown>;
  const err = d.error;
  if (err && typeof err === "object") {
    const e = err as { message?: unknown; detail?: unknown };
    const message = typeof e.message === "string" ? e.message : "";
    const detail = typeof e.detail === "string" ? e.detail.trim() : "";
    return bodyText(detail && detail !== message ? `${message}: ${detail}` : message, 500);
  }
  if (typeof err === "string") {
    const desc = typeof d.error_description === "string" ? d.error_description : "";
    return bodyText(desc ? `${err}: ${desc}` : err, 300);
  }
  return bodyText(data, 300);
}

export function codeForStatus(status: number): SnowErrorCode {
  if (status === 401) return "SNOW_UNAUTHORIZED";
  if (status === 403) return "SNOW_FORBIDDEN";
  if (status === 404) return "SNOW_NOT_FOUND";
  if (status === 429) return "SNOW_THROTTLED";
  if (status === 400) return "SNOW_BAD_REQUEST";
  return `SNOW_HTTP_${status}`;
}

/** The transport's mapError for ServiceNow. */
export function mapSnowError(res: HttpResult<unknown>, req: HttpRequest): CaseExchangeError {
  const code = codeForStatus(res.status);
  const said = snowMessage(res.data);
  const subject = req.subject ?? `${req.method} ${req.url}`;
  const message = `ServiceNow answered ${res.status} to ${subject}${said ? `: ${said}` : ""}`;
  const retryAfter = retryAfterMs(res.headers["retry-after"]);
  return new CaseExchangeError(code, message, {
    status: res.status,
    retryable: classifyStatus(res.status) !== "permanent",
    details: { status: res.status, subject, answer: said, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) },
  });
}
