/**
 * The tables the ServiceNow simulator knows, with their fields, reference
 * fields, choice lists and default values. Unknown tables answer 400
 * "Invalid table <name>" as a real instance does; fields a table does not
 * have are ignored on write (as the Table API does).
 */

export interface TableDef {
  name: string;
  /** Extends `task`: numbered, journal fields, listed under /table/task. */
  task: boolean;
  /** Number prefix and first number (INC0010001…). */
  numberPrefix?: string;
  firstNumber?: number;
  /** Every field the table has, in the order records are returned. */
  fields: string[];
  /** reference field → referenced table ("task" = any task table). */
  references: Record<string, string>;
  /** Journal fields (comments, work_notes): written to sys_journal_field, read back empty. */
  journal: string[];
  /** Field whose value is the record's display value. */
  displayField: string;
  /** choice field → value → label */
  choices: Record<string, Record<string, string>>;
  /** Field labels used in error messages (data policy). */
  labels: Record<string, string>;
  /** Roles that may read / write (any one of them); `admin` always may. Empty read list: any authenticated user. */
  readRoles: string[];
  writeRoles: string[];
  defaults: Record<string, string>;
}

const SYS_FIELDS = ["sys_id", "sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count", "sys_tags", "sys_class_name", "sys_domain"];

const TASK_FIELDS = [
  "number",
  "short_description",
  "description",
  "state",
  "active",
  "priority",
  "impact",
  "urgency",
  "assignment_group",
  "assigned_to",
  "opened_by",
  "opened_at",
  "closed_by",
  "closed_at",
  "close_notes",
  "close_code",
  "category",
  "subcategory",
  "contact_type",
  "company",
  "cmdb_ci",
  "business_service",
  "location",
  "approval",
  "due_date",
  "work_start",
  "work_end",
  "watch_list",
  "work_notes_list",
  "correlation_id",
  "correlation_display",
  "comments",
  "work_notes",
  "comments_and_work_notes",
  "escalation",
  "upon_approval",
  "upon_reject",
  "parent",
  "knowledge",
  "made_sla",
  "reassignment_count",
];

const TASK_REFS: Record<string, string> = {
  assignment_group: "sys_user_group",
  assigned_to: "sys_user",
  opened_by: "sys_user",
  closed_by: "sys_user",
  company: "core_company",
  cmdb_ci: "cmdb_ci",
  business_service: "cmdb_ci",
  parent: "task",
};

const IMPACT = { "1": "1 - High", "2": "2 - Medium", "3": "3 - Low" };
const PRIORITY = { "1": "1 - Critical", "2": "2 - High", "3": "3 - Moderate", "4": "4 - Low", "5": "5 - Planning" };
const APPROVAL = { not_requested: "Not Yet Requested", requested: "Requested", approved: "Approved", rejected: "Rejected", cancelled: "Cancelled", not_required: "Not Required", duplicate: "Duplicate" };

const TASK_CHOICES: Record<string, Record<string, string>> = {
  impact: IMPACT,
  urgency: IMPACT,
  priority: PRIORITY,
  approval: APPROVAL,
  active: { true: "true", false: "false" },
};

const TASK_DEFAULTS: Record<string, string> = {
  active: "true",
  impact: "3",
  urgency: "3",
  priority: "4",
  approval: "not_requested",
  escalation: "0",
  upon_approval: "proceed",
  upon_reject: "cancel",
  knowledge: "false",
  made_sla: "true",
  reassignment_count: "0",
};

const TASK_LABELS: Record<string, string> = {
  close_code: "Close code",
  close_notes: "Close notes",
  short_description: "Short description",
  state: "State",
};

function taskTable(name: string, prefix: string, first: number, extra: Partial<TableDef> & { extraFields?: string[] }): TableDef {
  return {
    name,
    task: true,
    numberPrefix: prefix,
    firstNumber: first,
    fields: [...TASK_FIELDS, ...(extra.extraFields ?? []), ...SYS_FIELDS],
    references: { ...TASK_REFS, ...(extra.references ?? {}) },
    journal: ["comments", "work_notes"],
    displayField: "number",
    choices: { ...TASK_CHOICES, ...(extra.choices ?? {}) },
    labels: { ...TASK_LABELS, ...(extra.labels ?? {}) },
    readRoles: extra.readRoles ?? ["itil"],
    writeRoles: extra.writeRoles ?? ["itil"],
    defaults: { ...TASK_DEFAULTS, ...(extra.defaults ?? {}) },
  };
}

