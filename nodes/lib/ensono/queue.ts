import { CaseExchangeError } from "../errors";
import type { EnsonoConnection } from "./connection";

/**
 * The client's queue as the Envision Connect guide describes it ("Reading
 * from the Queue", "Deleting from the Queue", "Using the API – Outbound from
 * Ensono"): GET /queue returns 1–10 messages, DELETE /queue/{receipt handle}
 * removes one. Every shape the guide shows is accepted (PRODUCT.md: where the
 * guide contradicts itself) and turned into one EnsonoTransaction:
 *  - `messages: null`, `[]` or absent, under ReceiveMessageResponse →
 *    ReceiveMessageResult, or the nested ReceiveMessageResult → ReceiveMessageResult;
 *  - Body as an object or as a JSON string;
 *  - `updatedOn` / `updatedAt` / `updateOn` → `updatedOn` (also inside `changed`);
 *  - `ensonogroup` → `ensonoGroup`;
 *  - ApproximateReceiveCount, SentTimestamp as strings or numbers,
 *    ClientReferenceAvailable as a boolean or "true"/"false";
 *  - a change transaction sent with ticketType "Incident" → "Change".
 * A message that cannot be handled (not JSON, fields missing or of the wrong
 * type, an unknown transaction type) still becomes a transaction, with
 * `problem` saying why, so the caller can report it and delete it.
 */

export const TRANSACTION_TYPES = ["Create", "Update", "Notes", "Closure", "Attachment", "ReturnEnsonoNum", "Approval Request", "Redraft"] as const;
export type EnsonoTransactionType = (typeof TRANSACTION_TYPES)[number];
export const TICKET_TYPES = ["Incident", "Request", "Change"] as const;
export type EnsonoTicketType = (typeof TICKET_TYPES)[number];

