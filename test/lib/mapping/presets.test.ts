/**
 * Every row of every shipped table, scripted: each case names its input and
 * the exact fields expected; the last test checks that the cases together hit
 * every row of every preset (so a new row without a case fails).
 */
import should from "should";
import { PRESETS, runTable, type MappingResult } from "../../../nodes/lib/mapping";

type Expect = { values: Record<string, string>; steps?: Array<Record<string, string>> } | { blocked: RegExp } | { unmapped: true };
type Case = [preset: string, input: unknown, expect: Expect];

const hits: Record<string, Set<number>> = {};

function check(preset: string, input: unknown, expect: Expect): MappingResult {
  const r = runTable(preset, input);
  (hits[preset] ??= new Set()).add(r.rows[r.rows.length - 1] ?? -1);
  for (const i of r.rows) hits[preset].add(i);
  if ("blocked" in expect) {
    should(r.blocked).be.a.String().and.match(expect.blocked);
    r.matched.should.be.false();
  } else if ("unmapped" in expect) {
    should(r.blocked).be.undefined();
    r.matched.should.be.false();
  } else {
    should(r.blocked).be.undefined();
    r.matched.should.be.true();
    r.values.should.eql(expect.values);
    if (expect.steps) r.steps.should.eql(expect.steps);
  }
  return r;
}