export const INCIDENT_STATES: Record<string, string> = { "1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled" };
export const CHANGE_STATES: Record<string, string> = { "-5": "New", "-4": "Assess", "-3": "Authorize", "-2": "Scheduled", "-1": "Implement", "0": "Review", "3": "Closed", "4": "Canceled" };
export const RITM_STATES: Record<string, string> = { "1": "Open", "2": "Work in Progress", "-5": "Pending", "3": "Closed Complete", "4": "Closed Incomplete", "7": "Closed Skipped" };

function plainTable(name: string, fields: string[], extra: Partial<TableDef>): TableDef {
  return {
    name,
    task: false,
    fields: [...fields, ...SYS_FIELDS],
    references: extra.references ?? {},
    journal: extra.journal ?? [],
    displayField: extra.displayField ?? "name",
    choices: extra.choices ?? {},
    labels: extra.labels ?? {},
    readRoles: extra.readRoles ?? [],
    writeRoles: extra.writeRoles ?? ["admin"],
    defaults: extra.defaults ?? {},
  };
}

export function builtInTables(): TableDef[] {
  return [
    taskTable("task", "TASK", 10001, { choices: { state: { "-5": "Pending", "1": "Open", "2": "Work in Progress", "3": "Closed Complete", "4": "Closed Incomplete", "7": "Closed Skipped" } }, defaults: { state: "1" } }),
    taskTable("incident", "INC", 10001, {
      extraFields: ["caller_id", "hold_reason", "incident_state", "severity", "resolved_at", "resolved_by", "reopen_count", "reopened_time", "problem_id", "child_incidents", "notify", "calendar_duration", "business_duration"],
      references: { caller_id: "sys_user", resolved_by: "sys_user", problem_id: "problem" },
      choices: {
        state: INCIDENT_STATES,
        incident_state: INCIDENT_STATES,
        hold_reason: { "1": "Awaiting Caller", "3": "Awaiting Problem", "4": "Awaiting Vendor", "5": "Awaiting Change" },
        close_code: {
          "Duplicate": "Duplicate",
          "Known error": "Known error",
          "No resolution provided": "No resolution provided",
          "Resolved by caller": "Resolved by caller",
          "Resolved by change": "Resolved by change",
          "Resolved by problem": "Resolved by problem",
          "Resolved by request": "Resolved by request",
          "Solution provided": "Solution provided",
          "Workaround provided": "Workaround provided",
          "User error": "User error",
        },
        severity: { "1": "1 - High", "2": "2 - Medium", "3": "3 - Low" },
        notify: { "1": "Do Not Notify", "2": "Send Email" },
      },
      labels: { close_code: "Resolution code", close_notes: "Resolution notes", hold_reason: "On hold reason" },
      defaults: { state: "1", incident_state: "1", severity: "3", priority: "5", reopen_count: "0", child_incidents: "0", notify: "1" },
    }),
    taskTable("change_request", "CHG", 30001, {
      extraFields: ["type", "risk", "start_date", "end_date", "implementation_plan", "backout_plan", "test_plan", "justification", "reason", "cab_required", "cab_date", "phase", "requested_by", "requested_by_date", "on_hold", "on_hold_reason", "change_plan", "scope", "unauthorized", "outside_maintenance_schedule", "conflict_status", "production_system"],
      references: { requested_by: "sys_user" },
      choices: {
        state: CHANGE_STATES,
        type: { standard: "Standard", normal: "Normal", emergency: "Emergency" },
        risk: { "1": "Very High", "2": "High", "3": "Moderate", "4": "Low" },
        close_code: { successful: "Successful", successful_issues: "Successful with issues", unsuccessful: "Unsuccessful" },
      },
      labels: { close_code: "Close code", close_notes: "Close notes" },
      defaults: { state: "-5", type: "normal", risk: "4", priority: "4", phase: "requested", cab_required: "false", on_hold: "false", unauthorized: "false", outside_maintenance_schedule: "false", conflict_status: "Not Run", production_system: "false", scope: "3" },
    }),
    taskTable("sc_req_item", "RITM", 10001, {
      extraFields: ["request", "cat_item", "quantity", "stage", "requested_for", "price", "order", "estimated_delivery"],
      references: { request: "sc_request", requested_for: "sys_user" },
      choices: { state: RITM_STATES },
      defaults: { state: "1", quantity: "1", stage: "request_approved", price: "0" },
    }),
    taskTable("sc_request", "REQ", 10001, {
      extraFields: ["requested_for", "request_state", "price"],
      references: { requested_for: "sys_user" },
      choices: { state: RITM_STATES },
      defaults: { state: "1", request_state: "requested" },
    }),
    taskTable("problem", "PRB", 40001, {
      extraFields: ["known_error", "cause_notes", "fix_notes", "problem_state", "resolution_code"],
      choices: { state: { "101": "New", "102": "Assess", "103": "Root Cause Analysis", "104": "Fix in Progress", "106": "Resolved", "107": "Closed" } },
      defaults: { state: "101", known_error: "false" },
    }),
    plainTable("sysapproval_approver", ["approver", "sysapproval", "document_id", "source_table", "state", "comments", "group", "due_date", "expected_start", "order", "approval_source", "wf_activity"], {
      references: { approver: "sys_user", sysapproval: "task", group: "sysapproval_group" },
      journal: ["comments"],
      displayField: "sysapproval",
      choices: { state: { not_requested: "Not Yet Requested", requested: "Requested", approved: "Approved", rejected: "Rejected", cancelled: "Cancelled", not_required: "No Longer Required", duplicate: "Duplicate" } },
      readRoles: ["itil", "approver_user"],
      writeRoles: ["itil", "approver_user"],
      defaults: { state: "requested", source_table: "", order: "0" },
    }),
    plainTable("sys_user_group", ["name", "description", "active", "email", "manager", "type", "parent"], {
      references: { manager: "sys_user", parent: "sys_user_group" },
      defaults: { active: "true" },
      writeRoles: ["admin", "user_admin"],
    }),
    plainTable("sys_user", ["user_name", "first_name", "last_name", "name", "email", "active", "locked_out", "title", "department", "company", "phone", "time_zone", "roles"], {
      references: { company: "core_company" },
      defaults: { active: "true", locked_out: "false", time_zone: "UTC" },
      writeRoles: ["admin", "user_admin"],
    }),
    plainTable("sys_user_grmember", ["user", "group"], {
      references: { user: "sys_user", group: "sys_user_group" },
      displayField: "user",
      writeRoles: ["admin", "user_admin"],
    }),
    plainTable("sys_journal_field", ["element", "element_id", "name", "value"], {
      displayField: "element",
      readRoles: ["itil"],
      writeRoles: ["admin"],
    }),
    plainTable(
      "sys_attachment",
      ["file_name", "content_type", "size_bytes", "size_compressed", "compressed", "table_name", "table_sys_id", "hash", "state", "image_width", "image_height", "average_image_color", "chunk_size_bytes", "download_link"],
      { displayField: "file_name", readRoles: ["itil"], writeRoles: ["itil"] },
    ),
    plainTable("core_company", ["name", "customer", "vendor"], { defaults: { customer: "false", vendor: "false" } }),
    plainTable("cmdb_ci", ["name", "serial_number", "ip_address", "operational_status", "install_status"], { readRoles: [], writeRoles: ["admin", "itil"] }),
    plainTable("sysapproval_group", ["parent", "assignment_group", "approval", "comments"], {
      references: { parent: "task", assignment_group: "sys_user_group" },
      journal: ["comments"],
      displayField: "parent",
      readRoles: ["itil"],
      writeRoles: ["itil"],
    }),
  ];
}

/** ServiceNow's incident priority lookup (impact × urgency). */
export function priorityFor(impact: string, urgency: string): string {
  const i = Number(impact) || 3;
  const u = Number(urgency) || 3;
  const table: Record<string, string> = { "1,1": "1", "1,2": "2", "2,1": "2", "1,3": "3", "2,2": "3", "3,1": "3", "2,3": "4", "3,2": "4", "3,3": "5" };
  return table[`${Math.min(3, Math.max(1, i))},${Math.min(3, Math.max(1, u))}`] ?? "5";
}
