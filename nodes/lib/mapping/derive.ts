/**
 * Builds the context the case-exchange-outgoing table matches on, from a
 * ServiceNow record before and after a change (PRODUCT.md, Case-exchange
 * operations on ServiceNow fields).
 */
import { fieldText, fieldValues, type Context } from "./table";

/** Fields whose change is an Update by default (Solution, Completion code, and the mapped fields). */
export const DEFAULT_TRACKED_FIELDS = ["short_description", "description", "impact", "urgency", "priority", "close_notes", "close_code"];

export type BondedGroups = Iterable<string> | ((group: string) => boolean);

export interface ChangeInput {
  before?: Record<string, unknown> | null;
  after: Record<string, unknown>;
  /** ServiceNow groups bonded to an external system (names or sys_ids) */
  bondedGroups?: BondedGroups;
  /** a customer-visible comment came with the change (else: `comments` differs) */
  commentAdded?: boolean | string;
  /** an attachment was added or modified with the change */
  attachmentAdded?: boolean | string;
  /** fields whose change is an Update (default DEFAULT_TRACKED_FIELDS) */
  trackedFields?: string[] | string;
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === "string" && ["true", "yes", "1"].includes(v.trim().toLowerCase()));
}

function toList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  if (typeof v === "string") return v.split(",").map((x) => x.trim()).filter(Boolean);
  return [];
}

/** Whether a group field (name, sys_id or reference object) is one of the bonded groups. */
export function isBondedGroup(group: unknown, bonded: BondedGroups | undefined): boolean {
  const candidates = fieldValues({ g: group }, "g").filter((s) => s !== "");
  if (!candidates.length || !bonded) return false;
  if (typeof bonded === "function") return candidates.some((c) => bonded(c));
  const set = new Set(Array.from(bonded, (b) => String(b).trim().toLowerCase()));
  return candidates.some((c) => set.has(c.toLowerCase()));
}

export function deriveCaseExchangeContext(input: ChangeInput): Context {
  const after = input.after ?? {};
  const before = input.before ?? undefined;
  const bonded = input.bondedGroups ?? toList((input as unknown as Record<string, unknown>).bondedGroups);
  const b = before ?? {};

  let groupMove = "";
  const groupBefore = fieldText(b, "assignment_group");
  const groupAfter = fieldText(after, "assignment_group");
  const groupChanged = (before ? groupBefore : "") !== groupAfter && !sameGroup(b.assignment_group, after.assignment_group);
  if (groupChanged || !before) {
    const wasBonded = before ? isBondedGroup(b.assignment_group, bonded) : false;
    const isBonded = isBondedGroup(after.assignment_group, bonded);
    if (!wasBonded && isBonded) groupMove = "assign";
    else if (wasBonded && !isBonded) groupMove = "accept";
    else if (wasBonded && isBonded && groupChanged) groupMove = "move";
  }

  const stateBefore = fieldText(b, "state");
  const stateAfter = fieldText(after, "state");
  const transition = before && stateBefore !== "" && stateAfter !== "" && stateBefore !== stateAfter ? `${stateBefore}>${stateAfter}` : "";

  const commentText = fieldText(after, "comments");
  const commentAdded = truthy(input.commentAdded) || (input.commentAdded === undefined && commentText !== "" && commentText !== fieldText(b, "comments"));

  const attachmentsBefore = Array.isArray(b.attachments) ? b.attachments.length : 0;
  const attachmentsAfter = Array.isArray(after.attachments) ? after.attachments.length : 0;
  const attachmentAdded = truthy(input.attachmentAdded) || attachmentsAfter > attachmentsBefore;

  const tracked = input.trackedFields !== undefined ? toList(input.trackedFields) : DEFAULT_TRACKED_FIELDS;
  const changedFields = before ? tracked.filter((f) => fieldText(b, f) !== fieldText(after, f)) : [];

  return {
    ...after,
    before: b,
    groupMove,
    transition,
    commentAdded: String(commentAdded),
    attachmentAdded: String(attachmentAdded),
    fieldChanged: String(changedFields.length > 0),
    changedFields,
    bonded: String(fieldText(after, "correlation_id") !== ""),
  };
}

function sameGroup(a: unknown, b: unknown): boolean {
  const va = fieldValues({ g: a }, "g").filter(Boolean).map((s) => s.toLowerCase());
  const vb = fieldValues({ g: b }, "g").filter(Boolean).map((s) => s.toLowerCase());
  if (!va.length && !vb.length) return true;
  return va.some((x) => vb.includes(x));
}
