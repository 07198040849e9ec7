/**
 * flows/ensono-changes.json, run from the file alone in a real Node-RED whose only configuration is the
 * environment, against the Ensono and ServiceNow simulators: the three change types, every field the guide
 * sends, unknown fields, the state mirror with its refusals, closure codes, comments both ways, attachments,
 * and every row of the guide's Normal Change Scenarios table (approvals: ensono-changes-approvals.test.ts).
 */
import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import type { EnsonoModel } from "../../sandbox/ensono/model";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";

type Row = Record<string, string>;

function changeFlow(): unknown[] {
  return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", "ensono-changes.json"), "utf8")) as unknown[];
}

interface World {
  ensono: EnsonoSandbox;
  snow: SnowSandbox;
  env: Record<string, string>;
}

async function startWorld(extraEnv: Record<string, string> = {}): Promise<World> {
  const [ensono, snow] = await Promise.all([startEnsonoSandbox({ visibilityTimeoutMs: 30_000 }), startSnowSandbox()]);
  const env = { ...sandboxEnv({ ensono, snow }, { pollSeconds: 1 }), ...extraEnv };
  return { ensono, snow, env };
}

/** The client changes bonded to an Ensono number, oldest first. */
function changesOf(snow: SnowSandbox, n: string): Row[] {
  return snow.table("change_request").query(`correlation_id=${n}^ORDERBYsys_created_on`) as Row[];
}

/** Waits until the Ensono queue is empty (nothing visible, nothing in flight). */
async function drained(ensono: EnsonoSandbox, ms = 20_000): Promise<void> {
  await eventually(() => ensono.inspect.queue("dev").messages.length === 0, ms, 50);
}

/** Puts a raw transaction on the queue, as the bridge would send it (duplicates, unknown fields, guide variants). */
function enqueueRaw(ensono: EnsonoSandbox, n: string, transactionType: string, body: (b: Record<string, unknown>) => Record<string, unknown>): void {
  const model = ensono.agent as unknown as EnsonoModel;
  const t = model.tickets.get(n);
  if (!t) throw new Error(`no ticket ${n}`);
  model.enqueue(t, transactionType, body(model.changeBody(t)));
}

function workNotes(snow: SnowSandbox, sysId: string): string[] {
  return snow.journal(sysId).filter((e) => e.element === "work_notes").map((e) => e.value);
}

function comments(snow: SnowSandbox, sysId: string): string[] {
  return snow.journal(sysId).filter((e) => e.element === "comments").map((e) => e.value);
}

