import * as crypto from "node:crypto";
import type * as http from "node:http";

/** The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export interface SigV4Authorization {
  accessKeyId: string;
  date: string; // yyyymmdd
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses the header; undefined when it is absent or not SigV4. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  if (!header) return undefined;
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!m) return undefined;
  const parts: Record<string, string> = {};
  for (const piece of m[1].split(",")) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue;
    parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  const scope = (parts.Credential ?? "").split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !parts.SignedHeaders || !parts.Signature) return undefined;
  return {
    accessKeyId: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: parts.SignedHeaders.split(";").map((h) => h.trim().toLowerCase()),
    signature: parts.Signature.toLowerCase(),
  };
}

function sha256Hex(data: string | Buffer): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return crypto.createHmac("sha256", key).update(data, "utf8").digest();
}

/** RFC 3986 encoding as SigV4 wants it. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function canonicalUri(path: string): string {
  // Non-S3 services encode each segment of the (already encoded) path once more.
  const segments = path.split("/").map((s) => uriEncode(safeDecode(s)));
  const encoded = segments.map((s) => uriEncode(s)).join("/");
  return encoded || "/";
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function canonicalQuery(query: string): string {
  if (!query) return "";
  const pairs = query
    .split("&")
    .filter(Boolean)
    .map((kv) => {
      const eq = kv.indexOf("=");
      const k = eq < 0 ? kv : kv.slice(0, eq);
      const v = eq < 0 ? "" : kv.slice(eq + 1);
      return [uriEncode(safeDecode(k.replace(/\+/g, " "))), uriEncode(safeDecode(v.replace(/\+/g, " ")))] as [string, string];
    })
    .filter(([k]) => k !== "X-Amz-Signature");
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * Recomputes the SigV4 signature of a request with the given secret and
 * compares it with the one sent. Only the header form of SigV4 (what the SDK
 * sends) is supported; the request date is not checked against any clock.
 */
export function verifySignature(req: http.IncomingMessage, body: Buffer, auth: SigV4Authorization, secretAccessKey: string): boolean {
  const amzDate = headerValue(req, "x-amz-date");
  if (!amzDate) return false;
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q + 1);
  const headers = auth.signedHeaders.map((name) => `${name}:${(headerValue(req, name) ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const payloadHash = headerValue(req, "x-amz-content-sha256") ?? sha256Hex(body);
  const canonicalRequest = [req.method ?? "POST", canonicalUri(path), canonicalQuery(query), headers, auth.signedHeaders.join(";"), payloadHash].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key: Buffer = hmac("AWS4" + secretAccessKey, auth.date);
  key = hmac(key, auth.region);
  key = hmac(key, auth.service);
  key = hmac(key, "aws4_request");
  const expected = crypto.createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  if (name === "host") return req.headers.host;
  const v = req.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(",") : v;
}
