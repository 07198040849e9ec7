/**
 * The shipped tables (PRODUCT.md, Decisions; the seeds' tables). Each is
 * plain data the status-map dialog loads, edits and exports; the pure
 * functions in functions.ts run them.
 *
 * ServiceNow values are the instance's stored values: incident state
 * 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled;
 * hold_reason 1 Awaiting Caller, 4 Awaiting Vendor, 5 Awaiting Change;
 * sc_req_item state 1 Open, 2 Work in Progress, -5 Pending, 3 Closed Complete,
 * 4 Closed Incomplete; change_request state -5 New, -4 Assess, -3 Authorize,
 * -2 Scheduled, -1 Implement, 0 Review, 3 Closed, 4 Canceled.
 */
import type { MappingRow, MappingTable } from "./table";

/** Values of a "policy" field that forbid reopening. */
export const FORBID = ["forbid", "forbidden", "false", "no", "never"];

const CLOSED_INCIDENT = ["7", "8"];

export const AWS_SEVERITIES = ["low", "normal", "high", "urgent", "critical"] as const;
export type AwsSeverity = (typeof AWS_SEVERITIES)[number];

/** The comment texts of incoming case-exchange operations (PRODUCT.md, exact). */
export const INCOMING_TEXTS = {
  resolvedSolution: "Resolved by external system",
  resolvedCloseCode: "Solution provided",
  reopened: "Incident was reopened. Previous solution was: ",
  reopenedNoSolution: "Incident was reopened.",
  assigned: "Incident was assigned locally from external system",
  rejected: "Incident was rejected by the external fulfillment system",
  canceled: "Incident canceled by external system",
} as const;

const awsToSnowStatus: MappingTable = {
  name: "aws-to-snow-status",
  description: "AWS Support case status → ServiceNow incident state and assignment group (seed table, settled by PRODUCT.md)",
  key: "status",
  value: "state",
  rows: [
    { when: { incidentState: CLOSED_INCIDENT }, block: "the incident is Closed or Canceled in ServiceNow; AWS status {{status}} is not applied" },
    { when: { status: ["unassigned", "opened", "reopened"] }, to: { state: "1", assignment_group: "{{accountGroup}}" }, note: "back to the account's group" },
    { when: { status: "work-in-progress" }, to: { state: "2" } },
    { when: { status: "pending-amazon-action" }, to: { state: "2" }, note: "a console label the API never reports, kept for completeness" },
    { when: { status: "pending-customer-action" }, to: { state: "1", assignment_group: "" }, note: "released as New with the group cleared" },
    { when: { status: "customer-action-completed" }, to: { state: "2" } },
    {
      when: { status: "resolved" },
      to: { state: "6", close_code: "Solution provided", close_notes: "Resolved in AWS Support (case {{caseId|unknown}})" },
    },
  ],
};

const snowToAws: MappingTable = {
  name: "snow-to-aws",
  description: "ServiceNow incident event → AWS Support call: Resolved/Closed/Canceled resolves the case once; a comment on a Resolved incident reopens it",
  key: "state",
  value: "action",
  rows: [
    {
      when: { state: ["6", "7", "8"], event: { not: ["comment", "attachment"] }, caseStatus: "resolved" },
      block: "the AWS case is already resolved; ResolveCase is sent once",
    },
    {
      when: { state: CLOSED_INCIDENT, event: ["comment", "attachment"] },
      block: "the incident is Closed or Canceled; a communication would reopen the AWS case",
    },
    {
      when: { state: "6", event: ["comment", "attachment"], reopenPolicy: FORBID },
      block: "reopening is forbidden by policy: the comment on a Resolved incident is not sent",
    },
    { when: { state: ["6", "7", "8"], event: { not: ["comment", "attachment"] } }, to: { action: "ResolveCase" } },
    {
      when: { state: "6", event: ["comment", "attachment"] },
      to: { action: "AddCommunicationToCase", incident_state: "2", reopen: "true" },
      note: "the communication reopens the AWS case; the incident goes back to In Progress",
    },
    { when: { event: ["comment", "attachment"] }, to: { action: "AddCommunicationToCase" } },
    { when: { state: ["1", "2", "3"] }, to: { action: "none" }, note: "no AWS call for this state" },
  ],
};

