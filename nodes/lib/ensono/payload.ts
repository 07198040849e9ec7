import { inputInvalid } from "../errors";
import {
  ENSONO_STATUSES,
  ENSONO_TICKET_TYPES,
  type EnsonoAction,
  type EnsonoComment,
  type EnsonoCreateMode,
  type EnsonoStatus,
  type EnsonoTicketType,
} from "./types";

/**
 * The guide's payload rules, checked before anything is sent (a clear
 * INPUT_INVALID naming the field, never a 4xx from the bridge), and the
 * payload of each client-to-Ensono call built from loose input (msg.payload).
 */

/** Field limits from "Fields for Opening/Updating a Ticket". */
export const ENSONO_LIMITS = {
  description: 4000,
  shortDescription: 160,
  closeNotes: 4000,
  commentBody: 4000,
  filename: 255,
} as const;

/**
 * The guide's SPECIAL CHARACTERS rule: "Double-escape special characters such
 * as newlines, tabs, double quotes and backslashes in free-text fields", with
 * the example `{"Description": "This is a \\r\\n\\"Test\\""}`.
 *
 * For a JSON client this means: escape the text once the way JSON escapes a
 * string (`\` → `\\`, `"` → `\"`, newline → `\n`, carriage return → `\r`,
 * tab → `\t`, other control characters → `\uXXXX`), then let the JSON
 * serialiser escape it a second time. The value the bridge parses is then the
 * once-escaped text, which it embeds in its own JSON for ServiceNow, where it
 * becomes the original text again. Everything else (letters, accents, emoji,
 * `/`) is sent as is.
 */
export function escapeFreeText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** The inverse of escapeFreeText (what the bridge's second parse yields). */
export function unescapeFreeText(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}

export interface PayloadOptions {
  /** the clientName sent in every payload (from the config node, never from msg) */
  clientName: string;
  /** creates: priority, or impact + urgency */
  createMode: EnsonoCreateMode;
  /** double-escape free text (default true, as the guide requires) */
  escape?: boolean;
}

/** A call ready to send: method, path below the environment URL, JSON payload. */
export interface PreparedCall {
  action: EnsonoAction;
  method: "GET" | "POST" | "PUT";
  path: string;
  ticketNumber?: string;
  clientTicketNumber?: string;
  ticketType?: EnsonoTicketType;
  ticketStatus?: EnsonoStatus;
  /** the object sent as `{"payload": …}` */
  payload?: Record<string, unknown>;
  /** the group sent, when one was */
  group?: string;
}

export interface PreparedAttachment {
  ticketNumber: string;
  /** as the user gave it (without a .base64 suffix) */
  filename: string;
  /** the name in the upload-URL request: filename, or filename.base64 */
  urlName: string;
  encoding: "binary" | "base64";
  body: Buffer | string;
  contentType: string;
  bytes: number;
}

type Input = Record<string, unknown>;

function isObject(v: unknown): v is Input {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** A string field: numbers are accepted as text; anything else is an error naming the field. */
function text(input: Input, field: string, opts: { required?: boolean; max?: number; label?: string } = {}): string | undefined {
  const v = input[field];
  const label = opts.label ?? field;
  if (v === undefined || v === null || (typeof v === "string" && v.trim() === "")) {
    if (opts.required) throw inputInvalid(`${label} is required`, { field: label });
    return undefined;
  }
  if (typeof v !== "string" && typeof v !== "number") throw inputInvalid(`${label} must be text, not ${Array.isArray(v) ? "an array" : typeof v}`, { field: label });
  const s = String(v);
  if (opts.max !== undefined && s.length > opts.max) {
    throw inputInvalid(`${label} is ${s.length} characters long; Ensono accepts at most ${opts.max}`, { field: label, length: s.length, max: opts.max });
  }
  return s;
}

function rangeNumber(input: Input, field: string, min: number, max: number, required: boolean): string | undefined {
  const v = input[field];
  if (v === undefined || v === null || v === "") {
    if (required) throw inputInvalid(`${field} is required (${min} to ${max})`, { field });
    return undefined;
  }
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) {
    throw inputInvalid(`${field} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`, { field, value: v });
  }
  return String(Number(s));
}

export function validateTicketNumber(value: unknown, field = "ticketNumber"): string {
  if (value === undefined || value === null || String(value).trim() === "") throw inputInvalid(`${field} (the Ensono ticket number, e.g. e-CS0204070) is required`, { field });
  if (typeof value !== "string") throw inputInvalid(`${field} must be text`, { field });
  const s = value.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s)) throw inputInvalid(`${field} "${s.slice(0, 70)}" is not an Ensono ticket number (letters, digits, "-", "." and "_" only, e.g. e-CS0204070)`, { field });
  return s;
}

