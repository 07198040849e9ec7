import * as crypto from "node:crypto";

/**
 * How this integration recognises its own writes. Every body it sends to AWS
 * (a case's first communication, every added communication) ends with a
 * reference line `[cx:<id>]`. The watcher skips communications that carry
 * one (so nothing we sent is echoed back), and the same id lets a create or
 * a communication whose answer was lost be found again instead of re-sent.
 * `submittedBy` alone cannot tell us apart from a colleague using the same
 * account in the console, nor survive a change of IAM identity; the marker can.
 */
export const MARKER_RE = /\[cx:([a-z0-9]{8,40})\]\s*$/;

export function newMarkerId(): string {
  return crypto.randomBytes(8).toString("hex");
}

export function markerLine(id: string): string {
  return `[cx:${id}]`;
}

/** The body as sent: the text unchanged, then a blank line and the reference. */
export function withMarker(body: string, id: string): string {
  return `${body.replace(/\s+$/, "")}\n\n${markerLine(id)}`;
}

export function markerOf(body: string | undefined): string | undefined {
  if (!body) return undefined;
  return MARKER_RE.exec(body)?.[1];
}

export function isOwnBody(body: string | undefined): boolean {
  return markerOf(body) !== undefined;
}

/** The body without our reference line (for display). */
export function stripMarker(body: string): string {
  return body.replace(/\s*\[cx:[a-z0-9]{8,40}\]\s*$/, "");
}