const ensonoToSnowStatus: MappingTable = {
  name: "ensono-to-snow-status",
  description: "Ensono status, statusNextAction and closeCode → ServiceNow incident state, hold_reason, close_code and close_notes",
  key: "status",
  value: "state",
  rows: [
    { when: { incidentState: CLOSED_INCIDENT }, block: "the incident is Closed or Canceled in ServiceNow; Ensono status {{status}} is not applied" },
    {
      when: { incidentState: "6", status: ["open", "workingprogress", "workinprogress", "pending"], reopenPolicy: FORBID },
      block: "Ensono reopened the ticket but the re-open policy forbids reopening a Resolved incident",
    },
    { when: { closeCode: "cancelled" }, to: { state: "8", close_notes: "{{closeNotes}}" } },
    { when: { status: "cancelled" }, to: { state: "8", close_notes: "{{closeNotes}}" } },
    { when: { status: "open", transactionType: "create" }, to: { state: "1" }, note: "a Create from Ensono opens New" },
    { when: { status: "open" }, to: { state: "2" } },
    { when: { status: ["workingprogress", "workinprogress"] }, to: { state: "2" } },
    { when: { status: "pending", statusNextAction: "pending-client" }, to: { state: "3", hold_reason: "1" } },
    { when: { status: "pending", statusNextAction: "pending-caller" }, to: { state: "3", hold_reason: "1" } },
    { when: { status: "pending", statusNextAction: "pending-vendor" }, to: { state: "3", hold_reason: "4" } },
    { when: { status: "pending", statusNextAction: "pending-change" }, to: { state: "3", hold_reason: "5" } },
    { when: { status: "pending" }, to: { state: "3", hold_reason: "1" }, note: "no or unknown statusNextAction: Awaiting Caller" },
    {
      when: { status: "resolved", closeCode: ["resolved", "resolved*"] },
      to: { state: "6", close_code: "Solution provided", close_notes: "{{closeNotes}}" },
    },
    {
      when: { status: "resolved", closeCode: ["unresolved", "unresolved*"] },
      to: { state: "6", close_code: "No resolution provided", close_notes: "{{closeNotes}}" },
    },
    { when: { status: "resolved" }, to: { state: "6", close_code: "{{close_code|Solution provided}}", close_notes: "{{closeNotes}}" }, note: "no closeCode" },
    {
      when: { status: "closed", closeCode: ["unresolved", "unresolved*"] },
      to: { state: "7", close_code: "No resolution provided", close_notes: "{{closeNotes}}" },
    },
    { when: { status: "closed" }, to: { state: "7", close_code: "{{close_code|Solution provided}}", close_notes: "{{closeNotes}}" } },
  ],
};

const snowToEnsonoStatus: MappingTable = {
  name: "snow-to-ensono-status",
  description: "ServiceNow incident state → Ensono status (7 Closed is preceded by resolved when Ensono is not resolved yet)",
  key: "state",
  value: "status",
  rows: [
    { when: { ensonoStatus: "closed" }, block: "the Ensono ticket is Closed; Ensono accepts no more updates" },
    { when: { ensonoStatus: "cancelled" }, block: "the Ensono ticket is cancelled; Ensono accepts no more updates" },
    {
      when: { ensonoStatus: "resolved", state: ["1", "2", "3"], reopenPolicy: FORBID },
      block: "the re-open policy forbids reopening the Resolved Ensono ticket",
    },
    { when: { ensonoStatus: "resolved", state: "6" }, block: "the Ensono ticket is already resolved" },
    {
      when: { internal: "true", state: ["1", "2", "3"] },
      to: { status: "pending", statusNextAction: "pending-client", group: "{{generic_client_group}}" },
      note: "internal assignment: the generic client group and pending tell Ensono to stop working the ticket",
    },
    { when: { state: "1" }, to: { status: "open" } },
    { when: { state: "2" }, to: { status: "workingprogress" } },
    { when: { state: "3", hold_reason: "4" }, to: { status: "pending", statusNextAction: "pending-vendor" } },
    { when: { state: "3", hold_reason: "5" }, to: { status: "pending", statusNextAction: "pending-change" } },
    { when: { state: "3" }, to: { status: "pending", statusNextAction: "pending-client" } },
    { when: { state: "6" }, to: { status: "resolved", closeNotes: "{{close_notes|Resolved by the client}}" } },
    { when: { state: "7", ensonoStatus: "resolved" }, to: { status: "closed", closeNotes: "{{close_notes|Closed by the client}}" } },
    {
      when: { state: "7" },
      steps: [
        { status: "resolved", closeNotes: "{{close_notes|Resolved by the client}}" },
        { status: "closed", closeNotes: "{{close_notes|Closed by the client}}" },
      ],
      note: "only a resolved Ensono ticket can close: resolved first, then closed",
    },
    { when: { state: "8" }, to: { status: "cancelled", closeNotes: "{{close_notes|Canceled by the client}}" } },
  ],
};