export interface EnsonoTransaction {
  /** one of TRANSACTION_TYPES, or what the bridge sent when `problem` is set */
  transactionType: string;
  /** the Ensono ticket number (Body.ticketNumber, else Attributes.MessageGroupId) */
  ticketNumber: string;
  /** Incident, Request or Change */
  ticketType: string;
  clientTicketNumber: string;
  clientReferenceAvailable: boolean;
  /** the normalised Body (the whole ticket) */
  body: Record<string, unknown>;
  /** Attributes as the bridge sent them */
  attributes: Record<string, unknown>;
  receiptHandle: string;
  messageId: string;
  /** Attributes.SentTimestamp, epoch ms */
  sentTimestamp: number;
  /** Attributes.SequenceNumber (FIFO order within the ticket) */
  sequenceNumber: string;
  /** Attributes.ApproximateReceiveCount as a number */
  receiveCount: number;
  /** Attributes.MessageGroupId: the unit of ordering */
  group: string;
  /** why this transaction cannot be handled; absent when it can */
  problem?: string;
  /** the Body exactly as received, kept only when `problem` is set (e.g. a string that is not JSON) */
  rawBody?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function badResponse(message: string): CaseExchangeError {
  return new CaseExchangeError("ENSONO_BAD_RESPONSE", `GET /queue: ${message}. The bridge answered with something that is not the JSON the guide describes.`, { retryable: true });
}

/**
 * The raw message objects of a GET /queue answer, whatever its nesting.
 * An empty queue (messages null, [] or absent) gives []. Anything that is not
 * such an answer throws ENSONO_BAD_RESPONSE.
 */
export function parseReceiveResponse(data: unknown): unknown[] {
  let d = data;
  if (Buffer.isBuffer(d)) d = d.toString("utf8");
  if (typeof d === "string") {
    if (d.trim() === "") throw badResponse("empty answer");
    const parsed = tryJson(d);
    if (!parsed.ok) throw badResponse("the answer is not JSON");
    d = parsed.value;
  }
  if (Array.isArray(d)) return d;
  if (!isObject(d)) throw badResponse("the answer is not an object");
  // walk ReceiveMessageResponse / ReceiveMessageResult (nested once or twice) down to `messages`
  let node: Record<string, unknown> = d;
  for (let depth = 0; depth < 6; depth++) {
    for (const key of ["messages", "Messages"]) {
      if (key in node) {
        const m = node[key];
        if (m === null || m === undefined) return [];
        if (Array.isArray(m)) return m;
        if (isObject(m)) return [m];
        throw badResponse(`"${key}" is neither a list nor null`);
      }
    }
    const next = node.ReceiveMessageResponse ?? node.ReceiveMessageResult;
    if (!isObject(next)) break;
    node = next;
  }
  if ("ReceiveMessageResponse" in d) return []; // a response with no result part: nothing to read
  throw badResponse("no ReceiveMessageResponse in the answer");
}

const UPDATED_VARIANTS = ["updatedOn", "updatedAt", "updateOn"];

function canonicalUpdated(obj: Record<string, unknown>): void {
  const present = UPDATED_VARIANTS.filter((k) => k in obj);
  if (present.length === 0) return;
  const value = present.map((k) => obj[k]).find((v) => v !== "" && v !== null && v !== undefined) ?? obj[present[0]];
  for (const k of present) delete obj[k];
  obj.updatedOn = value;
}

/** The Body with the guide's spelling variants made canonical (a copy). */
export function normaliseBody(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  canonicalUpdated(out);
  if ("ensonogroup" in out) {
    if (out.ensonoGroup === undefined || out.ensonoGroup === "") out.ensonoGroup = out.ensonogroup;
    delete out.ensonogroup;
  }
  if (isObject(out.changed)) {
    const changed = { ...out.changed };
    canonicalUpdated(changed);
    if ("ensonogroup" in changed) {
      changed.ensonoGroup ??= changed.ensonogroup;
      delete changed.ensonogroup;
    }
    out.changed = changed;
  }
  return out;
}

/** "approval request", "ApprovalRequest", "RETURNENSONONUM" → the guide's spelling; undefined when unknown. */
export function canonicalTransactionType(value: unknown): EnsonoTransactionType | undefined {
  if (typeof value !== "string") return undefined;
  const key = value.replace(/[\s_-]+/g, "").toLowerCase();
  return TRANSACTION_TYPES.find((t) => t.replace(/\s+/g, "").toLowerCase() === key);
}

export function canonicalTicketType(value: unknown): EnsonoTicketType | undefined {
  if (typeof value !== "string") return undefined;
  const key = value.trim().toLowerCase();
  return TICKET_TYPES.find((t) => t.toLowerCase() === key);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function toBool(v: unknown): boolean {
  return v === true || (typeof v === "string" && v.trim().toLowerCase() === "true");
}

function requireString(body: Record<string, unknown>, field: string, problems: string[], allowEmpty = false): void {
  const v = body[field];
  if (v === undefined || v === null) problems.push(`Body.${field} is missing`);
  else if (typeof v !== "string") problems.push(`Body.${field} is a ${Array.isArray(v) ? "list" : typeof v}, not text`);
  else if (!allowEmpty && v.trim() === "") problems.push(`Body.${field} is empty`);
}

/** The checks each transaction type needs before a flow can act on it. */
function checkBody(type: EnsonoTransactionType, ticketType: string, body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (body.clientTicketNumber !== undefined && body.clientTicketNumber !== null && typeof body.clientTicketNumber !== "string")
    problems.push(`Body.clientTicketNumber is a ${typeof body.clientTicketNumber}, not text`);
  switch (type) {
    case "Update":
      if (body.changed !== undefined && !isObject(body.changed)) problems.push("Body.changed is not an object");
      else if (body.changed === undefined && ticketType !== "Change") problems.push("Body.changed is missing (an Update must say which fields changed)");
      break;
    case "Notes":
      if (body.notes === undefined || body.notes === null) problems.push("Body.notes is missing");
      else if (!isObject(body.notes) && !(Array.isArray(body.notes) && body.notes.every(isObject))) problems.push("Body.notes is not an object");
      else if (isObject(body.notes) && body.notes.body !== undefined && typeof body.notes.body !== "string") problems.push("Body.notes.body is not text");
      break;
    case "Attachment":
      requireString(body, "attachment", problems);
      requireString(body, "attachmentName", problems);
      break;
    case "Approval Request":
      requireString(body, "approvalId", problems);
      requireString(body, "approverEmail", problems);
      break;
    case "ReturnEnsonoNum":
      requireString(body, "clientTicketNumber", problems);
      break;
    case "Closure":
      if (body.changed !== undefined && !isObject(body.changed)) problems.push("Body.changed is not an object");
      break;
    default:
      break;
  }
  return problems;
}

/** One raw queue message → a transaction (with `problem` set when it cannot be handled). */
export function normaliseMessage(raw: unknown): EnsonoTransaction {
  const m = isObject(raw) ? raw : {};
  const attributes = isObject(m.Attributes) ? { ...m.Attributes } : {};
  const problems: string[] = [];
  if (!isObject(raw)) problems.push("the message is not an object");
  else if (!isObject(m.Attributes)) problems.push("Attributes is missing");

  let body: Record<string, unknown> = {};
  const rawBody = m.Body;
  if (typeof rawBody === "string") {
    const parsed = tryJson(rawBody);
    if (!parsed.ok) problems.push("Body is not JSON");
    else if (!isObject(parsed.value)) problems.push("Body is not a JSON object");
    else body = parsed.value;
  } else if (isObject(rawBody)) body = rawBody;
  else if (isObject(raw)) problems.push(rawBody === undefined || rawBody === null ? "Body is missing" : "Body is not an object");
  body = normaliseBody(body);

  const receiptHandle = typeof m.ReceiptHandle === "string" ? m.ReceiptHandle : "";
  if (!receiptHandle && isObject(raw)) problems.push("ReceiptHandle is missing");
  const sentTimestamp = toNumber(attributes.SentTimestamp);
  if (sentTimestamp === undefined && isObject(m.Attributes)) problems.push("Attributes.SentTimestamp is missing or not a number");
  const sequenceNumber = typeof attributes.SequenceNumber === "string" || typeof attributes.SequenceNumber === "number" ? String(attributes.SequenceNumber) : "";
  const receiveCount = toNumber(attributes.ApproximateReceiveCount) ?? 1;

  const groupAttr = typeof attributes.MessageGroupId === "string" ? attributes.MessageGroupId : "";
  if (body.ticketNumber !== undefined && typeof body.ticketNumber !== "string") problems.push(`Body.ticketNumber is a ${typeof body.ticketNumber}, not text`);
  const ticketNumber = (typeof body.ticketNumber === "string" && body.ticketNumber.trim()) || groupAttr;
  if (!ticketNumber && (isObject(rawBody) || typeof rawBody === "string") && !problems.some((p) => p.startsWith("Body is"))) problems.push("Body.ticketNumber is missing");

  let ticketType: string = canonicalTicketType(body.ticketType) ?? (typeof body.ticketType === "string" ? body.ticketType : "");
  // the guide's change notes example says "Incident": a CHG number is a change whatever the type says
  if (/^(e-)?CHG/i.test(ticketNumber) && ticketType !== "Change" && (ticketType === "Incident" || ticketType === "")) {
    ticketType = "Change";
    body.ticketType = "Change";
  } else if (ticketType) body.ticketType = ticketType;
  const bodyUsable = !problems.some((p) => p.startsWith("Body is") || p === "the message is not an object");
  if (bodyUsable && !canonicalTicketType(ticketType))
    problems.push(
      body.ticketType === undefined || body.ticketType === null
        ? "Body.ticketType is missing"
        : typeof body.ticketType !== "string"
          ? `Body.ticketType is a ${typeof body.ticketType}, not text`
          : `unknown ticket type ${JSON.stringify(body.ticketType)}`,
    );

  const rawType = attributes.TransactionType;
  const transactionType = canonicalTransactionType(rawType);
  if (isObject(m.Attributes) && !transactionType)
    problems.push(rawType === undefined ? "Attributes.TransactionType is missing" : `unknown transaction type ${JSON.stringify(rawType)}`);
  if (transactionType && bodyUsable) problems.push(...checkBody(transactionType, ticketType, body));

  const clientTicketNumber = typeof body.clientTicketNumber === "string" ? body.clientTicketNumber : "";
  const messageId =
    typeof m.MessageId === "string" && m.MessageId
      ? m.MessageId
      : `no-message-id:${groupAttr || ticketNumber}:${sequenceNumber || String(sentTimestamp ?? "")}:${typeof m.MD5OfBody === "string" ? m.MD5OfBody : ""}`;

  const tx: EnsonoTransaction = {
    transactionType: transactionType ?? (typeof rawType === "string" ? rawType : ""),
    ticketNumber,
    ticketType,
    clientTicketNumber,
    clientReferenceAvailable: toBool(attributes.ClientReferenceAvailable),
    body,
    attributes,
    receiptHandle,
    messageId,
    sentTimestamp: sentTimestamp ?? 0,
    sequenceNumber,
    receiveCount,
    group: groupAttr || ticketNumber || messageId,
  };
  if (problems.length) {
    tx.problem = problems.join("; ");
    tx.rawBody = rawBody;
  }
  return tx;
}

/**
 * What a flow acts on: for an Update only the `changed` fields (a change's
 * state update, which carries no `changed`, gives the whole body), for Notes
 * only the `notes`, for every other type the whole body.
 */
export function transactionPayload(tx: EnsonoTransaction): unknown {
  if (tx.transactionType === "Update" && isObject(tx.body.changed)) return tx.body.changed;
  if (tx.transactionType === "Notes" && tx.body.notes !== undefined) return tx.body.notes;
  return tx.body;
}

export interface EnsonoQueueClient {
  /** GET /queue: the transactions of one read (empty when the queue has nothing visible). */
  receive(signal?: AbortSignal): Promise<EnsonoTransaction[]>;
  /** DELETE /queue/{receipt handle} (URL-encoded). Throws ENSONO_RECEIPT_EXPIRED / ENSONO_RECEIPT_INVALID… */
  delete(receiptHandle: string, signal?: AbortSignal): Promise<void>;
}

export function createEnsonoQueueClient(connection: EnsonoConnection): EnsonoQueueClient {
  return {
    async receive(signal?: AbortSignal): Promise<EnsonoTransaction[]> {
      const res = await connection.http.request<unknown>({ method: "GET", url: "/queue", signal, subject: "/queue" });
      return parseReceiveResponse(res.data).map(normaliseMessage);
    },
    async delete(receiptHandle: string, signal?: AbortSignal): Promise<void> {
      if (!receiptHandle) throw new CaseExchangeError("ENSONO_RECEIPT_INVALID", "DELETE /queue: the message has no receipt handle to delete it with");
      await connection.http.request<unknown>({ method: "DELETE", url: `/queue/${encodeURIComponent(receiptHandle)}`, signal, subject: "/queue/{receipt handle}" });
    },
  };
}