function ticketType(input: Input, allowed: readonly EnsonoTicketType[], fallback?: EnsonoTicketType): EnsonoTicketType {
  const v = input.ticketType;
  if (v === undefined || v === null || v === "") {
    if (fallback) return fallback;
    throw inputInvalid(`ticketType is required (${allowed.join(" or ")})`, { field: "ticketType" });
  }
  const match = ENSONO_TICKET_TYPES.find((t) => t.toLowerCase() === String(v).trim().toLowerCase());
  if (!match || !allowed.includes(match)) throw inputInvalid(`ticketType must be ${allowed.join(" or ")} for this action, not ${JSON.stringify(v)}`, { field: "ticketType", value: v });
  return match;
}

function status(value: unknown): EnsonoStatus {
  const s = String(value).trim().toLowerCase();
  // "workinprogress" is a spelling the guide's readers meet; the bridge takes "workingprogress"
  const canonical = s === "workinprogress" || s === "work in progress" ? "workingprogress" : s === "canceled" ? "cancelled" : s;
  const match = ENSONO_STATUSES.find((x) => x === canonical);
  if (!match) throw inputInvalid(`status must be one of ${ENSONO_STATUSES.join(", ")}, not ${JSON.stringify(value)}`, { field: "status", value });
  return match;
}

/**
 * The comments array, from an array of comment objects or strings, a single
 * comment object, or a single string. Only `body` is required (≤ 4000).
 */
export function normalizeComments(value: unknown, field = "comments", required = false): EnsonoComment[] {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    if (required) throw inputInvalid(`${field} is required: at least one comment with a body`, { field });
    return [];
  }
  const list = Array.isArray(value) ? value : [value];
  if (required && list.length === 0) throw inputInvalid(`${field} is required: at least one comment with a body`, { field });
  return list.map((c, i) => {
    const where = `${field}[${i}]`;
    const obj: Input = typeof c === "string" ? { body: c } : isObject(c) ? c : {};
    if (!isObject(c) && typeof c !== "string") throw inputInvalid(`${where} must be a comment object {body, commenter, …} or text`, { field: where });
    const body = text(obj, "body", { required: true, max: ENSONO_LIMITS.commentBody, label: `${where}.body` })!;
    const out: EnsonoComment = { body };
    for (const k of ["commenter", "commentTime", "commenterEmail", "commenterPhone"] as const) {
      const v = text(obj, k, { label: `${where}.${k}` });
      if (v !== undefined) out[k] = v;
    }
    return out;
  });
}

function escComments(comments: EnsonoComment[], escape: boolean): EnsonoComment[] {
  if (!escape) return comments;
  return comments.map((c) => {
    const out: EnsonoComment = { body: escapeFreeText(c.body) };
    for (const k of ["commenter", "commentTime", "commenterEmail", "commenterPhone"] as const) if (c[k] !== undefined) out[k] = escapeFreeText(c[k]!);
    return out;
  });
}

function cis(input: Input): string | undefined {
  const v = input.cis;
  if (v === undefined || v === null || v === "") return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean).join(",");
  if (typeof v !== "string") throw inputInvalid("cis must be comma-separated text or an array", { field: "cis" });
  return v;
}

function identity(input: Input, opts: PayloadOptions, types: readonly EnsonoTicketType[], fallback?: EnsonoTicketType) {
  const clientTicketNumber = text(input, "clientTicketNumber", { required: true })!;
  const tt = ticketType(input, types, fallback);
  return { clientName: opts.clientName, ticketType: tt, clientTicketNumber };
}

const FREE_TEXT = ["description", "shortDescription", "closeNotes", "contactName", "contactEmail", "contactPhone"] as const;

function escapeFields(payload: Input, escape: boolean): Input {
  if (!escape) return payload;
  const out: Input = { ...payload };
  for (const f of FREE_TEXT) if (typeof out[f] === "string") out[f] = escapeFreeText(out[f] as string);
  if (Array.isArray(out.comments)) out.comments = escComments(out.comments as EnsonoComment[], true);
  return out;
}

const ENC = encodeURIComponent;