const CASES: Case[] = [
  // AWS → ServiceNow (PRODUCT.md's table)
  ["aws-to-snow-status", { status: "unassigned", accountGroup: "AWS-111122223333" }, { values: { state: "1", assignment_group: "AWS-111122223333" } }],
  ["aws-to-snow-status", { status: "opened", accountGroup: "AWS-111122223333" }, { values: { state: "1", assignment_group: "AWS-111122223333" } }],
  ["aws-to-snow-status", { status: "reopened", accountGroup: "AWS-111122223333" }, { values: { state: "1", assignment_group: "AWS-111122223333" } }],
  ["aws-to-snow-status", "work-in-progress", { values: { state: "2" } }],
  ["aws-to-snow-status", "pending-amazon-action", { values: { state: "2" } }],
  ["aws-to-snow-status", "pending-customer-action", { values: { state: "1", assignment_group: "" } }],
  ["aws-to-snow-status", "customer-action-completed", { values: { state: "2" } }],
  [
    "aws-to-snow-status",
    { status: "resolved", caseId: "case-111122223333-muen-2026-abc" },
    { values: { state: "6", close_code: "Solution provided", close_notes: "Resolved in AWS Support (case case-111122223333-muen-2026-abc)" } },
  ],
  ["aws-to-snow-status", { status: "work-in-progress", incidentState: "7" }, { blocked: /Closed or Canceled.*work-in-progress/ }],
  ["aws-to-snow-status", "some-new-status", { unmapped: true }],

  // ServiceNow → AWS
  ["snow-to-aws", { state: "6" }, { values: { action: "ResolveCase" } }],
  ["snow-to-aws", { state: "7", event: "update" }, { values: { action: "ResolveCase" } }],
  ["snow-to-aws", { state: "8", caseStatus: "work-in-progress" }, { values: { action: "ResolveCase" } }],
  ["snow-to-aws", { state: "7", caseStatus: "resolved" }, { blocked: /already resolved; ResolveCase is sent once/ }],
  ["snow-to-aws", { state: "6", event: "comment", caseStatus: "resolved" }, { values: { action: "AddCommunicationToCase", incident_state: "2", reopen: "true" } }],
  ["snow-to-aws", { state: "6", event: "comment", reopenPolicy: "forbid" }, { blocked: /forbidden by policy/ }],
  ["snow-to-aws", { state: "7", event: "comment" }, { blocked: /Closed or Canceled; a communication would reopen/ }],
  ["snow-to-aws", { state: "2", event: "comment" }, { values: { action: "AddCommunicationToCase" } }],
  ["snow-to-aws", { state: "3", event: "attachment" }, { values: { action: "AddCommunicationToCase" } }],
  ["snow-to-aws", "1", { values: { action: "none" } }],
  ["snow-to-aws", "2", { values: { action: "none" } }],

  // Ensono → ServiceNow
  ["ensono-to-snow-status", { status: "open", transactionType: "Create" }, { values: { state: "1" } }],
  ["ensono-to-snow-status", "open", { values: { state: "2" } }],
  ["ensono-to-snow-status", "workingprogress", { values: { state: "2" } }],
  ["ensono-to-snow-status", "workinprogress", { values: { state: "2" } }],
  ["ensono-to-snow-status", { status: "pending", statusNextAction: "pending-client" }, { values: { state: "3", hold_reason: "1" } }],
  ["ensono-to-snow-status", { status: "pending", statusNextAction: "pending-caller" }, { values: { state: "3", hold_reason: "1" } }],
  ["ensono-to-snow-status", { status: "pending", statusNextAction: "pending-vendor" }, { values: { state: "3", hold_reason: "4" } }],
  ["ensono-to-snow-status", { status: "pending", statusNextAction: "pending-change" }, { values: { state: "3", hold_reason: "5" } }],
  ["ensono-to-snow-status", { status: "pending" }, { values: { state: "3", hold_reason: "1" } }],
  ["ensono-to-snow-status", { status: "resolved", closeCode: "resolved", closeNotes: "fixed" }, { values: { state: "6", close_code: "Solution provided", close_notes: "fixed" } }],
  ["ensono-to-snow-status", { status: "resolved", closeCode: "resolved*", closeNotes: "fixed" }, { values: { state: "6", close_code: "Solution provided", close_notes: "fixed" } }],
  ["ensono-to-snow-status", { status: "resolved", closeCode: "unresolved", closeNotes: "gave up" }, { values: { state: "6", close_code: "No resolution provided", close_notes: "gave up" } }],
  ["ensono-to-snow-status", { status: "resolved", closeCode: "unresolved*", closeNotes: "gave up" }, { values: { state: "6", close_code: "No resolution provided", close_notes: "gave up" } }],
  ["ensono-to-snow-status", { status: "resolved" }, { values: { state: "6", close_code: "Solution provided" } }],
  ["ensono-to-snow-status", { status: "closed", closeCode: "resolved", closeNotes: "done", close_code: "No resolution provided" }, { values: { state: "7", close_code: "No resolution provided", close_notes: "done" } }],
  ["ensono-to-snow-status", { status: "closed" }, { values: { state: "7", close_code: "Solution provided" } }],
  ["ensono-to-snow-status", { status: "closed", closeCode: "unresolved*" }, { values: { state: "7", close_code: "No resolution provided" } }],
  ["ensono-to-snow-status", { status: "cancelled", closeNotes: "dup" }, { values: { state: "8", close_notes: "dup" } }],
  ["ensono-to-snow-status", { status: "resolved", closeCode: "cancelled" }, { values: { state: "8" } }],
  ["ensono-to-snow-status", { status: "open", incidentState: "8" }, { blocked: /Closed or Canceled in ServiceNow; Ensono status open/ }],
  ["ensono-to-snow-status", { status: "open", incidentState: "6", reopenPolicy: "forbid" }, { blocked: /re-open policy forbids/ }],
  ["ensono-to-snow-status", { status: "open", incidentState: "6", reopenPolicy: "allow" }, { values: { state: "2" } }],
  ["ensono-to-snow-status", "onhold", { unmapped: true }],

  // ServiceNow → Ensono
  ["snow-to-ensono-status", "1", { values: { status: "open" } }],
  ["snow-to-ensono-status", "2", { values: { status: "workingprogress" } }],
  ["snow-to-ensono-status", { state: "3", hold_reason: "1" }, { values: { status: "pending", statusNextAction: "pending-client" } }],
  ["snow-to-ensono-status", { state: "3", hold_reason: "4" }, { values: { status: "pending", statusNextAction: "pending-vendor" } }],
  ["snow-to-ensono-status", { state: "3", hold_reason: "5" }, { values: { status: "pending", statusNextAction: "pending-change" } }],
  ["snow-to-ensono-status", { state: "6", close_notes: "rebooted" }, { values: { status: "resolved", closeNotes: "rebooted" } }],
  ["snow-to-ensono-status", { state: "7", close_notes: "done", ensonoStatus: "resolved" }, { values: { status: "closed", closeNotes: "done" } }],
  [
    "snow-to-ensono-status",
    { state: "7", close_notes: "done", ensonoStatus: "workingprogress" },
    { values: { status: "closed", closeNotes: "done" }, steps: [{ status: "resolved", closeNotes: "done" }, { status: "closed", closeNotes: "done" }] },
  ],
  ["snow-to-ensono-status", { state: "8" }, { values: { status: "cancelled", closeNotes: "Canceled by the client" } }],
  [
    "snow-to-ensono-status",
    { state: "2", internal: "true", generic_client_group: "CLIENT - Ensono Other" },
    { values: { status: "pending", statusNextAction: "pending-client", group: "CLIENT - Ensono Other" } },
  ],
  ["snow-to-ensono-status", { state: "2", ensonoStatus: "closed" }, { blocked: /Ensono ticket is Closed; Ensono accepts no more updates/ }],
  ["snow-to-ensono-status", { state: "2", ensonoStatus: "cancelled" }, { blocked: /cancelled; Ensono accepts no more updates/ }],
  ["snow-to-ensono-status", { state: "2", ensonoStatus: "resolved", reopenPolicy: "forbid" }, { blocked: /re-open policy forbids/ }],
  ["snow-to-ensono-status", { state: "6", ensonoStatus: "resolved" }, { blocked: /already resolved/ }],
  ["snow-to-ensono-status", "-5", { unmapped: true }],

  // Ensono request → sc_req_item
  ["ensono-request-state", "open", { values: { state: "1" } }],
  ["ensono-request-state", "workingprogress", { values: { state: "2" } }],
  ["ensono-request-state", "workinprogress", { values: { state: "2" } }],
  ["ensono-request-state", "pending", { values: { state: "-5" } }],
  ["ensono-request-state", "resolved", { values: { state: "3" } }],
  ["ensono-request-state", "closed", { values: { state: "3" } }],
  ["ensono-request-state", "cancelled", { values: { state: "4" } }],
  ["ensono-request-state", { status: "resolved", closeCode: "cancelled" }, { values: { state: "4" } }],
  ["ensono-request-state", { status: "open", requestState: "3" }, { blocked: /request item is closed/ }],
  ["ensono-request-state", { status: "closed", requestState: "3" }, { values: { state: "3" } }],

  // priorities and severities
  ["snow-priority-to-aws-severity", "1", { values: { severityCode: "critical" } }],
  ["snow-priority-to-aws-severity", "2", { values: { severityCode: "urgent" } }],
  ["snow-priority-to-aws-severity", "3", { values: { severityCode: "high" } }],
  ["snow-priority-to-aws-severity", "4", { values: { severityCode: "normal" } }],
  ["snow-priority-to-aws-severity", 5, { values: { severityCode: "low" } }],
  ["aws-severity-to-snow-priority", "critical", { values: { priority: "1", impact: "1", urgency: "1" } }],
  ["aws-severity-to-snow-priority", "urgent", { values: { priority: "2", impact: "1", urgency: "2" } }],
  ["aws-severity-to-snow-priority", "high", { values: { priority: "3", impact: "2", urgency: "2" } }],
  ["aws-severity-to-snow-priority", "normal", { values: { priority: "4", impact: "2", urgency: "3" } }],
  ["aws-severity-to-snow-priority", "low", { values: { priority: "5", impact: "3", urgency: "3" } }],
  ["priority-to-impact-urgency", "1", { values: { impact: "1", urgency: "1" } }],
  ["priority-to-impact-urgency", "2", { values: { impact: "1", urgency: "2" } }],
  ["priority-to-impact-urgency", "3", { values: { impact: "2", urgency: "2" } }],
  ["priority-to-impact-urgency", "4", { values: { impact: "2", urgency: "3" } }],
  ["priority-to-impact-urgency", "5", { values: { impact: "3", urgency: "3" } }],
  ["impact-urgency-to-priority", { impact: "1", urgency: "1" }, { values: { priority: "1", ensonoPriority: "1" } }],
  ["impact-urgency-to-priority", { impact: "1", urgency: "2" }, { values: { priority: "2", ensonoPriority: "2" } }],
  ["impact-urgency-to-priority", { impact: "1", urgency: "3" }, { values: { priority: "3", ensonoPriority: "3" } }],
  ["impact-urgency-to-priority", { impact: "2", urgency: "1" }, { values: { priority: "2", ensonoPriority: "2" } }],
  ["impact-urgency-to-priority", { impact: "2", urgency: "2" }, { values: { priority: "3", ensonoPriority: "3" } }],
  ["impact-urgency-to-priority", { impact: "2", urgency: "3" }, { values: { priority: "4", ensonoPriority: "4" } }],
  ["impact-urgency-to-priority", { impact: "3", urgency: "1" }, { values: { priority: "3", ensonoPriority: "3" } }],
  ["impact-urgency-to-priority", { impact: 3, urgency: 2 }, { values: { priority: "4", ensonoPriority: "4" } }],
  ["impact-urgency-to-priority", { impact: "3", urgency: "3" }, { values: { priority: "5", ensonoPriority: "4" } }],
  ["snow-priority-to-ensono", "1", { values: { priority: "1" } }],
  ["snow-priority-to-ensono", "2", { values: { priority: "2" } }],
  ["snow-priority-to-ensono", "3", { values: { priority: "3" } }],
  ["snow-priority-to-ensono", "4", { values: { priority: "4" } }],
  ["snow-priority-to-ensono", "5", { values: { priority: "4" } }],
  ["ensono-priority-to-snow", "1", { values: { impact: "1", urgency: "1", priority: "1" } }],
  ["ensono-priority-to-snow", "2", { values: { impact: "1", urgency: "2", priority: "2" } }],
  ["ensono-priority-to-snow", "3", { values: { impact: "2", urgency: "2", priority: "3" } }],
  ["ensono-priority-to-snow", "4", { values: { impact: "2", urgency: "3", priority: "4" } }],
  ["ensono-priority-to-snow", "5", { unmapped: true }],

  // changes
  ["ensono-change-close-code", "Successful", { values: { close_code: "successful" } }],
  ["ensono-change-close-code", "Successful with issues", { values: { close_code: "successful_issues" } }],
  ["ensono-change-close-code", "Successful Outside Change Window", { values: { close_code: "successful_issues" } }],
  ["ensono-change-close-code", "Unsuccessful", { values: { close_code: "unsuccessful" } }],
  ["ensono-change-type", "Normal", { values: { type: "normal" } }],
  ["ensono-change-type", "Standard", { values: { type: "standard" } }],
  ["ensono-change-type", "Emergency", { values: { type: "emergency" } }],
  ["ensono-change-state", "Assess", { values: { state: "-4", action: "update" } }],
  ["ensono-change-state", "Authorize", { values: { state: "-3", action: "update" } }],
  ["ensono-change-state", "Scheduled", { values: { state: "-2", action: "update" } }],
  ["ensono-change-state", "Implement", { values: { state: "-1", action: "update" } }],
  ["ensono-change-state", "Review", { values: { state: "0", action: "update" } }],
  // Normal Change Scenarios
  ["ensono-change-state", { state: "Closed", closeCode: "Successful", closeNotes: "ok" }, { values: { state: "3", action: "close", close_code: "successful", close_notes: "ok" } }],
  [
    "ensono-change-state",
    { state: "Closed", closeCode: "Successful with issues", closeNotes: "meh" },
    { values: { state: "3", action: "close", close_code: "successful_issues", close_notes: "meh" } },
  ],
  [
    "ensono-change-state",
    { state: "Closed", closeCode: "Successful Outside Change Window", closeNotes: "late" },
    { values: { state: "3", action: "close", close_code: "successful_issues", close_notes: "late" } },
  ],
  ["ensono-change-state", { state: "Closed", closeCode: "Unsuccessful", closeNotes: "rolled back" }, { values: { state: "3", action: "close", close_code: "unsuccessful", close_notes: "rolled back" } }],
  ["ensono-change-state", { state: "Closed" }, { values: { state: "3", action: "close" } }],
  ["ensono-change-state", { state: "New", changeState: "-4" }, { values: { state: "4", action: "cancel" } }],
  ["ensono-change-state", { state: "Draft" }, { values: { state: "4", action: "cancel" } }],
  ["ensono-change-state", { state: "Cancelled", changeState: "-1" }, { values: { state: "4", action: "cancel" } }],
  ["ensono-change-state", { state: "Cancelled", changeState: "4" }, { blocked: /already closed or canceled: nothing to do/ }],
  ["ensono-change-state", { state: "New", changeState: "4" }, { blocked: /nothing to cancel/ }],
  ["ensono-change-state", { state: "Assess", changeState: "4" }, { values: { state: "-4", action: "create" } }],
  ["ensono-change-state", { state: "Implement", changeState: "3" }, { blocked: /refuses state Implement/ }],
];

