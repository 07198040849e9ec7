import { CaseExchangeError, inputInvalid } from "../lib/errors";
import { isSysId, type SnowClient, type SnowRecord } from "../lib/servicenow/client";
import { checkEncodedQuery, checkTable } from "../lib/servicenow/query";
import type { NodeMessage } from "../shared/types";

/**
 * The snow-incident actions: what each reads from the message and what it
 * puts back (msg.payload = result, msg.snow = metadata). No Node-RED import.
 */
export const ACTIONS = ["create", "update", "get", "query", "comment", "worknote", "journal", "attachments", "download", "upload", "resolve", "close", "cancel"] as const;
export type Action = (typeof ACTIONS)[number];

export interface ActionConfig {
  table: string;
  /** the dialog's encoded query (query action default) */
  query: string;
  /** create: return the active record with the same correlation_id instead of creating a second */
  guardCorrelation: boolean;
}

export interface ActionResult {
  payload: unknown;
  snow: Record<string, unknown>;
  filename?: string;
  /** short status text */
  status: string;
}

type Meta = Record<string, unknown>;

function metaOf(msg: NodeMessage): Meta {
  const s = msg.snow;
  return s && typeof s === "object" && !Array.isArray(s) ? (s as Meta) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" ? String(v) : undefined;
}

function fieldsOf(msg: NodeMessage, action: string): Record<string, unknown> {
  const p = msg.payload;
  if (!p || typeof p !== "object" || Array.isArray(p) || Buffer.isBuffer(p)) throw inputInvalid(`${action}: msg.payload must be an object of field name → value`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) if (k !== "sys_id" && k !== "number" && v !== undefined) out[k] = v;
  return out;
}

/** The record the message is about: msg.snow.sys_id / msg.snow.number, or payload.sys_id / payload.number, or a string payload. */
function recordKey(msg: NodeMessage, allowPayloadString: boolean): string {
  const m = metaOf(msg);
  const p = msg.payload as Record<string, unknown> | string | undefined;
  const key =
    str(m.sys_id) ??
    str(m.number) ??
    (p && typeof p === "object" && !Buffer.isBuffer(p) ? (str((p as Record<string, unknown>).sys_id) ?? str((p as Record<string, unknown>).number)) : undefined) ??
    (allowPayloadString && typeof p === "string" ? str(p) : undefined);
  if (!key) throw inputInvalid("Which record? Set msg.snow.sys_id or msg.snow.number");
  return key;
}

async function sysIdOf(client: SnowClient, table: string, key: string, signal?: AbortSignal): Promise<{ sysId: string; number?: string }> {
  if (isSysId(key)) return { sysId: key };
  const rec = await client.get(table, key, { fields: ["sys_id", "number"], signal });
  return { sysId: rec.sys_id, number: rec.number };
}

function recordMeta(table: string, action: string, rec: SnowRecord, extra: Meta = {}): Meta {
  return { table, action, sys_id: rec.sys_id, number: rec.number, state: rec.state, sys_updated_on: rec.sys_updated_on, ...extra };
}

function closeOptions(msg: NodeMessage): { closeCode?: string; closeNotes?: string; fields: Record<string, unknown> } {
  const m = metaOf(msg);
  const p = msg.payload && typeof msg.payload === "object" && !Array.isArray(msg.payload) && !Buffer.isBuffer(msg.payload) ? { ...(msg.payload as Record<string, unknown>) } : {};
  const closeCode = str(p.close_code) ?? str(m.close_code);
  const closeNotes = str(p.close_notes) ?? (typeof msg.payload === "string" ? str(msg.payload) : undefined) ?? str(m.close_notes);
  for (const k of ["close_code", "close_notes", "sys_id", "number", "state"]) delete p[k];
  return { closeCode, closeNotes, fields: p };
}

export function actionOf(configured: string | undefined, msg: NodeMessage): Action {
  const raw = configured && configured !== "msg" ? configured : str(msg.action);
  const a = (raw ?? "").toLowerCase().replace(/[\s_-]/g, "");
  const alias: Record<string, Action> = { worknotes: "worknote", comments: "comment", note: "worknote", list: "query", attach: "upload", attachment: "upload" };
  const action = (alias[a] ?? a) as Action;
  if (!ACTIONS.includes(action)) throw inputInvalid(`"${raw ?? ""}" is not a snow-incident action (${ACTIONS.join(", ")}); set it in the dialog or in msg.action`);
  return action;
}

