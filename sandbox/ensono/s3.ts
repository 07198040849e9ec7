import { createHmac, randomBytes } from "node:crypto";

/**
 * Pre-signed URLs on a path that mimics S3 path-style addressing:
 * `${origin}/_s3/<bucket>/<key>?X-Amz-Algorithm=…&X-Amz-Date=…&X-Amz-Expires=…&X-Amz-Signature=…`.
 * The signature covers method, bucket, key, date and expiry, so a URL whose
 * query was edited (a longer X-Amz-Expires) fails as S3 would.
 */
const secret = randomBytes(32);

export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function sign(method: string, bucket: string, key: string, date: string, expires: string): string {
  return createHmac("sha256", secret).update(`${method}\n${bucket}/${key}\n${date}\n${expires}`).digest("hex");
}

export function presign(origin: string, method: "GET" | "PUT", bucket: string, key: string, nowMs: number, expiresSeconds: number): string {
  const date = amzDate(nowMs);
  const day = date.slice(0, 8);
  const expires = String(expiresSeconds);
  const q = new URLSearchParams();
  q.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  q.set("X-Amz-Credential", `ASIASIMULATEDENSONO0/${day}/us-east-2/s3/aws4_request`);
  q.set("X-Amz-Date", date);
  q.set("X-Amz-Expires", expires);
  q.set("X-Amz-Security-Token", randomBytes(48).toString("base64"));
  q.set("X-Amz-Signature", sign(method, bucket, key, date, expires));
  q.set("X-Amz-SignedHeaders", "host");
  return `${origin}/_s3/${bucket}/${encodeURIComponent(key)}?${q.toString()}`;
}

export type PresignCheck =
  | { ok: true }
  | { ok: false; status: number; xml: string };

function requestId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

function hostId(): string {
  return randomBytes(56).toString("base64");
}

export function s3Error(code: string, message: string, extra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${requestId()}</RequestId><HostId>${hostId()}</HostId></Error>`;
}

/** Checks a pre-signed request's query: expiry first (S3's "Request has expired"), then the signature. */
export function checkPresigned(method: string, bucket: string, key: string, query: URLSearchParams, nowMs: number): PresignCheck {
  const date = query.get("X-Amz-Date") ?? "";
  const expires = query.get("X-Amz-Expires") ?? "";
  const signature = query.get("X-Amz-Signature") ?? "";
  const issued = parseAmzDate(date);
  if (issued === undefined || !/^\d+$/.test(expires) || !signature) {
    return { ok: false, status: 403, xml: s3Error("AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters") };
  }
  const expiresAt = issued + Number(expires) * 1000;
  if (nowMs > expiresAt) {
    const extra =
      `<X-Amz-Expires>${expires}</X-Amz-Expires><Expires>${new Date(expiresAt).toISOString().replace(/\.\d{3}/, "")}</Expires>` +
      `<ServerTime>${new Date(nowMs).toISOString().replace(/\.\d{3}/, "")}</ServerTime>`;
    return { ok: false, status: 403, xml: s3Error("AccessDenied", "Request has expired", extra) };
  }
  if (sign(method, bucket, key, date, expires) !== signature) {
    return {
      ok: false,
      status: 403,
      xml: s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
    };
  }
  return { ok: true };
}

/** File type → the Content-Types ServiceNow's file type validation accepts for it. */
export const CONTENT_TYPES: Record<string, string[]> = {
  pdf: ["application/pdf"],
  txt: ["text/plain"],
  log: ["text/plain"],
  csv: ["text/csv", "text/plain", "application/vnd.ms-excel"],
  json: ["application/json", "text/plain"],
  xml: ["application/xml", "text/xml"],
  htm: ["text/html"],
  html: ["text/html"],
  jpg: ["image/jpeg"],
  jpeg: ["image/jpeg"],
  png: ["image/png"],
  gif: ["image/gif"],
  bmp: ["image/bmp"],
  zip: ["application/zip", "application/x-zip-compressed"],
  doc: ["application/msword"],
  docx: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  xls: ["application/vnd.ms-excel"],
  xlsx: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ppt: ["application/vnd.ms-powerpoint"],
  pptx: ["application/vnd.openxmlformats-officedocument.presentationml.presentation"],
  eml: ["message/rfc822"],
};

/** undefined = acceptable; otherwise why ServiceNow would drop the file. */
export function contentTypeProblem(fileName: string, contentType: string): string | undefined {
  const ext = fileName.includes(".") ? fileName.slice(fileName.lastIndexOf(".") + 1).toLowerCase() : "";
  const allowed = CONTENT_TYPES[ext];
  const ct = contentType.split(";")[0].trim().toLowerCase();
  if (!ct) return `no Content-Type (a .${ext || "?"} file needs one)`;
  if (!allowed) return undefined;
  if (!allowed.includes(ct)) return `Content-Type ${ct} does not match the file type .${ext} (expected ${allowed.join(" or ")})`;
  return undefined;
}