describe("mapping presets: every row", function () {
  for (const [preset, input, expect] of CASES) {
    const label = typeof input === "object" ? JSON.stringify(input) : String(input);
    it(`${preset}: ${label} → ${"blocked" in expect ? "blocked" : "unmapped" in expect ? "unmapped" : JSON.stringify(expect.values)}`, function () {
      check(preset, input, expect);
    });
  }

  it("matches case-insensitively (Ensono's and AWS's spellings vary)", function () {
    check("ensono-to-snow-status", "WorkingProgress", { values: { state: "2" } });
    check("ensono-change-close-code", "successful WITH issues", { values: { close_code: "successful_issues" } });
  });
});

describe("mapping presets: coverage", function () {
  it("the cases above hit every row of every preset (case-exchange and group presets: functions.test)", function () {
    for (const k of Object.keys(hits)) delete hits[k];
    for (const [preset, input, expect] of CASES) check(preset, input, expect);
    const missing: string[] = [];
    for (const [name, table] of Object.entries(PRESETS)) {
      if (name === "snow-group-to-ensono" || name === "ensono-group-to-snow" || name.startsWith("case-exchange")) continue;
      table.rows.forEach((_row, i) => {
        if (!hits[name]?.has(i)) missing.push(`${name} row ${i + 1}`);
      });
    }
    missing.should.eql([]);
  });
});