export async function runAction(client: SnowClient, action: Action, cfg: ActionConfig, msg: NodeMessage, signal?: AbortSignal): Promise<ActionResult> {
  const table = checkTable(cfg.table || "incident");
  switch (action) {
    case "create": {
      const fields = fieldsOf(msg, "create");
      const correlationId = str(fields.correlation_id) ?? str(metaOf(msg).correlation_id);
      if (correlationId && cfg.guardCorrelation) {
        const existing = await client.findByCorrelation(table, correlationId, { activeOnly: true, signal });
        if (existing) return { payload: existing, snow: recordMeta(table, action, existing, { existed: true, correlation_id: correlationId }), status: `${existing.number} exists` };
      }
      const rec = await client.create(table, fields, { correlationId, signal });
      return { payload: rec, snow: recordMeta(table, action, rec, { existed: false }), status: rec.number || "created" };
    }
    case "update": {
      const { sysId } = await sysIdOf(client, table, recordKey(msg, false), signal);
      const fields = fieldsOf(msg, "update");
      const rec = await client.update(table, sysId, fields, { signal });
      return { payload: rec, snow: recordMeta(table, action, rec, { fields: Object.keys(fields) }), status: rec.number || "updated" };
    }
    case "get": {
      const rec = await client.get(table, recordKey(msg, true), { signal });
      return { payload: rec, snow: recordMeta(table, action, rec), status: rec.number || rec.sys_id };
    }
    case "query": {
      const q = checkEncodedQuery(str(metaOf(msg).query) ?? (typeof msg.payload === "string" ? msg.payload : cfg.query) ?? "");
      const fieldsRaw = metaOf(msg).fields;
      const fields = Array.isArray(fieldsRaw) ? fieldsRaw.map(String) : typeof fieldsRaw === "string" ? fieldsRaw.split(",").map((f) => f.trim()).filter(Boolean) : undefined;
      const limit = Number(metaOf(msg).limit);
      const rows = await client.query(table, q, { fields, limit: Number.isFinite(limit) && limit > 0 ? limit : undefined, signal });
      return { payload: rows, snow: { table, action, query: q, count: rows.length }, status: `${rows.length} found` };
    }
    case "comment":
    case "worknote": {
      const text = typeof msg.payload === "string" ? msg.payload : str((msg.payload as Record<string, unknown> | undefined)?.text);
      if (!text || text.trim() === "") throw inputInvalid(`${action}: msg.payload must be the text to add`);
      const { sysId } = await sysIdOf(client, table, recordKey(msg, false), signal);
      const rec = action === "comment" ? await client.addComment(table, sysId, text, { signal }) : await client.addWorkNote(table, sysId, text, { signal });
      return { payload: rec, snow: recordMeta(table, action, rec, { element: action === "comment" ? "comments" : "work_notes" }), status: `${action === "comment" ? "comment" : "work note"} on ${rec.number || sysId}` };
    }
    case "journal": {
      const { sysId, number } = await sysIdOf(client, table, recordKey(msg, true), signal);
      const since = str(metaOf(msg).since);
      const entries = await client.journal(table, sysId, { since, signal });
      return { payload: entries, snow: { table, action, sys_id: sysId, number, count: entries.length }, status: `${entries.length} entries` };
    }
    case "attachments": {
      const { sysId, number } = await sysIdOf(client, table, recordKey(msg, true), signal);
      const list = await client.attachments(table, sysId, { signal });
      return { payload: list, snow: { table, action, sys_id: sysId, number, count: list.length }, status: `${list.length} attachments` };
    }
    case "download": {
      const m = metaOf(msg);
      const id = str(m.attachment_sys_id) ?? (typeof msg.payload === "string" ? str(msg.payload) : str((msg.payload as Record<string, unknown> | undefined)?.sys_id));
      if (!id) throw inputInvalid("download: set msg.snow.attachment_sys_id (or msg.payload) to the attachment's sys_id");
      const file = await client.download(id, { signal });
      return {
        payload: file.content,
        filename: file.fileName,
        snow: { table, action, attachment_sys_id: id, file_name: file.fileName, content_type: file.contentType, size_bytes: file.content.length, table_sys_id: file.meta?.table_sys_id },
        status: `${file.content.length} bytes`,
      };
    }
    case "upload": {
      const m = metaOf(msg);
      const fileName = str(m.file_name) ?? str(msg.filename);
      if (!fileName) throw inputInvalid("upload: set msg.filename (or msg.snow.file_name)");
      const p = msg.payload;
      const content = Buffer.isBuffer(p) ? p : typeof p === "string" ? Buffer.from(p, m.encoding === "base64" ? "base64" : "utf8") : undefined;
      if (!content) throw inputInvalid("upload: msg.payload must be a Buffer or a string");
      const { sysId } = await sysIdOf(client, table, recordKey(msg, false), signal);
      const meta = await client.upload(table, sysId, fileName, content, str(m.content_type) ?? "application/octet-stream", { signal });
      return { payload: meta, snow: { table, action, sys_id: sysId, attachment_sys_id: meta.sys_id, file_name: meta.file_name, size_bytes: content.length }, status: fileName };
    }
    case "resolve":
    case "close":
    case "cancel": {
      const { sysId } = await sysIdOf(client, table, recordKey(msg, false), signal);
      const o = closeOptions(msg);
      const rec =
        action === "resolve"
          ? await client.resolve(table, sysId, { ...o, signal })
          : action === "close"
            ? await client.close(table, sysId, { ...o, signal })
            : await client.cancel(table, sysId, { ...o, signal });
      return { payload: rec, snow: recordMeta(table, action, rec), status: `${rec.number || sysId} ${action === "resolve" ? "resolved" : action === "close" ? "closed" : "canceled"}` };
    }
  }
  throw new CaseExchangeError("INPUT_INVALID", `unknown action ${String(action)}`);
}