const ensonoRequestState: MappingTable = {
  name: "ensono-request-state",
  description: "Ensono request status → ServiceNow sc_req_item state",
  key: "status",
  value: "state",
  rows: [
    {
      when: { requestState: ["3", "4", "7"], status: { not: ["resolved", "closed", "cancelled"] } },
      block: "the request item is closed in ServiceNow, which does not reopen it",
    },
    { when: { closeCode: "cancelled" }, to: { state: "4" } },
    { when: { status: "open" }, to: { state: "1" } },
    { when: { status: ["workingprogress", "workinprogress"] }, to: { state: "2" } },
    { when: { status: "pending" }, to: { state: "-5" } },
    { when: { status: "resolved" }, to: { state: "3" } },
    { when: { status: "closed" }, to: { state: "3" } },
    { when: { status: "cancelled" }, to: { state: "4" } },
  ],
};

const REOPEN = ["6>1", "6>2"];

const caseExchangeOutgoing: MappingTable = {
  name: "case-exchange-outgoing",
  description:
    "Which case-exchange operations a ServiceNow change is (input {before, after}): Assign, Accept, Update, Resolve, Reopen, Close, Cancel; Reject has no trigger by default",
  key: "state",
  value: "operation",
  mode: "all",
  derive: "case-exchange-outgoing",
  rows: [
    { when: { transition: ["7>*", "8>*"] }, block: "ServiceNow does not reopen a Closed or Canceled incident; nothing is sent" },
    { when: { groupMove: "assign", bonded: { not: "true" } }, to: { operation: "Assign" } },
    { when: { groupMove: "assign", bonded: "true", transition: { not: REOPEN } }, to: { operation: "Assign" } },
    { when: { groupMove: "accept" }, to: { operation: "Accept" } },
    { when: { commentAdded: "true" }, to: { operation: "Update" } },
    { when: { attachmentAdded: "true" }, to: { operation: "Update" } },
    { when: { fieldChanged: "true" }, to: { operation: "Update" } },
    { when: { transition: "*>6" }, to: { operation: "Resolve" } },
    { when: { transition: REOPEN }, to: { operation: "Reopen" }, note: "Resolved → New/In Progress (the seed's Review → Initial Support)" },
    { when: { transition: "*>7" }, to: { operation: "Close" } },
    { when: { transition: "*>8" }, to: { operation: "Cancel" }, note: "the seed's WithdrawnbyUser" },
  ],
};

const caseExchangeIncoming: MappingTable = {
  name: "case-exchange-incoming",
  description: "What an incoming case-exchange operation does to the ServiceNow incident (input: the operation and the record's fields)",
  key: "operation",
  rows: [
    { when: { operation: "Reopen", state: CLOSED_INCIDENT }, block: "a Closed or Canceled incident cannot be reopened" },
    { when: { operation: "Reopen", reopenPolicy: FORBID }, block: "reopening is forbidden by policy" },
    { when: { operation: "Reopen", state: ["1", "2", "3"] }, block: "the incident is not Resolved: there is nothing to reopen" },
    { when: { state: CLOSED_INCIDENT }, block: "the incident is Closed or Canceled; {{operation}} is not applied" },
    { when: { operation: "Create" }, to: { correlation_id: "{{externalId}}", correlation_display: "{{externalSystem}}" } },
    {
      when: { operation: "Resolve" },
      to: { state: "6", close_notes: `{{close_notes|${INCOMING_TEXTS.resolvedSolution}}}`, close_code: `{{close_code|${INCOMING_TEXTS.resolvedCloseCode}}}` },
    },
    {
      when: { operation: "Close" },
      to: { state: "7", close_notes: `{{close_notes|${INCOMING_TEXTS.resolvedSolution}}}`, close_code: `{{close_code|${INCOMING_TEXTS.resolvedCloseCode}}}` },
    },
    {
      when: { operation: "Reopen", close_notes: "*" },
      to: { state: "2", close_notes: "", close_code: "", comments: `${INCOMING_TEXTS.reopened}{{close_notes}}` },
    },
    { when: { operation: "Reopen" }, to: { state: "2", close_notes: "", close_code: "", comments: INCOMING_TEXTS.reopenedNoSolution } },
    { when: { operation: "Assign" }, to: { comments: INCOMING_TEXTS.assigned } },
    { when: { operation: "Reject" }, to: { correlation_id: "", correlation_display: "", comments: INCOMING_TEXTS.rejected }, note: "the bond is removed" },
    { when: { operation: "Cancel" }, to: { state: "8", close_notes: INCOMING_TEXTS.canceled } },
    { when: { operation: "Update" }, to: {}, note: "the update's own fields are applied" },
    { when: { operation: "Accept" }, to: {}, note: "nothing changes on the incident" },
  ],
};