/** POST /tickets */
export function buildCreate(input: Input, opts: PayloadOptions): PreparedCall {
  const id = identity(input, opts, ["Incident", "Request"]);
  const p: Input = { ...id };
  if (opts.createMode === "priority") {
    p.priority = rangeNumber(input, "priority", 1, 4, true);
  } else {
    p.impact = rangeNumber(input, "impact", 1, 3, true);
    p.urgency = rangeNumber(input, "urgency", 1, 3, true);
  }
  const group = text(input, "group");
  if (group !== undefined) p.group = group;
  p.contactName = text(input, "contactName", { required: true });
  const phone = text(input, "contactPhone");
  if (phone !== undefined) p.contactPhone = phone;
  p.contactEmail = text(input, "contactEmail", { required: true });
  p.shortDescription = text(input, "shortDescription", { required: true, max: ENSONO_LIMITS.shortDescription });
  p.description = text(input, "description", { required: true, max: ENSONO_LIMITS.description });
  const c = cis(input);
  if (c !== undefined) p.cis = c;
  const comments = normalizeComments(input.comments);
  if (comments.length) p.comments = comments;
  return { action: "create", method: "POST", path: "/tickets", clientTicketNumber: id.clientTicketNumber, ticketType: id.ticketType, payload: escapeFields(p, opts.escape !== false), group };
}

const UPDATE_FIELDS = ["status", "closeNotes", "description", "shortDescription", "group", "priority", "impact", "urgency", "comments"] as const;

function needsCloseNotes(s: EnsonoStatus): boolean {
  return s === "resolved" || s === "closed" || s === "cancelled";
}

/** PUT /tickets/{n}: only the fields given. */
export function buildUpdate(input: Input, opts: PayloadOptions): PreparedCall {
  const ticketNumber = validateTicketNumber(input.ticketNumber);
  const id = identity(input, opts, ["Incident", "Request"]);
  const p: Input = { ...id };
  let st: EnsonoStatus | undefined;
  if (input.status !== undefined && input.status !== null && input.status !== "") p.status = st = status(input.status);
  const closeNotes = text(input, "closeNotes", { max: ENSONO_LIMITS.closeNotes });
  if (st && needsCloseNotes(st) && closeNotes === undefined) throw inputInvalid(`closeNotes is required when status is ${st}`, { field: "closeNotes" });
  if (closeNotes !== undefined) p.closeNotes = closeNotes;
  const d = text(input, "description", { max: ENSONO_LIMITS.description });
  if (d !== undefined) p.description = d;
  const sd = text(input, "shortDescription", { max: ENSONO_LIMITS.shortDescription });
  if (sd !== undefined) p.shortDescription = sd;
  const group = text(input, "group");
  if (group !== undefined) p.group = group;
  const pr = rangeNumber(input, "priority", 1, 4, false);
  if (pr !== undefined) p.priority = pr;
  const im = rangeNumber(input, "impact", 1, 3, false);
  if (im !== undefined) p.impact = im;
  const ur = rangeNumber(input, "urgency", 1, 3, false);
  if (ur !== undefined) p.urgency = ur;
  const comments = normalizeComments(input.comments);
  if (comments.length) p.comments = comments;
  if (!UPDATE_FIELDS.some((f) => p[f] !== undefined)) {
    throw inputInvalid(`nothing to update: give at least one of ${UPDATE_FIELDS.join(", ")}`, { field: "payload" });
  }
  return {
    action: "update",
    method: "PUT",
    path: `/tickets/${ENC(ticketNumber)}`,
    ticketNumber,
    clientTicketNumber: id.clientTicketNumber,
    ticketType: id.ticketType,
    ticketStatus: st,
    payload: escapeFields(p, opts.escape !== false),
    group,
  };
}

/** resolve / close / cancel: an update that sets the status, with closeNotes. */
export function buildStatusChange(action: "resolve" | "close" | "cancel", input: Input, opts: PayloadOptions): PreparedCall {
  const ticketNumber = validateTicketNumber(input.ticketNumber);
  const id = identity(input, opts, ["Incident", "Request"]);
  const st: EnsonoStatus = action === "resolve" ? "resolved" : action === "close" ? "closed" : "cancelled";
  if (input.status !== undefined && input.status !== null && input.status !== "" && status(input.status) !== st) {
    throw inputInvalid(`status ${JSON.stringify(input.status)} contradicts the action ${action} (which sends ${st})`, { field: "status" });
  }
  const closeNotes = text(input, "closeNotes", { required: true, max: ENSONO_LIMITS.closeNotes });
  const p: Input = { ...id, status: st, closeNotes };
  return { action, method: "PUT", path: `/tickets/${ENC(ticketNumber)}`, ticketNumber, clientTicketNumber: id.clientTicketNumber, ticketType: id.ticketType, ticketStatus: st, payload: escapeFields(p, opts.escape !== false) };
}