describe(`ensono-changes.json: changes from Ensono to ServiceNow (${RUNTIME})`, function () {
  this.timeout(90_000);
  let w: World;
  let red: RunningNodeRed;

  before(async function () {
    w = await startWorld();
    red = await startNodeRed({ flows: changeFlow(), env: w.env });
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
    await Promise.all([w?.ensono.close(), w?.snow.close()]);
  });

  it("opens one change per type in its first state, with every field the guide sends, and returns its number", async function () {
    const { ensono, snow } = w;
    const normal = ensono.agent.createChange("dev", {
      type: "Normal",
      shortDescription: "Patch the database cluster",
      description: "Quarterly patches.\nSecond line with \"quotes\".",
      requestedByName: "Ensono User",
      category: "Patching",
      startDate: "2025-03-08T16:25:48Z",
      endDate: "2025-03-08T18:00:00Z",
      risk: "High",
      impact: "Medium",
      justification: "Security fixes",
      preChangeChecks: "Backups verified",
      implementationPlan: "1. drain\n2. patch",
      testPlan: "Smoke tests",
      backoutPlan: "Restore snapshot",
      priority: "2",
      cis: "db01,db02",
    });
    const standard = ensono.agent.createChange("dev", { type: "Standard", shortDescription: "Add disk" });
    const emergency = ensono.agent.createChange("dev", { type: "Emergency", shortDescription: "Hotfix" });
    await drained(ensono);
    const [n] = await eventually(() => (changesOf(snow, normal).length === 1 ? changesOf(snow, normal) : undefined));
    should(n).containDeep({
      short_description: "Patch the database cluster",
      type: "normal",
      state: "-4",
      category: "Patching",
      start_date: "2025-03-08 16:25:48",
      end_date: "2025-03-08 18:00:00",
      risk: "2",
      impact: "2",
      priority: "2",
      justification: "Security fixes",
      implementation_plan: "Pre-change checks:\nBackups verified\n\nImplementation plan:\n1. drain\n2. patch",
      test_plan: "Smoke tests",
      backout_plan: "Restore snapshot",
      correlation_id: normal,
      correlation_display: "Ensono",
      active: "true",
      sys_created_by: "integration",
    });
    should(n.assignment_group).equal(snow.groupId("Ensono"));
    should(n.description.startsWith("Quarterly patches.\nSecond line with \"quotes\".\n\n--- Ensono change ")).be.true();
    should(n.description).match(/Requested by: Ensono User/).and.match(/Configuration items: db01,db02/);
    const s = changesOf(snow, standard);
    const e = changesOf(snow, emergency);
    should(s.map((r) => [r.type, r.state])).eql([["standard", "-2"]]);
    should(e.map((r) => [r.type, r.state])).eql([["emergency", "-3"]]);
    await eventually(() => ensono.inspect.ticket("dev", normal)?.clientTicketNumber === n.number);
    should(ensono.inspect.ticket("dev", standard)?.clientTicketNumber).equal(s[0].number);
    should(ensono.inspect.ticket("dev", emergency)?.clientTicketNumber).equal(e[0].number);
    const ptn = ensono.inspect.calls("dev").filter((c) => c.route === "returnptn" && [normal, standard, emergency].includes(c.ticketNumber as string));
    should(ptn).have.length(3);
    should(ptn.map((c) => (c.body as { payload: Row }).payload.ticketType)).eql(["Change", "Change", "Change"]);
  });

  it("keeps fields the guide does not list, of every shape, as text on the change, and goes on", async function () {
    const { ensono, snow } = w;
    const n = ensono.agent.createChange("dev", { type: "Standard", shortDescription: "Unknown fields" });
    await drained(ensono);
    enqueueRaw(ensono, n, "Update", (b) => ({
      ...b,
      state: "Implement",
      u_site: "DC-7",
      maintenanceWindow: { from: "22:00", to: "02:00", zone: "CET" },
      affectedApps: ["billing", "crm"],
      startDate: "not a date",
    }));
    // the same unknown fields again (a redelivery), then a plain state update
    enqueueRaw(ensono, n, "Update", (b) => ({ ...b, state: "Implement", u_site: "DC-7", maintenanceWindow: { from: "22:00", to: "02:00", zone: "CET" }, affectedApps: ["billing", "crm"], startDate: "not a date" }));
    ensono.agent.changeState("dev", n, "Review");
    await drained(ensono);
    const [c] = changesOf(snow, n);
    should(c.state).equal("0"); // the transactions after it were applied too
    const notes = workNotes(snow, c.sys_id);
    should(notes).have.length(1);
    should(notes[0]).equal(
      `Ensono sent fields this flow does not map (${n}):\naffectedApps: ["billing","crm"]\nmaintenanceWindow: {"from":"22:00","to":"02:00","zone":"CET"}\nu_site: DC-7`,
    );
    // a guide field in a shape ServiceNow cannot store is kept as text too (the latest transaction's value)
    enqueueRaw(ensono, n, "Update", (b) => ({ ...b, startDate: "not a date" }));
    await drained(ensono);
    should(changesOf(snow, n)[0].description).match(/startDate \(not a date\): not a date/);
    should(ensono.inspect.queue("dev").failed).have.length(0);
  });

  it("mirrors each state; a transition ServiceNow refuses becomes one work note, never a loop", async function () {
    const { ensono, snow } = w;
    const n = ensono.agent.createChange("dev", { type: "Emergency", shortDescription: "Refusals" });
    await drained(ensono);
    const [c] = changesOf(snow, n);
    for (const [state, sn] of [["Scheduled", "-2"], ["Implement", "-1"], ["Review", "0"]]) {
      ensono.agent.changeState("dev", n, state);
      await drained(ensono);
      should(snow.table("change_request").get(c.sys_id)?.state).equal(sn);
    }
    // a Closure without close code: ServiceNow's data policy refuses the write (403)
    enqueueRaw(ensono, n, "Closure", (b) => ({ ...b, state: "Closed", closeCode: "", closeNotes: "done" }));
    await drained(ensono);
    should(snow.table("change_request").get(c.sys_id)?.state).equal("0");
    await eventually(() => workNotes(snow, c.sys_id).length === 1);
    should(workNotes(snow, c.sys_id)[0]).match(/^Ensono moved .* to Closed; ServiceNow refused the update: ServiceNow answered 403 [\s\S]*Close code$/);
    // the client closes the change itself; Ensono then moves it on: refused, noted once even when delivered twice
    snow.agent("agent.smith").update("change_request", c.sys_id, { state: "4" });
    ensono.agent.changeState("dev", n, "Implement");
    enqueueRaw(ensono, n, "Update", (b) => ({ ...b, state: "Implement" }));
    await drained(ensono);
    await eventually(() => workNotes(snow, c.sys_id).length === 2);
    should(workNotes(snow, c.sys_id)[1]).match(/^Ensono moved .* to Implement; not applied: the client change is closed or canceled/);
    should(snow.table("change_request").get(c.sys_id)?.state).equal("4");
    should(changesOf(snow, n)).have.length(1);
    should(ensono.inspect.queue("dev").failed).have.length(0);
  });

  it("closes with the mapped close code and close notes for every Ensono close code", async function () {
    const { ensono, snow } = w;
    const cases: Array<[string, string]> = [
      ["Successful", "successful"],
      ["Successful with issues", "successful_issues"],
      ["Successful Outside Change Window", "successful_issues"],
      ["Unsuccessful", "unsuccessful"],
    ];
    const numbers = cases.map(([code]) => ensono.agent.createChange("dev", { type: "Standard", shortDescription: code }));
    await drained(ensono);
    numbers.forEach((n, i) => ensono.agent.changeState("dev", n, "Closed", { closeCode: cases[i][0], closeNotes: `notes ${i}` }));
    await drained(ensono);
    numbers.forEach((n, i) => {
      const [c] = changesOf(w.snow, n);
      should([c.state, c.active, c.close_code, c.close_notes]).eql(["3", "false", cases[i][1], `notes ${i}`]);
    });
    should(snow.table("change_request").query("close_codeISEMPTY^state=3")).have.length(0);
  });

  it("brings Ensono comments over once, verbatim under a header, and sends ServiceNow comments as notes", async function () {
    const { ensono, snow } = w;
    const n = ensono.agent.createChange("dev", { type: "Standard", shortDescription: "Comments" });
    await drained(ensono);
    ensono.agent.comment("dev", n, "Line one\nline \"two\"", { commenter: "Aubrey N", commenterEmail: "aubrey@ensono.com" });
    await drained(ensono);
    // the same Notes transaction delivered again (e.g. its confirmation was lost)
    const first = ensono.inspect.ticket("dev", n)!.comments[0];
    enqueueRaw(ensono, n, "Notes", (b) => ({ ...b, notes: { type: "comment", id: first.id, body: first.body, commenter: "Aubrey N", commenterEmail: "aubrey@ensono.com" } }));
    await drained(ensono);
    const [c] = changesOf(snow, n);
    const got = comments(snow, c.sys_id);
    should(got).have.length(1);
    should(got[0]).match(new RegExp(`^\\[Ensono ${n}\\] comment by Aubrey N <aubrey@ensono.com> at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(note ${first.id}\\)\\nLine one\\nline "two"$`));
    // client side: an agent's customer-visible comment goes to Ensono as a note; the integration's own do not
    snow.agent("agent.smith").comment("change_request", c.sys_id, "Client says: go ahead");
    snow.agent("agent.smith").workNote("change_request", c.sys_id, "private, stays here");
    const notes = await eventually(() => {
      const calls = ensono.inspect.calls("dev").filter((x) => x.route === "notes" && x.ticketNumber === n && x.status === 200);
      return calls.length ? calls : undefined;
    });
    await new Promise((r) => setTimeout(r, 2500)); // two more polls: nothing else may follow
    should(ensono.inspect.calls("dev").filter((x) => x.route === "notes" && x.ticketNumber === n)).have.length(1);
    const body = (notes[0].body as { payload: { comments: Row[]; clientTicketNumber: string; ticketType: string } }).payload;
    should(body.ticketType).equal("Change");
    should(body.clientTicketNumber).equal(c.number);
    should(body.comments[0].commenter).equal("agent.smith");
    // as Ensono stored it (the wire text is escaped twice, as the guide asks)
    const stored = ensono.inspect.ticket("dev", n)!.comments.filter((x) => x.source === "client");
    should(stored).have.length(1);
    should(stored[0].body).match(new RegExp(`^\\[ServiceNow ${c.number}\\] comment by agent.smith at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\nClient says: go ahead$`));
    should(ensono.inspect.calls("dev").filter((x) => ["update", "approve", "reject"].includes(x.route) && x.ticketNumber === n)).have.length(0);
  });

  it("downloads each public attachment and attaches it once", async function () {
    const { ensono, snow } = w;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]);
    const n = ensono.agent.createChange("dev", {
      type: "Normal",
      shortDescription: "Attachments",
      attachments: [
        { fileName: "plan.txt", contentType: "text/plain", content: Buffer.from("step 1\nstep 2") },
        { fileName: "diagram.png", contentType: "image/png", content: png },
      ],
    });
    await drained(ensono);
    ensono.agent.addPublicAttachment("dev", n, "later.txt", Buffer.from("added later"), "text/plain");
    await drained(ensono);
    // the first Attachment transaction delivered again
    const t = ensono.inspect.ticket("dev", n)!;
    const model = ensono.agent as unknown as EnsonoModel;
    const stored = model.tickets.get(n)!;
    model.enqueue(stored, "Attachment", model.attachmentBody(stored, stored.attachments[0], model.publishDownload(stored, stored.attachments[0])));
    await drained(ensono);
    const [c] = changesOf(snow, n);
    const files = snow.attachments(c.sys_id);
    should(files.map((f) => f.file_name).sort()).eql(["diagram.png", "later.txt", "plan.txt"]);
    should(files.find((f) => f.file_name === "diagram.png")!.content.equals(png)).be.true();
    should(files.find((f) => f.file_name === "plan.txt")!.content.toString()).equal("step 1\nstep 2");
    should(files.find((f) => f.file_name === "plan.txt")!.content_type).equal("text/plain");
    should(t.attachments).have.length(3);
  });

  describe("the Normal Change Scenarios table", function () {
    const approver = { name: "CAB", email: "cab.approver@client.example" };

    /** A Normal change with one external approver, decided in ServiceNow by the CAB; returns the Ensono number and the client change. */
    async function decided(decision: "approve" | "reject"): Promise<{ n: string; c: Row }> {
      const { ensono, snow } = w;
      const n = ensono.agent.createChange("dev", { type: "Normal", shortDescription: `scenario ${decision}`, approvers: [approver] });
      await drained(ensono);
      const [c] = changesOf(snow, n);
      const [a] = snow.table("sysapproval_approver").query(`sysapproval=${c.sys_id}`);
      if (decision === "approve") snow.agent("cab.approver").approve(a.sys_id, "fine");
      else snow.agent("cab.approver").reject(a.sys_id, "time conflict");
      await eventually(() => ensono.inspect.calls("dev").some((x) => x.route === decision && x.ticketNumber === n && x.status === 200));
      return { n, c };
    }
    const state = (c: Row) => {
      const r = w.snow.table("change_request").get(c.sys_id)!;
      return [r.state, r.active];
    };

    for (const [code, snowCode] of [["Successful", "successful"], ["Successful with issues", "successful_issues"], ["Unsuccessful", "unsuccessful"]]) {
      it(`Approve · ${code}: closes the client change with close code ${snowCode}`, async function () {
        const { n, c } = await decided("approve");
        for (const s of ["Authorize", "Scheduled", "Implement", "Review"]) w.ensono.agent.changeState("dev", n, s);
        w.ensono.agent.changeState("dev", n, "Closed", { closeCode: code, closeNotes: "Free text" });
        await drained(w.ensono);
        const r = w.snow.table("change_request").get(c.sys_id)!;
        should([r.state, r.close_code, r.close_notes]).eql(["3", snowCode, "Free text"]);
      });
    }

    it("Approve · Ensono rejects and moves to New: cancels the client change", async function () {
      const { n, c } = await decided("approve");
      w.ensono.agent.changeState("dev", n, "Authorize");
      w.ensono.agent.redraft("dev", n);
      await drained(w.ensono);
      should(state(c)).eql(["4", "false"]);
      should(changesOf(w.snow, n)).have.length(1);
    });

    it("Approve · Cancelled: cancels the client change", async function () {
      const { n, c } = await decided("approve");
      w.ensono.agent.changeState("dev", n, "Cancelled");
      await drained(w.ensono);
      should(state(c)).eql(["4", "false"]);
      should(w.snow.table("change_request").get(c.sys_id)!.close_notes).equal("Canceled in Ensono.");
    });

    it("Approve · Move to New: cancels the client change, which keeps its correlation_id", async function () {
      const { n, c } = await decided("approve");
      w.ensono.agent.redraft("dev", n);
      await drained(w.ensono);
      should(state(c)).eql(["4", "false"]);
      should(w.snow.table("change_request").get(c.sys_id)!.correlation_id).equal(n);
    });

    it("Approve · New then Assess again: the previous change is canceled and a new one opens, with its number returned", async function () {
      const { n, c } = await decided("approve");
      w.ensono.agent.redraft("dev", n);
      w.ensono.agent.changeState("dev", n, "Assess");
      await drained(w.ensono);
      const all = changesOf(w.snow, n);
      should(all).have.length(2);
      should(all[0].sys_id).equal(c.sys_id);
      should([all[0].state, all[0].active]).eql(["4", "false"]);
      should([all[1].state, all[1].active, all[1].type]).eql(["-4", "true", "normal"]);
      await eventually(() => w.ensono.inspect.ticket("dev", n)?.clientTicketNumber === all[1].number);
      // the new round's approval request lands on the new change
      should(w.snow.table("sysapproval_approver").query(`sysapproval=${all[1].sys_id}`)).have.length(1);
    });

    it("Reject · Cancelled: nothing to do once the client change is closed", async function () {
      const { n, c } = await decided("reject");
      // the client's CAB closes its rejected change
      w.snow.agent("agent.smith").update("change_request", c.sys_id, { state: "4" });
      const before = w.snow.table("change_request").get(c.sys_id)!;
      w.ensono.agent.changeState("dev", n, "Cancelled");
      await drained(w.ensono);
      const after = w.snow.table("change_request").get(c.sys_id)!;
      should(after.sys_mod_count).equal(before.sys_mod_count);
      should(workNotes(w.snow, c.sys_id).filter((t) => /^Ensono moved/.test(t))).have.length(0);
      should(changesOf(w.snow, n)).have.length(1);
    });

    it("Reject · Move to New: cancels the client change", async function () {
      const { n, c } = await decided("reject");
      w.ensono.agent.redraft("dev", n);
      await drained(w.ensono);
      should(state(c)).eql(["4", "false"]);
    });

    it("Reject · New then Assess again: a new change opens on the next Assess", async function () {
      const { n, c } = await decided("reject");
      w.ensono.agent.redraft("dev", n);
      await drained(w.ensono);
      should(changesOf(w.snow, n)).have.length(1);
      w.ensono.agent.changeState("dev", n, "Assess");
      await drained(w.ensono);
      const all = changesOf(w.snow, n);
      should(all.map((r) => [r.sys_id === c.sys_id, r.state])).eql([[true, "4"], [false, "-4"]]);
    });
  });
});