const SEVERITY_BY_PRIORITY: Array<[string, AwsSeverity]> = [
  ["1", "critical"],
  ["2", "urgent"],
  ["3", "high"],
  ["4", "normal"],
  ["5", "low"],
];

/** ServiceNow priority → impact/urgency (PRODUCT.md). */
export const IMPACT_URGENCY_BY_PRIORITY: Record<string, { impact: string; urgency: string }> = {
  "1": { impact: "1", urgency: "1" },
  "2": { impact: "1", urgency: "2" },
  "3": { impact: "2", urgency: "2" },
  "4": { impact: "2", urgency: "3" },
  "5": { impact: "3", urgency: "3" },
};

/** ServiceNow's default priority matrix (impact × urgency → priority 1–5). */
export const PRIORITY_MATRIX: Record<string, string> = {
  "1/1": "1",
  "1/2": "2",
  "1/3": "3",
  "2/1": "2",
  "2/2": "3",
  "2/3": "4",
  "3/1": "3",
  "3/2": "4",
  "3/3": "5",
};

const snowPriorityToAwsSeverity: MappingTable = {
  name: "snow-priority-to-aws-severity",
  description: "ServiceNow priority → AWS severity; where the plan lacks it, the nearest lower severity, with a work note (give availableSeverities)",
  key: "priority",
  value: "severityCode",
  adjust: "aws-severity-plan",
  rows: SEVERITY_BY_PRIORITY.map(([p, s]) => ({ when: { priority: p }, to: { severityCode: s } })),
};

const awsSeverityToSnowPriority: MappingTable = {
  name: "aws-severity-to-snow-priority",
  description: "AWS severity → ServiceNow priority, written as impact/urgency",
  key: "severityCode",
  value: "priority",
  rows: SEVERITY_BY_PRIORITY.map(([p, s]) => ({ when: { severityCode: s }, to: { priority: p, ...IMPACT_URGENCY_BY_PRIORITY[p] } })),
};

const impactUrgencyToPriority: MappingTable = {
  name: "impact-urgency-to-priority",
  description: "ServiceNow impact × urgency → priority 1–5 (ServiceNow's matrix) and the Ensono priority 1–4",
  key: "impact",
  value: "priority",
  rows: Object.entries(PRIORITY_MATRIX).map(([iu, p]) => {
    const [impact, urgency] = iu.split("/");
    return { when: { impact, urgency }, to: { priority: p, ensonoPriority: p === "5" ? "4" : p } };
  }),
};

const priorityToImpactUrgency: MappingTable = {
  name: "priority-to-impact-urgency",
  description: "ServiceNow priority → impact/urgency (1 → 1/1, 2 → 1/2, 3 → 2/2, 4 → 2/3, 5 → 3/3)",
  key: "priority",
  rows: Object.entries(IMPACT_URGENCY_BY_PRIORITY).map(([p, iu]) => ({ when: { priority: p }, to: { ...iu } })),
};

const snowPriorityToEnsono: MappingTable = {
  name: "snow-priority-to-ensono",
  description: "ServiceNow priority 1–5 → Ensono priority 1–4 (5 → 4)",
  key: "priority",
  value: "priority",
  rows: ["1", "2", "3", "4", "5"].map((p) => ({ when: { priority: p }, to: { priority: p === "5" ? "4" : p } })),
};

const ensonoPriorityToSnow: MappingTable = {
  name: "ensono-priority-to-snow",
  description: "Ensono priority 1–4 → ServiceNow impact/urgency (and the priority they give)",
  key: "priority",
  rows: ["1", "2", "3", "4"].map((p) => ({ when: { priority: p }, to: { ...IMPACT_URGENCY_BY_PRIORITY[p], priority: p } })),
};

const CHANGE_CLOSE_CODES: Array<[string | string[], string]> = [
  ["Successful", "successful"],
  [["Successful with issues", "Successful Outside Change Window"], "successful_issues"],
  ["Unsuccessful", "unsuccessful"],
];