/** PUT /tickets/{n}/notes */
export function buildNotes(input: Input, opts: PayloadOptions): PreparedCall {
  const ticketNumber = validateTicketNumber(input.ticketNumber);
  const id = identity(input, opts, ENSONO_TICKET_TYPES);
  const comments = normalizeComments(input.comments ?? input.comment ?? input.body, "comments", true);
  const p: Input = { ...id, comments };
  return { action: "notes", method: "PUT", path: `/tickets/${ENC(ticketNumber)}/notes`, ticketNumber, clientTicketNumber: id.clientTicketNumber, ticketType: id.ticketType, payload: escapeFields(p, opts.escape !== false) };
}

/** PUT /tickets/{n}/returnptn */
export function buildReturnPtn(input: Input, opts: PayloadOptions): PreparedCall {
  const ticketNumber = validateTicketNumber(input.ticketNumber);
  const id = identity(input, opts, ENSONO_TICKET_TYPES);
  return { action: "returnptn", method: "PUT", path: `/tickets/${ENC(ticketNumber)}/returnptn`, ticketNumber, clientTicketNumber: id.clientTicketNumber, ticketType: id.ticketType, payload: { ...id } };
}

/**
 * The approval comment carries only a body (the guide: "Please concatenate
 * the user info in the body field"): commenter details become a header line.
 */
export function approvalComment(c: EnsonoComment): EnsonoComment {
  const who = [c.commenter, c.commenterEmail && `Email: ${c.commenterEmail}`, c.commenterPhone && `Phone: ${c.commenterPhone}`, c.commentTime && `at ${c.commentTime}`].filter(Boolean).join(", ");
  const body = who ? `${who}\n${c.body}` : c.body;
  if (body.length > ENSONO_LIMITS.commentBody) throw inputInvalid(`comments body with the approver details is ${body.length} characters long; Ensono accepts at most ${ENSONO_LIMITS.commentBody}`, { field: "comments.body" });
  return { body };
}

/** PUT /tickets/{n}/approve or /reject */
export function buildApproval(action: "approve" | "reject", input: Input, opts: PayloadOptions): PreparedCall {
  const ticketNumber = validateTicketNumber(input.ticketNumber);
  const id = identity(input, opts, ENSONO_TICKET_TYPES, "Change");
  const approver = text(input, "approver", { required: true })!;
  const approvalId = text(input, "approvalId", { required: true })!;
  const comments = normalizeComments(input.comments ?? input.comment, "comments", true).map(approvalComment);
  const p: Input = { ...id, approver, approvalId, comments: escComments(comments, opts.escape !== false) };
  return { action, method: "PUT", path: `/tickets/${ENC(ticketNumber)}/${action}`, ticketNumber, clientTicketNumber: id.clientTicketNumber, ticketType: id.ticketType, payload: p };
}

// ---------------------------------------------------------------------------
// Attachments

/** Content-Type by extension (ServiceNow validates that the type matches the file). */
export const CONTENT_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  txt: "text/plain",
  log: "text/plain",
  csv: "text/csv",
  json: "application/json",
  xml: "application/xml",
  htm: "text/html",
  html: "text/html",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  bmp: "image/bmp",
  zip: "application/zip",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  eml: "message/rfc822",
};

export function contentTypeFor(filename: string): string {
  const ext = filename.includes(".") ? filename.slice(filename.lastIndexOf(".") + 1).toLowerCase() : "";
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}

/**
 * The guide's LIMITATIONS: only letters, digits, hyphens and dots, beginning
 * with a letter or digit; any type but .exe.
 */
