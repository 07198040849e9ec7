/**
 * The named mapping functions: each runs a shipped table (presets.ts) or an
 * edited copy of it, so the status-map node and the code agree row for row.
 */
import { deriveCaseExchangeContext, type BondedGroups, type ChangeInput } from "./derive";
import { AWS_SEVERITIES, getPreset, PRESETS, PRIORITY_MATRIX, type AwsSeverity } from "./presets";
import { applyTable, parseTable, toContext, type Context, type MappingResult, type MappingTable } from "./table";

export type CaseOperation = "Assign" | "Accept" | "Update" | "Resolve" | "Reopen" | "Close" | "Cancel" | "Reject" | "Create";
export const CASE_OPERATIONS: readonly CaseOperation[] = ["Create", "Assign", "Accept", "Update", "Resolve", "Reopen", "Close", "Cancel", "Reject"];

export interface RunOptions {
  /** fields added to the context when the input does not carry them (e.g. reopenPolicy) */
  defaults?: Context;
}

function tableOf(table: MappingTable | string): MappingTable {
  if (typeof table !== "string") return table;
  const t = PRESETS[table];
  if (!t) throw new Error(`unknown mapping preset ${JSON.stringify(table)}`);
  return t;
}

/**
 * Runs a table (or a preset by name) over an input: a single value or an
 * object of fields. Derives the context when the table asks for it, and
 * applies the table's adjustment afterwards.
 */
export function runTable(table: MappingTable | string, input: unknown, options: RunOptions = {}): MappingResult & { context: Context } {
  const t = tableOf(table);
  let context = toContext(t, input);
  if (t.derive === "case-exchange-outgoing") context = deriveCaseExchangeContext(context as unknown as ChangeInput);
  if (options.defaults) {
    for (const [k, v] of Object.entries(options.defaults)) if (v !== undefined && (context[k] === undefined || context[k] === "")) context = { ...context, [k]: v };
  }
  const result = applyTable(t, context);
  if (t.adjust === "aws-severity-plan" && result.matched && !result.blocked) adjustSeverityToPlan(result, context);
  return { ...result, context };
}

/**
 * The table a status-map runs: the edited one (JSON object or string) when
 * given, else the preset as shipped. Throws with the problem.
 */
export function resolveTable(preset: string | undefined, edited?: unknown): MappingTable {
  const hasEdited = edited !== undefined && edited !== null && edited !== "" && !(typeof edited === "object" && Object.keys(edited as object).length === 0);
  if (hasEdited) return parseTable(edited);
  const t = preset ? getPreset(preset) : undefined;
  if (!t) throw new Error(preset ? `unknown preset "${preset}"` : "choose a preset or edit a table");
  return t;
}

// ---- AWS Support ⇄ ServiceNow ---------------------------------------------

export interface AwsToSnowContext {
  /** the account's assignment group (AWS-<account id>) */
  accountGroup?: string;
  caseId?: string;
  /** the incident's current state (guard: Closed/Canceled incidents are not changed) */
  incidentState?: string;
}

/** AWS case status → incident state / assignment_group / close fields. */
export function mapAwsStatusToSnow(status: string, context: AwsToSnowContext = {}, table: MappingTable | string = "aws-to-snow-status"): MappingResult {
  return runTable(table, { ...context, status });
}

export interface SnowToAwsEvent {
  /** the incident's state now */
  state: string;
  /** "update" (default), "comment" or "attachment" */
  event?: string;
  /** the AWS case's status as last seen ("resolved" blocks a second ResolveCase) */
  caseStatus?: string;
  /** "allow" (default) or "forbid": whether a comment may reopen a resolved case */
  reopenPolicy?: string;
}

/** A ServiceNow incident event → the AWS Support action (ResolveCase, AddCommunicationToCase, none). */
export function mapSnowToAws(event: SnowToAwsEvent, table: MappingTable | string = "snow-to-aws"): MappingResult {
  return runTable(table, { ...event });
}

const severityIndex = (s: string): number => AWS_SEVERITIES.indexOf(s.trim().toLowerCase() as AwsSeverity);

/** AWS severity → ServiceNow priority ("1"–"5"), or undefined. */
export function severityToPriority(severity: string): string | undefined {
  const r = runTable("aws-severity-to-snow-priority", severity);
  return r.matched ? r.values.priority : undefined;
}

