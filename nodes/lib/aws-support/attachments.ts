import { CaseExchangeError } from "../errors";

/** The Support API's limits: three attachments per set, 5 MB per attachment. */
export const MAX_ATTACHMENTS_PER_SET = 3;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

export interface AttachmentInput {
  fileName: string;
  /** the file's bytes (a string is taken as UTF-8 text) */
  data: Buffer | Uint8Array | string;
}

export interface AttachmentFile {
  fileName: string;
  data: Buffer;
}

/** Turns what a message carries (Buffer, string, `{type:"Buffer",data:[…]}`, base64 with `encoding`) into bytes. */
export function normaliseAttachment(a: unknown, index: number): AttachmentFile {
  if (!a || typeof a !== "object") throw new CaseExchangeError("INPUT_INVALID", `attachment ${index + 1} is not an object with fileName and data`);
  const item = a as { fileName?: unknown; name?: unknown; data?: unknown; encoding?: unknown };
  const fileName = typeof item.fileName === "string" && item.fileName ? item.fileName : typeof item.name === "string" && item.name ? item.name : "";
  if (!fileName) throw new CaseExchangeError("INPUT_INVALID", `attachment ${index + 1} has no fileName`);
  let data: Buffer;
  const raw = item.data;
  if (Buffer.isBuffer(raw)) data = raw;
  else if (raw instanceof Uint8Array) data = Buffer.from(raw);
  else if (typeof raw === "string") data = Buffer.from(raw, item.encoding === "base64" ? "base64" : "utf8");
  else if (raw && typeof raw === "object" && (raw as { type?: unknown }).type === "Buffer" && Array.isArray((raw as { data?: unknown }).data))
    data = Buffer.from((raw as { data: number[] }).data);
  else throw new CaseExchangeError("INPUT_INVALID", `attachment ${fileName} has no data (a Buffer or a string)`);
  return { fileName, data };
}

/**
 * Splits attachments into sets the API accepts (at most three per set), after
 * refusing any file over 5 MB — before anything is uploaded, so a request
 * either sends every file or none.
 */
export function planAttachmentSets(list: AttachmentInput[] | AttachmentFile[] | unknown[], context: { caseId?: string; accountId?: string } = {}): AttachmentFile[][] {
  const files = list.map((a, i) => normaliseAttachment(a, i));
  const tooLarge = files.filter((f) => f.data.length > MAX_ATTACHMENT_BYTES);
  if (tooLarge.length) {
    const names = tooLarge.map((f) => `${f.fileName} (${f.data.length} bytes)`).join(", ");
    throw new CaseExchangeError(
      "AWS_SUPPORT_ATTACHMENT_TOO_LARGE",
      `AWS Support accepts attachments of at most 5 MB (${MAX_ATTACHMENT_BYTES} bytes) each; refused before upload: ${names}` +
        (context.caseId ? ` for case ${context.caseId}` : "") +
        (context.accountId ? ` in account ${context.accountId}` : ""),
      { details: { ...context, files: tooLarge.map((f) => ({ fileName: f.fileName, bytes: f.data.length })), limitBytes: MAX_ATTACHMENT_BYTES } },
    );
  }
  const sets: AttachmentFile[][] = [];
  for (let i = 0; i < files.length; i += MAX_ATTACHMENTS_PER_SET) sets.push(files.slice(i, i + MAX_ATTACHMENTS_PER_SET));
  return sets;
}
