/**
 * flows/servicenow-ensono.json, Ensono → ServiceNow: every transaction type from the
 * Ensono agent's queue and every row of PRODUCT.md's "Ensono ⇄ ServiceNow" table (and
 * the sc_req_item table), in a real Node-RED run from the flow file with only the
 * environment variables. Assertions read the simulators' records, journal and calls.
 */
import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";

const FLOW = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", "servicenow-ensono.json"), "utf8")) as unknown[];

describe(`servicenow-ensono.json: Ensono → ServiceNow (${RUNTIME})`, function () {
  this.timeout(120_000);
  let ensono: EnsonoSandbox;
  let snow: SnowSandbox;
  let red: RunningNodeRed;
  const A = () => ensono.agent;

  const bonded = (table: string, n: string) => snow.table(table).query(`correlation_id=${n}`);
  const recordOf = (table: string, n: string) => eventually(() => (bonded(table, n).length === 1 ? bonded(table, n)[0] : undefined), 20_000);
  const fresh = (table: string, sysId: string) => snow.table(table).get(sysId) as Record<string, string>;
  const drained = () => eventually(() => {
    const q = ensono.inspect.queue("dev");
    return q.visible === 0 && q.inFlight === 0;
  });
  async function openIncident(fields: Record<string, unknown> = {}): Promise<[string, Record<string, string>]> {
    const n = A().openTicket("dev", { ticketType: "Incident", shortDescription: "Backup job failed", description: "Job 42 on BK01", priority: "2", ...fields });
    const rec = await recordOf("incident", n);
    await eventually(() => ensono.inspect.ticket("dev", n)!.clientTicketNumber === rec.number);
    return [n, rec];
  }

  before(async function () {
    [ensono, snow] = await Promise.all([startEnsonoSandbox(), startSnowSandbox()]);
    red = await startNodeRed({
      flows: FLOW,
      env: sandboxEnv({ ensono, snow }, { pollSeconds: 1 }),
    });
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
    await Promise.all([ensono?.close(), snow?.close()]);
  });

  it("Create opens an incident (1 New, ENSONO_GROUP, impact/urgency from the priority, bonded) and returns its number with returnptn", async function () {
    const [n, rec] = await openIncident({ priority: "2" });
    should(rec).containDeep({ state: "1", impact: "1", urgency: "2", priority: "2", short_description: "Backup job failed", description: "Job 42 on BK01", correlation_display: "Ensono", assignment_group: snow.groupId("Ensono") });
    should(ensono.inspect.calls("dev").filter((c) => c.route === "returnptn" && c.ticketNumber === n).map((c) => c.status)).eql([200]);
    await drained();
    // the ServiceNow watcher does not send the new record back to Ensono
    await new Promise((r) => setTimeout(r, 2000));
    should(ensono.inspect.calls("dev").filter((c) => c.route === "create")).have.length(0);
  });

  it("Create of a Request opens a sc_req_item and maps the request states (open 1, workingprogress 2, pending -5, resolved/closed 3, cancelled 4)", async function () {
    const n = A().openTicket("dev", { ticketType: "Request", shortDescription: "New laptop", description: "for j.doe" });
    const ritm = await recordOf("sc_req_item", n);
    should(ritm.number).match(/^RITM/);
    should(ritm.state).equal("1");
    await eventually(() => ensono.inspect.ticket("dev", n)!.clientTicketNumber === ritm.number);
    const step = async (changes: Record<string, string>, state: string) => {
      A().update("dev", n, changes);
      await eventually(() => fresh("sc_req_item", ritm.sys_id).state === state);
    };
    await step({ status: "workingprogress" }, "2");
    await step({ status: "pending", statusNextAction: "pending-client" }, "-5");
    await step({ status: "open" }, "1");
    await step({ status: "resolved", closeCode: "resolved", closeNotes: "delivered" }, "3");
    A().close("dev", n);
    await drained();
    should(fresh("sc_req_item", ritm.sys_id).state).equal("3");
    const n2 = A().openTicket("dev", { ticketType: "Request", shortDescription: "Cancelled request", description: "x" });
    const r2 = await recordOf("sc_req_item", n2);
    A().update("dev", n2, { status: "cancelled", closeNotes: "not needed" });
    await eventually(() => fresh("sc_req_item", r2.sys_id).state === "4");
  });

  it("Update applies only `changed`: every status row, with each statusNextAction as hold_reason", async function () {
    const [n, rec] = await openIncident();
    const step = async (changes: Record<string, string>, want: Record<string, string>) => {
      A().update("dev", n, changes);
      await eventually(() => Object.entries(want).every(([k, v]) => fresh("incident", rec.sys_id)[k] === v));
    };
    await step({ status: "workingprogress" }, { state: "2" });
    await step({ status: "pending", statusNextAction: "pending-caller" }, { state: "3", hold_reason: "1" });
    await step({ status: "pending", statusNextAction: "pending-vendor" }, { state: "3", hold_reason: "4" });
    await step({ status: "pending", statusNextAction: "pending-change" }, { state: "3", hold_reason: "5" });
    await step({ status: "pending", statusNextAction: "pending-client" }, { state: "3", hold_reason: "1" });
    await step({ status: "open" }, { state: "2", hold_reason: "" });
    await step({ priority: "4" }, { impact: "2", urgency: "3", priority: "4" });
    await step({ priority: "1" }, { impact: "1", urgency: "1", priority: "1" });
    await step({ shortDescription: "Backup job 42 failed", description: "Job 42 on BK01\n\n-- ServiceNow fields --\nCategory: x" }, { short_description: "Backup job 42 failed", description: "Job 42 on BK01" });
    await step({ group: "Ensono Network Support" }, {}); // no mapping row: the assignment group stays
    await drained();
    should(fresh("incident", rec.sys_id).assignment_group).equal(snow.groupId("Ensono"));
    // nothing of this went back to Ensono (the integration user's own writes)
    should(ensono.inspect.calls("dev").filter((c) => c.route === "update" && c.ticketNumber === n)).have.length(0);
  });

  it("Closure resolves with each closeCode, closes, cancels (status or closeCode), and Ensono reopening a resolved ticket reopens the incident", async function () {
    const cases: Array<[string, string]> = [["resolved", "Solution provided"], ["resolved*", "Solution provided"], ["unresolved", "No resolution provided"], ["unresolved*", "No resolution provided"]];
    const opened = await Promise.all(cases.map(() => openIncident()));
    cases.forEach(([code], i) => A().resolve("dev", opened[i][0], code, `notes ${code}`));
    for (const [i, [code, closeCode]] of cases.entries()) {
      await eventually(() => fresh("incident", opened[i][1].sys_id).state === "6");
      should(fresh("incident", opened[i][1].sys_id)).containDeep({ close_code: closeCode, close_notes: `notes ${code}` });
    }
    // closed
    A().close("dev", opened[0][0]);
    await eventually(() => fresh("incident", opened[0][1].sys_id).state === "7");
    // re-open: Ensono resolved → open reopens the incident
    A().update("dev", opened[1][0], { status: "open" });
    await eventually(() => fresh("incident", opened[1][1].sys_id).state === "2");
    should(fresh("incident", opened[1][1].sys_id)).containDeep({ close_code: "", close_notes: "" });
    should(snow.journal(opened[1][1].sys_id).map((e) => e.value)).containEql("Incident was reopened. Previous solution was: notes resolved*");
    // cancelled as a status, and as a closeCode
    const [c1, r1] = await openIncident();
    A().update("dev", c1, { status: "cancelled", closeNotes: "duplicate" });
    await eventually(() => fresh("incident", r1.sys_id).state === "8");
    const [c2, r2] = await openIncident();
    A().resolve("dev", c2, "cancelled", "withdrawn");
    await eventually(() => fresh("incident", r2.sys_id).state === "8");
    should(fresh("incident", r2.sys_id).close_notes).equal("withdrawn");
  });

  it("Notes adds a customer-visible comment with an attribution header, the body verbatim", async function () {
    const [n, rec] = await openIncident();
    A().comment("dev", n, 'Restarted the agent.\n"Please" check \\\\BK01', { commenter: "Priya Nair", commenterEmail: "priya@ensono.example" });
    const entry = await eventually(() => snow.journal(rec.sys_id).find((e) => e.element === "comments"));
    const [header, ...body] = entry.value.split("\n");
    should(header).match(new RegExp(`^\\[Ensono ${n}\\] Priya Nair <priya@ensono\\.example> at \\S+ \\(note [0-9a-f]+\\):$`));
    should(body.join("\n")).equal('Restarted the agent.\n"Please" check \\\\BK01');
    should(entry.sys_created_by).equal("integration");
  });

  it("Attachment downloads the file from the message's URL and attaches it to the record, once", async function () {
    const [n, rec] = await openIncident();
    A().addPublicAttachment("dev", n, "job42.log", Buffer.from("line 1\nline 2\n"), "text/plain");
    const att = await eventually(() => snow.attachments(rec.sys_id)[0]);
    should(att).containDeep({ file_name: "job42.log", content_type: "text/plain", size_bytes: "14" });
    should(att.content.toString()).equal("line 1\nline 2\n");
    await drained();
    should(snow.attachments(rec.sys_id)).have.length(1);
  });

  it("a transaction that fails on 5 deliveries is deleted and recorded as a work note on the bonded record, or as a new incident when there is none", async function () {
    const [n, rec] = await openIncident();
    snow.faults.add({ kind: "status", status: 500, method: "PATCH", pathPrefix: `/api/now/table/incident/${rec.sys_id}`, count: 15 }); // 3 attempts per delivery (PATCH is retried), 5 deliveries
    A().update("dev", n, { shortDescription: "will not apply" });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 2500)); // delivered, failed, not deleted
      ensono.clock.advance(31_000); // the visibility timeout passes: the bridge delivers it again
    }
    const note = await eventually(() => snow.journal(rec.sys_id).find((e) => e.element === "work_notes"), 30_000);
    should(note.value).startWith(`Ensono Update transaction for ${n} could not be applied`);
    should(fresh("incident", rec.sys_id).short_description).equal("Backup job failed");
    await drained();
    // no bonded record: a new incident for the service desk
    const orphan = A().openTicket("dev", { ticketType: "Incident", shortDescription: "orphan", description: "x" });
    await eventually(() => bonded("incident", orphan).length === 1);
    snow.table("incident").update(bonded("incident", orphan)[0].sys_id, { correlation_id: "" });
    A().comment("dev", orphan, "nobody will see this");
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      ensono.clock.advance(31_000);
    }
    const desk = await eventually(() => snow.table("incident").query(`short_description=Ensono transaction not applied: Notes ${orphan}`)[0], 30_000);
    should(desk.description).match(/nobody will see this/);
  });
});
