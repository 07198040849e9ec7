import { CaseExchangeError } from "../errors";
import { bodyText, type HttpRequest, type HttpResult } from "../http/transport";
import { classifyStatus } from "../http/retry";

/**
 * The bridge's error responses ("Common Error Responses" in the Envision
 * Connect guide), each turned into a stable code and a sentence that says
 * what went wrong and what to do.
 */
export const ENSONO_ERRORS = {
  ENSONO_PATH_INVALID:
    "The bridge answered 'Missing Authentication Token': the method and path do not exist. Check the environment in the URL (dev, echo, cert or prod — lower case) and the path (tickets, queue — lower case).",
  ENSONO_FORBIDDEN:
    "The bridge answered 'Forbidden': the client part of the environment URL (case-sensitive) or the x-api-key is wrong.",
  ENSONO_BAD_PATH: "The bridge answered 'Bad Path': wrong method or misspelled path (for example /tickets/notes without a ticket number).",
  ENSONO_TICKET_NOT_AUTHORIZED:
    "The bridge answered 'APIKey not authorized for ticket company': the ticket belongs to another company than the one the API key is for. Check the Ensono ticket number.",
  ENSONO_CLIENT_NAME_UNKNOWN:
    "The bridge answered 'Unable to find mapping for ClientName': the clientName is misspelled or not set up for API use. Check the client name in the ensono-bridge config.",
  ENSONO_GROUP_INVALID: "Ensono's ServiceNow did not find the assignment group: the group name is not one Ensono knows. Send the default group, or fix the group mapping.",
  ENSONO_RECEIPT_EXPIRED: "The receipt handle has expired: the message was received again since. Read the queue again and delete with the new receipt handle.",
  ENSONO_RECEIPT_INVALID: "The receipt handle is not valid: it must be URL-encoded and come from a queue read.",
  ENSONO_UPLOAD_URL_EXPIRED: "The pre-signed upload URL has expired (or was used already): ask for a new upload URL and upload again.",
  ENSONO_TIMEOUT: "The bridge did not answer in time.",
  ENSONO_BAD_RESPONSE: "The bridge answered with something that is not the JSON the guide describes.",
  ENSONO_TICKET_CLOSED: "The Ensono ticket is closed: no more updates are allowed on it.",
  ENSONO_REJECTED: "The bridge refused the request.",
  ENSONO_NOT_RESOLVED: "Ensono refused to close the ticket because it is not resolved: only a resolved ticket can be closed. Send resolve (with closeNotes) first, then close.",
  ENSONO_CREATE_UNCONFIRMED:
    "The create got no answer and may still have reached Ensono. It is not sent again: its number may arrive on the queue as a ReturnEnsonoNum transaction; send a new create only after the configured give-up time without one.",
  ENSONO_NOT_CONFIGURED: "The ensono-bridge config node is missing or not usable (environment URL, client name or API key missing or wrong): open it and fix what its warning names.",
  ENSONO_TICKET_NOT_FOUND: "The bridge does not know this ticket number. Check the Ensono ticket number (e.g. e-CS0204070) and the environment.",
} as const;

export type EnsonoErrorCode = keyof typeof ENSONO_ERRORS | `ENSONO_HTTP_${number}` | "ENSONO_UNREACHABLE";

/** What the bridge said, as text: `Response`, `message` or `Error.Message`. */
export function ensonoMessage(data: unknown): string {
  if (data === null || data === undefined) return "";
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (typeof data === "string") return data;
  const d = data as Record<string, unknown>;
  if (d.Response !== undefined) return Array.isArray(d.Response) ? d.Response.join(" ") : typeof d.Response === "string" ? d.Response : JSON.stringify(d.Response);
  if (typeof d.message === "string") return d.message;
  const e = d.Error as Record<string, unknown> | undefined;
  if (e && typeof e.Message === "string") return e.Message;
  return bodyText(data);
}

/** Chooses the code for an error answer from its status and body. */
export function classifyEnsonoError(status: number, data: unknown): keyof typeof ENSONO_ERRORS | `ENSONO_HTTP_${number}` {
  const text = ensonoMessage(data);
  const errCode = (data as { Error?: { Code?: string } } | null)?.Error?.Code;
  if (/Missing Authentication Token/i.test(text)) return "ENSONO_PATH_INVALID";
  if (/^Forbidden$/i.test(text.trim()) || (status === 403 && /forbidden/i.test(text))) return "ENSONO_FORBIDDEN";
  if (/Bad Path/i.test(text)) return "ENSONO_BAD_PATH";
  if (/not authorized for ticket company/i.test(text)) return "ENSONO_TICKET_NOT_AUTHORIZED";
  if (/Unable to find mapping for ClientName/i.test(text)) return "ENSONO_CLIENT_NAME_UNKNOWN";
  if (/assignment_group .*not found/i.test(text)) return "ENSONO_GROUP_INVALID";
  if (errCode === "ReceiptHandleIsInvalid") return "ENSONO_RECEIPT_INVALID";
  if (errCode === "InvalidParameterValue" && /expired/i.test(text)) return "ENSONO_RECEIPT_EXPIRED";
  if (/<Code>AccessDenied<\/Code>/.test(text) || /Request has expired/i.test(text)) return "ENSONO_UPLOAD_URL_EXPIRED";
  if (/only a resolved ticket can be closed|not (yet )?resolved|must be (in the )?resolved/i.test(text)) return "ENSONO_NOT_RESOLVED";
  if (/closed/i.test(text) && status >= 400 && status < 500) return "ENSONO_TICKET_CLOSED";
  if (status === 404 && /no record found|(ticket|record).*not (be )?found|no ticket|not found/i.test(text)) return "ENSONO_TICKET_NOT_FOUND";
  return `ENSONO_HTTP_${status}`;
}

export function mapEnsonoError(res: HttpResult<unknown>, req: HttpRequest): CaseExchangeError {
  const code = classifyEnsonoError(res.status, res.data);
  const said = ensonoMessage(res.data).slice(0, 500);
  const notJson = typeof res.data === "string" || Buffer.isBuffer(res.data);
  const advice =
    (ENSONO_ERRORS as Record<string, string>)[code] ??
    (notJson
      ? `The bridge answered HTTP ${res.status} with a body that is not JSON (not the bridge's own answer: a gateway, proxy or outage in between?).`
      : `The bridge answered HTTP ${res.status}.`);
  return new CaseExchangeError(code, `${req.method} ${req.subject ?? req.url}: ${advice} (bridge said: ${said || "nothing"})`, {
    status: res.status,
    retryable: classifyStatus(res.status) !== "permanent",
    details: { status: res.status, response: said },
  });
}
