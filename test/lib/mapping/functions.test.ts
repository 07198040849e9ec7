import should from "should";
import {
  applyIncomingOperation,
  createGroupMap,
  detectOperation,
  ensonoPriorityToSnow,
  groupRowProblems,
  impactUrgencyToPriority,
  INCOMING_TEXTS,
  mapAwsStatusToSnow,
  mapChangeCloseCode,
  mapChangeType,
  mapEnsonoChangeState,
  mapEnsonoToSnow,
  mapRequestState,
  mapSnowToAws,
  mapSnowToEnsono,
  parseGroupRows,
  PRESETS,
  priorityToImpactUrgency,
  priorityToSeverity,
  resolveTable,
  runTable,
  severityForPlan,
  severityToPriority,
  snowPriorityToEnsono,
} from "../../../nodes/lib/mapping";

const BONDED = ["AWS-111122223333", "Ensono"];

describe("mapping functions", function () {
  describe("AWS Support", function () {
    it("mapAwsStatusToSnow puts an opened case back in the account's group as New", function () {
      mapAwsStatusToSnow("opened", { accountGroup: "AWS-111122223333" }).values.should.eql({ state: "1", assignment_group: "AWS-111122223333" });
    });
    it("mapAwsStatusToSnow clears the group on pending-customer-action", function () {
      mapAwsStatusToSnow("pending-customer-action").values.should.eql({ state: "1", assignment_group: "" });
    });
    it("mapAwsStatusToSnow leaves the group alone when no account group is given for opened", function () {
      mapAwsStatusToSnow("opened").values.should.eql({ state: "1" });
    });
    it("mapSnowToAws resolves once and blocks the second ResolveCase", function () {
      mapSnowToAws({ state: "6" }).values.action.should.equal("ResolveCase");
      should(mapSnowToAws({ state: "6", caseStatus: "resolved" }).blocked).match(/sent once/);
    });
    it("mapSnowToAws reopens on a comment to a Resolved incident and moves it to In Progress", function () {
      mapSnowToAws({ state: "6", event: "comment" }).values.should.eql({ action: "AddCommunicationToCase", incident_state: "2", reopen: "true" });
    });
    it("severity ⇄ priority follows the seed app (critical ⇄ 1 … low ⇄ 5)", function () {
      [["critical", "1"], ["urgent", "2"], ["high", "3"], ["normal", "4"], ["low", "5"]].forEach(([s, p]) => {
        should(severityToPriority(s)).equal(p);
        should(priorityToSeverity(p)).equal(s);
      });
      should(severityToPriority("extreme")).be.undefined();
      should(priorityToSeverity(9)).be.undefined();
    });
    it("severityForPlan keeps a severity the plan has", function () {
      severityForPlan("high", ["low", "normal", "high"]).should.eql({ severity: "high", substituted: false });
    });
    it("severityForPlan takes the nearest lower severity the plan has, with a note", function () {
      const r = severityForPlan("critical", [{ code: "low" }, { code: "normal" }, { code: "high" }, { code: "urgent" }]);
      r.severity!.should.equal("urgent");
      r.substituted.should.be.true();
      r.note!.should.match(/no severity 'critical'.*'urgent'/);
      severityForPlan("urgent", "low,normal").severity!.should.equal("normal");
    });
    it("severityForPlan takes the nearest higher one when nothing lower exists", function () {
      severityForPlan("low", ["normal", "high"]).severity!.should.equal("normal");
    });
    it("severityForPlan reports a plan without severities", function () {
      const r = severityForPlan("high", []);
      should(r.severity).be.undefined();
      r.note!.should.match(/offers no severity/);
    });
    it("the priority → severity preset applies the plan rule and adds the work note", function () {
      const r = runTable("snow-priority-to-aws-severity", { priority: "1", availableSeverities: ["low", "normal", "high"] });
      r.values.severityCode.should.equal("high");
      r.values.work_notes.should.match(/no severity 'critical'.*'high'/);
    });
    it("the priority → severity preset blocks when the plan offers nothing at all", function () {
      const r = runTable("snow-priority-to-aws-severity", { priority: "1", availableSeverities: ["bogus"] });
      should(r.blocked).match(/offers no severity/);
    });
  });

  describe("priorities", function () {
    it("priorityToImpactUrgency: 1 → 1/1, 2 → 1/2, 3 → 2/2, 4 → 2/3, 5 → 3/3", function () {
      [1, 2, 3, 4, 5].map((p) => priorityToImpactUrgency(p)).should.eql([
        { impact: "1", urgency: "1" },
        { impact: "1", urgency: "2" },
        { impact: "2", urgency: "2" },
        { impact: "2", urgency: "3" },
        { impact: "3", urgency: "3" },
      ]);
      should(priorityToImpactUrgency(0)).be.undefined();
    });
    it("impactUrgencyToPriority gives back the priority each pair was written for", function () {
      for (const p of ["1", "2", "3", "4", "5"]) {
        const iu = priorityToImpactUrgency(p)!;
        should(impactUrgencyToPriority(iu.impact, iu.urgency)).equal(p);
      }
      should(impactUrgencyToPriority(4, 1)).be.undefined();
    });
    it("ServiceNow priority 5 goes to Ensono as 4, and Ensono 1–4 comes back as impact/urgency", function () {
      should(snowPriorityToEnsono(5)).equal("4");
      should(snowPriorityToEnsono("2")).equal("2");
      ensonoPriorityToSnow("4")!.should.eql({ impact: "2", urgency: "3", priority: "4" });
      should(ensonoPriorityToSnow("7")).be.undefined();
    });
  });

  describe("Ensono", function () {
    it("mapEnsonoToSnow maps pending-vendor to On Hold / Awaiting Vendor", function () {
      mapEnsonoToSnow({ status: "pending", statusNextAction: "pending-vendor" }).values.should.eql({ state: "3", hold_reason: "4" });
    });
    it("mapEnsonoToSnow keeps the incident's close code when Ensono closes without one", function () {
      mapEnsonoToSnow({ status: "closed", close_code: "No resolution provided" }).values.should.eql({ state: "7", close_code: "No resolution provided" });
    });
    it("mapSnowToEnsono says both steps when Closed reaches an unresolved Ensono ticket", function () {
      const r = mapSnowToEnsono({ state: "7", close_notes: "all good", ensonoStatus: "pending" });
      r.steps.map((s) => s.status).should.eql(["resolved", "closed"]);
      r.steps[0].closeNotes.should.equal("all good");
    });
    it("mapSnowToEnsono blocks an update to a Closed Ensono ticket", function () {
      should(mapSnowToEnsono({ state: "2", ensonoStatus: "closed" }).blocked).match(/Closed; Ensono accepts no more updates/);
    });
    it("mapSnowToEnsono does an internal assignment with the generic client group", function () {
      mapSnowToEnsono({ state: "2", internal: true, generic_client_group: "CLIENT - Ensono Other" }).values.should.eql({
        status: "pending",
        statusNextAction: "pending-client",
        group: "CLIENT - Ensono Other",
      });
    });
    it("mapRequestState maps resolved and closed to Closed Complete", function () {
      mapRequestState("resolved").values.state.should.equal("3");
      mapRequestState("closed").values.state.should.equal("3");
      mapRequestState("cancelled").values.state.should.equal("4");
    });
    it("mapChangeCloseCode and mapChangeType", function () {
      should(mapChangeCloseCode("Successful Outside Change Window")).equal("successful_issues");
      should(mapChangeCloseCode("Partially")).be.undefined();
      should(mapChangeType("Emergency")).equal("emergency");
      should(mapChangeType("Minor")).be.undefined();
    });
    it("mapEnsonoChangeState cancels the client change on a Redraft", function () {
      mapEnsonoChangeState({ state: "New", changeState: "-3" }).values.should.eql({ state: "4", action: "cancel" });
    });
  });

  describe("group map", function () {
    const map = createGroupMap(parseGroupRows([{ snow: "Ensono", ensono: "CS - 1st Line" }, { snow: "Ensono DB", ensono: "Platform DBA" }]), "CLIENT - Ensono Other");
    it("looks groups up both ways, ignoring case and spaces", function () {
      should(map.toEnsono(" ensono ")).equal("CS - 1st Line");
      should(map.toSnow("platform dba")).equal("Ensono DB");
      should(map.toEnsono("Service Desk")).be.undefined();
      should(map.toSnow("")).be.undefined();
      map.genericGroup!.should.equal("CLIENT - Ensono Other");
      map.snowGroups().should.eql(["Ensono", "Ensono DB"]);
    });
    it("parses rows from JSON text or {rows}, and rejects half-filled rows", function () {
      parseGroupRows('[{"snow":"A","ensono":"B"}]').should.eql([{ snow: "A", ensono: "B" }]);
      parseGroupRows({ rows: [{ snow: "A", ensono: "B" }] }).should.eql([{ snow: "A", ensono: "B" }]);
      should.throws(() => parseGroupRows([{ snow: "A" }]), /row 1 needs/);
      should.throws(() => parseGroupRows({}), /array/);
    });
    it("reports duplicate names", function () {
      groupRowProblems([{ snow: "A", ensono: "B" }, { snow: "a", ensono: "C" }]).should.eql(['ServiceNow group "a" appears twice; the first row wins']);
    });
    it("feeds the group presets", function () {
      runTable("snow-group-to-ensono", { assignment_group: "Ensono", ensono_group: map.toEnsono("Ensono") }).values.should.eql({ group: "CS - 1st Line" });
      runTable("snow-group-to-ensono", { assignment_group: "Nobody" }).matched.should.be.false();
      runTable("ensono-group-to-snow", { group: "Platform DBA", snow_group: map.toSnow("Platform DBA") }).values.should.eql({ assignment_group: "Ensono DB" });
      runTable("ensono-group-to-snow", { group: "Nobody" }).matched.should.be.false();
    });
  });

  it("resolveTable prefers the edited table, falls back to the preset, and explains a bad one", function () {
    resolveTable("snow-to-aws").name.should.equal("snow-to-aws");
    resolveTable("snow-to-aws", { name: "mine", key: "x", rows: [] }).name.should.equal("mine");
    resolveTable("snow-to-aws", "").name.should.equal("snow-to-aws");
    should.throws(() => resolveTable("nope"), /unknown preset "nope"/);
    should.throws(() => resolveTable("snow-to-aws", { key: "x", rows: [{ when: {} }] }), /row 1: needs "to", "steps" or "block"/);
  });
});