export function validateFilename(value: unknown): string {
  if (value === undefined || value === null || String(value).trim() === "") throw inputInvalid("filename is required", { field: "filename" });
  if (typeof value !== "string") throw inputInvalid("filename must be text", { field: "filename" });
  const name = value;
  if (name.length > ENSONO_LIMITS.filename) throw inputInvalid(`filename is ${name.length} characters long; at most ${ENSONO_LIMITS.filename}`, { field: "filename" });
  if (!/^[A-Za-z0-9]/.test(name)) throw inputInvalid(`filename "${name}" must begin with a letter or a digit`, { field: "filename" });
  const bad = name.match(/[^A-Za-z0-9.-]/);
  if (bad) {
    const what = bad[0] === " " ? "a space" : JSON.stringify(bad[0]);
    throw inputInvalid(`filename "${name}" contains ${what}: Ensono accepts only letters, digits, hyphens and dots`, { field: "filename" });
  }
  if (/\.exe$/i.test(name)) throw inputInvalid(`filename "${name}": .exe files cannot be uploaded to Ensono`, { field: "filename" });
  return name;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Checks an attachment upload and works out the URL name, body and Content-Type. */
export function prepareAttachment(input: Input): PreparedAttachment {
  const ticketNumber = validateTicketNumber(input.ticketNumber);
  let filename = validateFilename(input.filename);
  let encoding = input.encoding === undefined || input.encoding === null || input.encoding === "" ? undefined : String(input.encoding).toLowerCase();
  if (encoding !== undefined && encoding !== "binary" && encoding !== "base64") throw inputInvalid(`encoding must be binary or base64, not ${JSON.stringify(input.encoding)}`, { field: "encoding" });
  if (/\.base64$/i.test(filename)) {
    filename = validateFilename(filename.slice(0, -".base64".length));
    encoding = "base64";
  }
  const content = input.content;
  let body: Buffer | string;
  if (Buffer.isBuffer(content) || content instanceof Uint8Array) {
    const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
    if (encoding === "base64") body = buf.toString("base64");
    else {
      encoding = "binary";
      body = buf;
    }
  } else if (typeof content === "string") {
    if (encoding === "binary") body = Buffer.from(content, "utf8");
    else {
      // text content is taken as base64 when it says so, else sent as the file's text
      const compact = content.replace(/\s+/g, "");
      if (encoding === "base64") {
        if (!BASE64.test(compact) || compact.length % 4 !== 0) throw inputInvalid("content is not valid base64 text", { field: "content" });
        body = compact;
      } else {
        encoding = "binary";
        body = Buffer.from(content, "utf8");
      }
    }
  } else {
    throw inputInvalid("content is required: a Buffer with the file's bytes, or text (base64 when encoding is base64)", { field: "content" });
  }
  const bytes = Buffer.isBuffer(body) ? body.length : Buffer.from(body, "base64").length;
  if (bytes === 0) throw inputInvalid("content is empty: there is no file to upload", { field: "content" });
  const enc = encoding as "binary" | "base64";
  let contentType: string;
  if (enc === "base64") contentType = "text/plain";
  else {
    const given = input.contentType;
    if (given !== undefined && given !== null && given !== "") {
      if (typeof given !== "string" || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(given)) throw inputInvalid(`contentType ${JSON.stringify(given)} is not a media type (e.g. application/pdf)`, { field: "contentType" });
      contentType = given;
    } else contentType = contentTypeFor(filename);
  }
  return { ticketNumber, filename, urlName: enc === "base64" ? `${filename}.base64` : filename, encoding: enc, body, contentType, bytes };
}

/** Builds the call for any JSON action (attachments go through prepareAttachment). */
export function buildCall(action: EnsonoAction, input: Input, opts: PayloadOptions): PreparedCall {
  switch (action) {
    case "create":
      return buildCreate(input, opts);
    case "update":
      return buildUpdate(input, opts);
    case "notes":
      return buildNotes(input, opts);
    case "returnptn":
      return buildReturnPtn(input, opts);
    case "resolve":
    case "close":
    case "cancel":
      return buildStatusChange(action, input, opts);
    case "approve":
    case "reject":
      return buildApproval(action, input, opts);
    default:
      throw inputInvalid(`action ${JSON.stringify(action)} has no JSON payload`, { field: "action" });
  }
}

/** The action named by the dialog or msg.action, checked. */
export function parseAction(value: unknown): EnsonoAction {
  const s = typeof value === "string" ? value.trim().toLowerCase() : "";
  const alias: Record<string, EnsonoAction> = { comment: "notes", note: "notes", comments: "notes", resolved: "resolve", closed: "close", cancelled: "cancel", canceled: "cancel", upload: "attachment", attachments: "attachment" };
  const a = (alias[s] ?? s) as EnsonoAction;
  const all: EnsonoAction[] = ["create", "update", "notes", "returnptn", "resolve", "close", "cancel", "approve", "reject", "attachment"];
  if (!all.includes(a)) throw inputInvalid(`action must be one of ${all.join(", ")}, not ${JSON.stringify(value)}`, { field: "action" });
  return a;
}