/** ServiceNow priority → AWS severity, or undefined. */
export function priorityToSeverity(priority: string | number): AwsSeverity | undefined {
  const r = runTable("snow-priority-to-aws-severity", String(priority));
  return r.matched ? (r.values.severityCode as AwsSeverity) : undefined;
}

export interface PlanSeverity {
  /** the severity to send, undefined when the plan offers none */
  severity?: string;
  /** true when the wanted severity is not in the plan */
  substituted: boolean;
  /** the work note to write when substituted */
  note?: string;
}

function severityCodes(available: unknown): string[] {
  const list = Array.isArray(available) ? available : typeof available === "string" ? available.split(",") : [];
  return list
    .map((x) => (x && typeof x === "object" ? String((x as { code?: unknown }).code ?? "") : String(x)))
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * The severity the account's plan has: the wanted one, else the nearest lower
 * one, else (nothing lower) the nearest higher one. `available` is what
 * DescribeSeverityLevels lists (codes or {code, name}).
 */
export function severityForPlan(wanted: string, available: unknown): PlanSeverity {
  const codes = severityCodes(available);
  const w = wanted.trim().toLowerCase();
  if (codes.includes(w)) return { severity: w, substituted: false };
  const idx = severityIndex(w);
  const pick = (from: number, step: number): string | undefined => {
    for (let i = from; i >= 0 && i < AWS_SEVERITIES.length; i += step) if (codes.includes(AWS_SEVERITIES[i])) return AWS_SEVERITIES[i];
    return undefined;
  };
  const chosen = idx < 0 ? undefined : (pick(idx - 1, -1) ?? pick(idx + 1, 1));
  if (!chosen) return { substituted: true, note: `The AWS Support plan offers no severity to use for '${w}'.` };
  return { severity: chosen, substituted: true, note: `The AWS Support plan has no severity '${w}'; the case uses '${chosen}'.` };
}

function adjustSeverityToPlan(result: MappingResult, context: Context): void {
  const codes = severityCodes(context.availableSeverities);
  if (!codes.length || !result.values.severityCode) return;
  const plan = severityForPlan(result.values.severityCode, codes);
  if (!plan.substituted) return;
  if (!plan.severity) {
    result.blocked = plan.note;
    result.matched = false;
    result.values = {};
    result.steps = [];
    return;
  }
  result.values = { ...result.values, severityCode: plan.severity, work_notes: plan.note ?? "" };
  result.steps = [result.values];
  if (plan.note) result.notes.push(plan.note);
}

// ---- priorities -------------------------------------------------------------

/** ServiceNow priority → impact/urgency (1 → 1/1, 2 → 1/2, 3 → 2/2, 4 → 2/3, 5 → 3/3). */
export function priorityToImpactUrgency(priority: string | number): { impact: string; urgency: string } | undefined {
  const r = runTable("priority-to-impact-urgency", String(priority));
  return r.matched ? { impact: r.values.impact, urgency: r.values.urgency } : undefined;
}

/** ServiceNow impact × urgency → priority 1–5 (ServiceNow's default matrix). */
export function impactUrgencyToPriority(impact: string | number, urgency: string | number): string | undefined {
  return PRIORITY_MATRIX[`${String(impact).trim()}/${String(urgency).trim()}`];
}

/** ServiceNow priority 1–5 → Ensono priority 1–4. */
export function snowPriorityToEnsono(priority: string | number): string | undefined {
  const r = runTable("snow-priority-to-ensono", String(priority));
  return r.matched ? r.values.priority : undefined;
}

/** Ensono priority 1–4 → ServiceNow impact/urgency (and the priority they give). */
export function ensonoPriorityToSnow(priority: string | number): { impact: string; urgency: string; priority: string } | undefined {
  const r = runTable("ensono-priority-to-snow", String(priority));
  return r.matched ? { impact: r.values.impact, urgency: r.values.urgency, priority: r.values.priority } : undefined;
}


// ---- Ensono ⇄ ServiceNow ------------------------------------------------------

export interface EnsonoEvent {
  status: string;
  statusNextAction?: string;
  closeCode?: string;
  closeNotes?: string;
  /** "Create" opens New */
  transactionType?: string;
  /** the incident's current state (guards) */
  incidentState?: string;
  /** the incident's current close_code, kept when Ensono sends none */
  close_code?: string;
  reopenPolicy?: string;
}

/** Ensono status (+ statusNextAction, closeCode) → incident state, hold_reason, close_code, close_notes. */
export function mapEnsonoToSnow(event: EnsonoEvent, table: MappingTable | string = "ensono-to-snow-status"): MappingResult {
  return runTable(table, { ...event });
}

export interface SnowToEnsonoEvent {
  state: string;
  hold_reason?: string;
  close_notes?: string;
  /** the Ensono ticket's current status (guards, and whether closing needs resolving first) */
  ensonoStatus?: string;
  /** "true" when the ticket moved to an internal ServiceNow group */
  internal?: string | boolean;
  generic_client_group?: string;
  reopenPolicy?: string;
}

/** Incident state → Ensono status; `steps` holds resolved then closed when Ensono must resolve first. */
export function mapSnowToEnsono(event: SnowToEnsonoEvent, table: MappingTable | string = "snow-to-ensono-status"): MappingResult {
  return runTable(table, { ...event, internal: event.internal === undefined ? undefined : String(event.internal) });
}

/** Ensono request status → sc_req_item state. */
export function mapRequestState(status: string, context: { closeCode?: string; requestState?: string } = {}, table: MappingTable | string = "ensono-request-state"): MappingResult {
  return runTable(table, { ...context, status });
}

/** Ensono change closeCode → change_request close_code, or undefined. */
export function mapChangeCloseCode(closeCode: string): string | undefined {
  const r = runTable("ensono-change-close-code", closeCode);
  return r.matched ? r.values.close_code : undefined;
}

/** Ensono change type → change_request type (lower-case), or undefined. */
export function mapChangeType(type: string): string | undefined {
  const r = runTable("ensono-change-type", type);
  return r.matched ? r.values.type : undefined;
}

export interface EnsonoChangeEvent {
  state: string;
  closeCode?: string;
  closeNotes?: string;
  /** the client change's current state ("3" Closed, "4" Canceled…) */
  changeState?: string;
}

/** Ensono change state → change_request state and the client action (update, cancel, close, create). */
export function mapEnsonoChangeState(event: EnsonoChangeEvent, table: MappingTable | string = "ensono-change-state"): MappingResult {
  return runTable(table, { ...event });
}

// ---- case-exchange operations -------------------------------------------------

export interface OperationDetection extends MappingResult {
  /** every operation the change is, in sending order (Update before Resolve) */
  operations: CaseOperation[];
  /** the most significant one (the last), undefined when none */
  operation?: CaseOperation;
  context: Context;
}

/**
 * Which case-exchange operations a change of a ServiceNow incident is.
 * `bondedGroups`: the ServiceNow groups that have an external system.
 */
export function detectOperation(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown>,
  bondedGroups: BondedGroups,
  options: Omit<ChangeInput, "before" | "after" | "bondedGroups"> & { table?: MappingTable } = {},
): OperationDetection {
  const { table, ...rest } = options;
  const r = runTable(table ?? "case-exchange-outgoing", { ...rest, before, after, bondedGroups } as unknown as Context);
  const operations = r.blocked ? [] : (r.steps.map((s) => s.operation).filter(Boolean) as CaseOperation[]);
  return { ...r, operations, operation: operations[operations.length - 1] };
}

export interface IncomingOptions {
  /** "allow" (default) or "forbid" */
  reopenPolicy?: string;
  /** for Create: the other system's id and name (correlation_id / correlation_display) */
  externalId?: string;
  externalSystem?: string;
  table?: MappingTable;
}

/**
 * What an incoming operation does to the incident: `values` are the fields to
 * write (comments holds the comment to add), or `blocked` says why nothing is.
 */
export function applyIncomingOperation(operation: CaseOperation | string, record: Record<string, unknown>, options: IncomingOptions = {}): MappingResult {
  const { table, ...rest } = options;
  const context: Context = { ...record, ...rest, operation: normaliseOperation(operation) };
  if (options.reopenPolicy === undefined) delete context.reopenPolicy;
  return runTable(table ?? "case-exchange-incoming", context);
}

function normaliseOperation(op: string): string {
  const found = CASE_OPERATIONS.find((o) => o.toLowerCase() === String(op).trim().toLowerCase());
  return found ?? String(op);
}