const ensonoChangeCloseCode: MappingTable = {
  name: "ensono-change-close-code",
  description: "Ensono change closeCode → ServiceNow change_request close_code",
  key: "closeCode",
  value: "close_code",
  rows: CHANGE_CLOSE_CODES.map(([from, to]) => ({ when: { closeCode: from }, to: { close_code: to } })),
};

const ensonoChangeType: MappingTable = {
  name: "ensono-change-type",
  description: "Ensono change type → ServiceNow change_request type (stored lower-case)",
  key: "type",
  value: "type",
  rows: ["Normal", "Standard", "Emergency"].map((t) => ({ when: { type: t }, to: { type: t.toLowerCase() } })),
};

const CLOSED_CHANGE = ["3", "4"];

const ensonoChangeState: MappingTable = {
  name: "ensono-change-state",
  description: "Ensono change state → ServiceNow change_request state and the client action (Normal Change Scenarios)",
  key: "state",
  value: "state",
  rows: [
    {
      when: { state: "Cancelled", changeState: CLOSED_CHANGE },
      block: "the client change is already closed or canceled: nothing to do (Normal Change Scenarios)",
    },
    { when: { state: ["New", "Draft"], changeState: CLOSED_CHANGE }, block: "the client change is already closed or canceled: nothing to cancel" },
    {
      when: { changeState: CLOSED_CHANGE, state: { not: "Assess" } },
      block: "the client change is closed or canceled; ServiceNow refuses state {{state}}",
    },
    { when: { state: ["New", "Draft"] }, to: { state: "4", action: "cancel" }, note: "Redraft: cancel the client change (it keeps its correlation_id)" },
    {
      when: { state: "Assess", changeState: CLOSED_CHANGE },
      to: { state: "-4", action: "create" },
      note: "back to Assess after New: a new client change",
    },
    { when: { state: "Assess" }, to: { state: "-4", action: "update" } },
    { when: { state: "Authorize" }, to: { state: "-3", action: "update" } },
    { when: { state: "Scheduled" }, to: { state: "-2", action: "update" } },
    { when: { state: "Implement" }, to: { state: "-1", action: "update" } },
    { when: { state: "Review" }, to: { state: "0", action: "update" } },
    ...CHANGE_CLOSE_CODES.map(
      ([from, to]): MappingRow => ({ when: { state: "Closed", closeCode: from }, to: { state: "3", action: "close", close_code: to, close_notes: "{{closeNotes}}" } }),
    ),
    { when: { state: "Closed" }, to: { state: "3", action: "close", close_notes: "{{closeNotes}}" }, note: "no closeCode given" },
    { when: { state: "Cancelled" }, to: { state: "4", action: "cancel" } },
  ],
};

const snowGroupToEnsono: MappingTable = {
  name: "snow-group-to-ensono",
  description: "ServiceNow assignment group → Ensono group, through the group-map config node",
  key: "assignment_group",
  value: "group",
  rows: [{ when: { ensono_group: "*" }, to: { group: "{{ensono_group}}" } }],
};

const ensonoGroupToSnow: MappingTable = {
  name: "ensono-group-to-snow",
  description: "Ensono group → ServiceNow assignment group, through the group-map config node",
  key: "group",
  value: "assignment_group",
  rows: [{ when: { snow_group: "*" }, to: { assignment_group: "{{snow_group}}" } }],
};

export const PRESETS: Readonly<Record<string, MappingTable>> = Object.freeze(
  Object.fromEntries(
    [
      awsToSnowStatus,
      snowToAws,
      ensonoToSnowStatus,
      snowToEnsonoStatus,
      ensonoRequestState,
      caseExchangeOutgoing,
      caseExchangeIncoming,
      snowPriorityToAwsSeverity,
      awsSeverityToSnowPriority,
      impactUrgencyToPriority,
      priorityToImpactUrgency,
      snowPriorityToEnsono,
      ensonoPriorityToSnow,
      ensonoChangeCloseCode,
      ensonoChangeType,
      ensonoChangeState,
      snowGroupToEnsono,
      ensonoGroupToSnow,
    ].map((t) => [t.name, t]),
  ),
);

export type PresetName = keyof typeof PRESETS;

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A deep copy of a preset (callers may edit it), or undefined for an unknown name. */
export function getPreset(name: string): MappingTable | undefined {
  const t = PRESETS[name];
  return t ? (JSON.parse(JSON.stringify(t)) as MappingTable) : undefined;
}