describe("case-exchange operations", function () {
  const base = { number: "INC0010001", state: "2", assignment_group: "Ensono", correlation_id: "e-CS0204070", close_notes: "", close_code: "" };
  const hits = new Set<number>();
  const detect = (before: Record<string, unknown> | null, after: Record<string, unknown>, opts = {}) => {
    const r = detectOperation(before, after, BONDED, opts);
    r.rows.forEach((i) => hits.add(i));
    return r;
  };

  describe("outgoing (detectOperation)", function () {
    it("Assign when an incident is created in a bonded group", function () {
      detect(null, { ...base, correlation_id: "" }).operations.should.eql(["Assign"]);
    });
    it("Assign when the assignment group moves to a bonded group", function () {
      detect({ ...base, assignment_group: "Service Desk", correlation_id: "" }, { ...base, correlation_id: "" }).operations.should.eql(["Assign"]);
    });
    it("Assign on a bonded record moved back to its group (no reopen)", function () {
      detect({ ...base, assignment_group: "Service Desk" }, base).operations.should.eql(["Assign"]);
    });
    it("Accept when it moves away from a bonded group, with reference objects", function () {
      const r = detect(
        { ...base, assignment_group: { value: "a1b2", display_value: "Ensono" } },
        { ...base, assignment_group: { value: "c3d4", display_value: "Service Desk" } },
      );
      r.operations.should.eql(["Accept"]);
      r.operation!.should.equal("Accept");
    });
    it("nothing when the group moves between two unbonded groups", function () {
      const r = detect({ ...base, assignment_group: "Service Desk" }, { ...base, assignment_group: "Network" });
      r.operations.should.eql([]);
      should(r.operation).be.undefined();
    });
    it("Update for a comment", function () {
      detect(base, base, { commentAdded: true }).operations.should.eql(["Update"]);
      detect(base, { ...base, comments: "new text" }).operations.should.eql(["Update"]);
    });
    it("Update for an attachment", function () {
      detect(base, base, { attachmentAdded: "true" }).operations.should.eql(["Update"]);
    });
    it("Update for a mapped field, once even when several change", function () {
      detect(base, { ...base, short_description: "new", priority: "2" }).operations.should.eql(["Update"]);
    });
    it("Update then Resolve when the solution is written and the state moves to Resolved", function () {
      const r = detect(base, { ...base, state: "6", close_notes: "fixed", close_code: "Solution provided" });
      r.operations.should.eql(["Update", "Resolve"]);
      r.operation!.should.equal("Resolve");
    });
    it("Reopen on Resolved → In Progress and on Resolved → New", function () {
      detect({ ...base, state: "6" }, base).operations.should.eql(["Reopen"]);
      detect({ ...base, state: "6" }, { ...base, state: "1" }).operations.should.eql(["Reopen"]);
    });
    it("Reopen, not Assign, when a bonded record returns to its group while reopening", function () {
      detect({ ...base, state: "6", assignment_group: "Service Desk" }, base).operations.should.eql(["Reopen"]);
    });
    it("Close on → Closed", function () {
      detect({ ...base, state: "6" }, { ...base, state: "7" }).operations.should.eql(["Close"]);
    });
    it("Cancel on → Canceled", function () {
      detect(base, { ...base, state: "8" }).operations.should.eql(["Cancel"]);
    });
    it("blocks a change out of Closed", function () {
      const r = detect({ ...base, state: "7" }, { ...base, state: "2" });
      should(r.blocked).match(/does not reopen a Closed/);
      r.operations.should.eql([]);
    });
    it("Reject only when a row adds a trigger", function () {
      detect(base, { ...base, close_code: "Rejected" }, {}).operations.should.eql(["Update"]);
      const table = JSON.parse(JSON.stringify(PRESETS["case-exchange-outgoing"]));
      table.rows.push({ when: { close_code: "Rejected", "before.close_code": { not: "Rejected" } }, to: { operation: "Reject" } });
      detectOperation(base, { ...base, close_code: "Rejected" }, BONDED, { table }).operations.should.eql(["Update", "Reject"]);
    });
    it("bondedGroups may be a predicate", function () {
      detectOperation(null, { ...base, assignment_group: "AWS-999" }, (g) => g.startsWith("AWS-")).operations.should.eql(["Assign"]);
    });
    it("every row of the outgoing table was used above", function () {
      PRESETS["case-exchange-outgoing"].rows.forEach((_r, i) => hits.has(i).should.be.true(`row ${i + 1} not hit`));
    });
  });

  describe("incoming (applyIncomingOperation)", function () {
    const seen = new Set<number>();
    const apply = (op: string, record: Record<string, unknown>, opts = {}) => {
      const r = applyIncomingOperation(op, record, opts);
      r.rows.forEach((i) => seen.add(i));
      return r;
    };
    it("Create records the bond", function () {
      apply("Create", { state: "1" }, { externalId: "e-CS0204070", externalSystem: "Ensono" }).values.should.eql({ correlation_id: "e-CS0204070", correlation_display: "Ensono" });
    });
    it("Resolve sets the solution and close code when empty", function () {
      apply("Resolve", base).values.should.eql({ state: "6", close_notes: "Resolved by external system", close_code: "Solution provided" });
    });
    it("Resolve keeps a solution that is already there", function () {
      apply("resolve", { ...base, close_notes: "Rebooted", close_code: "Workaround provided" }).values.should.eql({
        state: "6",
        close_notes: "Rebooted",
        close_code: "Workaround provided",
      });
    });
    it("Close sets them too and closes", function () {
      apply("Close", { ...base, state: "6" }).values.should.eql({ state: "7", close_notes: "Resolved by external system", close_code: "Solution provided" });
    });
    it("Reopen clears the solution with the exact comment", function () {
      apply("Reopen", { ...base, state: "6", close_notes: "Rebooted", close_code: "Solution provided" }).values.should.eql({
        state: "2",
        close_notes: "",
        close_code: "",
        comments: "Incident was reopened. Previous solution was: Rebooted",
      });
    });
    it("Reopen without a solution says so plainly", function () {
      apply("Reopen", { ...base, state: "6" }).values.comments.should.equal(INCOMING_TEXTS.reopenedNoSolution);
    });
    it("Assign adds the exact comment", function () {
      apply("Assign", base).values.should.eql({ comments: "Incident was assigned locally from external system" });
    });
    it("Reject removes the bond with the exact comment", function () {
      apply("Reject", base).values.should.eql({ correlation_id: "", correlation_display: "", comments: "Incident was rejected by the external fulfillment system" });
    });
    it("Cancel cancels with the exact close notes", function () {
      apply("Cancel", base).values.should.eql({ state: "8", close_notes: "Incident canceled by external system" });
    });
    it("Update and Accept change nothing by themselves", function () {
      apply("Update", base).values.should.eql({});
      apply("Accept", base).matched.should.be.true();
    });
    it("blocks a Reopen of a Closed incident", function () {
      should(apply("Reopen", { ...base, state: "7" }).blocked).match(/cannot be reopened/);
    });
    it("blocks a Reopen the policy forbids", function () {
      should(apply("Reopen", { ...base, state: "6" }, { reopenPolicy: "forbid" }).blocked).match(/forbidden by policy/);
    });
    it("blocks a Reopen of an incident that is not Resolved", function () {
      should(apply("Reopen", base).blocked).match(/not Resolved/);
    });
    it("blocks any operation on a Canceled incident", function () {
      should(apply("Update", { ...base, state: "8" }).blocked).match(/Closed or Canceled; Update is not applied/);
    });
    it("an unknown operation is unmapped", function () {
      const r = apply("Escalate", base);
      r.matched.should.be.false();
      should(r.blocked).be.undefined();
    });
    it("every row of the incoming table was used above", function () {
      PRESETS["case-exchange-incoming"].rows.forEach((_r, i) => seen.has(i).should.be.true(`row ${i + 1} not hit`));
    });
  });
});
