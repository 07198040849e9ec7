/**
 * flows/servicenow-ensono.json, ServiceNow → Ensono: the flow file unchanged, in a
 * real Node-RED, configured only by PRODUCT.md's environment variables, against the
 * ServiceNow and Ensono simulators. ServiceNow's agent (agent.smith) drives the story;
 * the assertions read the simulators' state (records, journal, Ensono tickets, calls).
 */
import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEnsonoSandbox, type EnsonoSandbox, type TicketView } from "../../sandbox/ensono";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";

const FLOW = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", "servicenow-ensono.json"), "utf8")) as unknown[];

describe(`servicenow-ensono.json: ServiceNow → Ensono (${RUNTIME})`, function () {
  this.timeout(120_000);
  let ensono: EnsonoSandbox;
  let snow: SnowSandbox;
  let red: RunningNodeRed;
  const agent = () => snow.agent("agent.smith");

  const byClient = (number: string): TicketView[] => ensono.inspect.tickets("dev").filter((t) => t.clientTicketNumber === number);
  const ticketOf = (number: string) => eventually(() => (byClient(number).length === 1 ? byClient(number)[0] : undefined), 20_000);
  const updates = (n: string) => ensono.inspect.calls("dev").filter((c) => c.route === "update" && c.ticketNumber === n && c.status && c.status < 300).map((c) => (c.body as { payload: Record<string, unknown> }).payload);
  const rec = (table: string, sysId: string) => snow.table(table).get(sysId) as Record<string, string>;

  /** an incident assigned to Ensono, bonded: returns [record, Ensono ticket] */
  async function bondedIncident(fields: Record<string, unknown> = {}): Promise<[Record<string, string>, TicketView]> {
    const inc = agent().createIncident({ short_description: "Disk full on FS01", description: "E: is at 99%", impact: "2", urgency: "2", assignment_group: "Ensono", caller_id: "agent.smith", ...fields });
    const t = await ticketOf(inc.number);
    await eventually(() => rec("incident", inc.sys_id).correlation_id === t.number);
    return [inc, t];
  }

  before(async function () {
    [ensono, snow] = await Promise.all([startEnsonoSandbox(), startSnowSandbox()]);
    snow.setRoles("agent.smith", ["itil", "itil_admin"]); // closing an incident needs itil_admin
    red = await startNodeRed({
      flows: FLOW,
      env: sandboxEnv({ ensono, snow }, { pollSeconds: 1 }),
    });
    // the watchers' first poll takes what exists as history: wait for both
    await eventually(() => ["incident", "sc_req_item"].every((t) => snow.requests.some((r) => r.method === "GET" && r.path === `/api/now/table/${t}` && r.status === 200)));
    await new Promise((r) => setTimeout(r, 1500));
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
    await Promise.all([ensono?.close(), snow?.close()]);
  });

  it("creates an incident of ENSONO_GROUP once at Ensono, with priority, mapped group, contact, earlier comments and the extra fields in the description", async function () {
    const inc = agent().createIncident({ short_description: "VPN down", description: "since 9:00", impact: "1", urgency: "2", category: "network", subcategory: "vpn", caller_id: "agent.smith" });
    agent().comment("incident", inc.sys_id, "Users in Leeds cannot connect.\nSince 9:00.");
    agent().update("incident", inc.sys_id, { assignment_group: "Ensono" });
    const t = await ticketOf(inc.number);
    should(t.ticketType).equal("Incident");
    should(t.priority).equal("2");
    should(t.group).equal("Ensono Service Desk");
    should(t.shortDescription).equal("VPN down");
    should(t.description).equal("since 9:00\n\n-- ServiceNow fields --\nCategory: network\nSubcategory: vpn");
    should(t.contactName).equal("Agent Smith");
    should(t.contactEmail).equal("agent.smith@client.example");
    should(t.comments.map((c) => c.body)).eql(["Users in Leeds cannot connect.\nSince 9:00."]);
    await eventually(() => rec("incident", inc.sys_id).correlation_id === t.number);
    should(rec("incident", inc.sys_id).correlation_display).equal("Ensono");
    // later changes never create again
    agent().comment("incident", inc.sys_id, "Any news?");
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.comments.length === 2);
    should(byClient(inc.number)).have.length(1);
    should(ensono.inspect.calls("dev").filter((c) => c.route === "create" && (c.body as { payload: { clientTicketNumber: string } }).payload.clientTicketNumber === inc.number)).have.length(1);
  });

  it("leaves incidents of other groups and records bonded to another system alone", async function () {
    const a = agent().createIncident({ short_description: "printer", assignment_group: "Service Desk" });
    const b = agent().createIncident({ short_description: "aws", assignment_group: "Ensono", correlation_id: "case-1", correlation_display: "AWS Support 111111111111" });
    const c = agent().createIncident({ short_description: "control", assignment_group: "Ensono" });
    await ticketOf(c.number);
    should(byClient(a.number)).have.length(0);
    should(byClient(b.number)).have.length(0);
  });

  it("sends only the changed fields: short description, description with the extra fields, priority (5 → 4)", async function () {
    const [inc, t] = await bondedIncident();
    const before = updates(t.number).length;
    agent().update("incident", inc.sys_id, { short_description: "Disk full on FS01 (E:)" });
    await eventually(() => updates(t.number).length === before + 1);
    should(updates(t.number)[before]).eql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: inc.number, shortDescription: "Disk full on FS01 (E:)" });
    agent().update("incident", inc.sys_id, { impact: "3", urgency: "3" });
    await eventually(() => updates(t.number).length === before + 2);
    should(updates(t.number)[before + 1]).eql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: inc.number, priority: "4" });
    agent().update("incident", inc.sys_id, { subcategory: "storage" });
    await eventually(() => updates(t.number).length === before + 3);
    should(Object.keys(updates(t.number)[before + 2])).eql(["clientName", "ticketType", "clientTicketNumber", "description"]);
    should(ensono.inspect.ticket("dev", t.number)!.description).equal("E: is at 99%\n\n-- ServiceNow fields --\nSubcategory: storage");
  });

  it("maps every ServiceNow state to the Ensono status: 2, 3 with each hold reason, 1, 6, 7 (resolved first), and a reopen", async function () {
    const [inc, t] = await bondedIncident();
    const status = () => ensono.inspect.ticket("dev", t.number)!;
    const set = async (fields: Record<string, unknown>, want: string) => {
      agent().update("incident", inc.sys_id, fields);
      await eventually(() => status().status === want);
    };
    await set({ state: "2" }, "workingprogress");
    await set({ state: "3", hold_reason: "4" }, "pending");
    should(updates(t.number).at(-1)!.status).equal("pending");
    await set({ state: "2" }, "workingprogress");
    await set({ state: "3", hold_reason: "1" }, "pending");
    await set({ state: "1" }, "open");
    await set({ state: "6", close_code: "Solution provided", close_notes: "disk extended" }, "resolved");
    should(status().closeNotes).equal("disk extended");
    await set({ state: "2" }, "workingprogress"); // ServiceNow reopens: the status goes
    agent().update("incident", inc.sys_id, { state: "7", close_code: "Solution provided", close_notes: "done" });
    await eventually(() => status().status === "closed");
    should(updates(t.number).slice(-2).map((p) => p.status)).eql(["resolved", "closed"]);
  });

  it("sends 7 Closed alone when Ensono is resolved already, and 8 Canceled as cancelled", async function () {
    const [inc, t] = await bondedIncident();
    agent().update("incident", inc.sys_id, { state: "6", close_code: "Solution provided", close_notes: "fixed" });
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.status === "resolved");
    const n = updates(t.number).length;
    agent().update("incident", inc.sys_id, { state: "7" });
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.status === "closed");
    should(updates(t.number).slice(n).map((p) => p.status)).eql(["closed"]);
    const [inc2, t2] = await bondedIncident();
    agent().update("incident", inc2.sys_id, { state: "8", close_notes: "raised by mistake" });
    await eventually(() => ensono.inspect.ticket("dev", t2.number)!.status === "cancelled");
  });

  it("moves the Ensono ticket to the generic client group and pending on an internal reassignment, and back", async function () {
    const [inc, t] = await bondedIncident({ state: "2" });
    agent().update("incident", inc.sys_id, { assignment_group: "Network" });
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.group === "CLIENT - Ensono Other");
    should(ensono.inspect.ticket("dev", t.number)!.status).equal("pending");
    should(updates(t.number).at(-1)).eql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: inc.number, status: "pending", group: "CLIENT - Ensono Other" });
    agent().update("incident", inc.sys_id, { assignment_group: "Ensono" });
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.group === "Ensono Service Desk");
    should(ensono.inspect.ticket("dev", t.number)!.status).equal("workingprogress");
  });

  it("sends customer-visible comments as notes (body verbatim, attribution in the commenter fields), never work notes, and attachments as files", async function () {
    const [inc, t] = await bondedIncident();
    agent().comment("incident", inc.sys_id, 'Rebooted twice.\n"Still" failing \\ see log');
    agent().workNote("incident", inc.sys_id, "internal: suspect the SAN");
    agent().attach("incident", inc.sys_id, "trace log.txt", Buffer.from("hop 1\nhop 2"), "text/plain");
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.attachments.length === 1 && ensono.inspect.ticket("dev", t.number)!.comments.length === 1);
    const tk = ensono.inspect.ticket("dev", t.number)!;
    should(tk.comments[0].body).equal('Rebooted twice.\n"Still" failing \\ see log');
    should(tk.comments[0].commenter).equal(`agent.smith (ServiceNow ${inc.number})`);
    should(tk.attachments[0].fileName).equal("trace-log.txt");
    should(tk.attachments[0].content.toString()).equal("hop 1\nhop 2");
    await new Promise((r) => setTimeout(r, 2500));
    should(ensono.inspect.ticket("dev", t.number)!.comments).have.length(1);
    should(ensono.inspect.ticket("dev", t.number)!.attachments).have.length(1);
  });

  it("creates a request item of ENSONO_GROUP as a Request and maps its states (2, -5, 3 → resolved then closed)", async function () {
    const ritm = agent().create("sc_req_item", { short_description: "New laptop", description: "for j.doe", assignment_group: "Ensono", priority: "3" });
    const t = await ticketOf(ritm.number);
    should(t.ticketType).equal("Request");
    await eventually(() => rec("sc_req_item", ritm.sys_id).correlation_id === t.number);
    agent().update("sc_req_item", ritm.sys_id, { state: "2" });
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.status === "workingprogress");
    agent().update("sc_req_item", ritm.sys_id, { state: "-5" });
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.status === "pending");
    agent().update("sc_req_item", ritm.sys_id, { state: "3" });
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.status === "closed");
    should(updates(t.number).slice(-2).map((p) => p.status)).eql(["resolved", "closed"]);
  });

  it("never resends a create that timed out: later changes wait, ReturnEnsonoNum bonds the record and what waited goes then", async function () {
    ensono.timeoutNextCreate({ env: "dev", answer: "504" });
    const inc = agent().createIncident({ short_description: "timeout story", description: "x", assignment_group: "Ensono" });
    const t = await ticketOf(inc.number); // the ticket exists at Ensono, the answer was lost
    await new Promise((r) => setTimeout(r, 1500));
    agent().comment("incident", inc.sys_id, "comment while the number is unknown");
    agent().update("incident", inc.sys_id, { short_description: "timeout story (edited)" });
    await new Promise((r) => setTimeout(r, 2500));
    should(rec("incident", inc.sys_id).correlation_id).equal("");
    ensono.clock.advance(6000); // ReturnEnsonoNum is queued
    await eventually(() => rec("incident", inc.sys_id).correlation_id === t.number);
    await eventually(() => ensono.inspect.ticket("dev", t.number)!.comments.some((c) => c.body === "comment while the number is unknown"));
    should(byClient(inc.number)).have.length(1);
    should(ensono.inspect.calls("dev").filter((c) => c.route === "create" && (c.body as { payload: { clientTicketNumber: string } }).payload.clientTicketNumber === inc.number)).have.length(1);
  });

  it("sends the bridge's default group when Ensono refuses the mapped group", async function () {
    ensono.variants; // the simulator's groups are fixed; make the mapped group unknown by removing it for this client
    const model = ensono.agent as unknown as { clients: Array<{ groups?: string[] }> };
    model.clients[0].groups = ["Ensono Support", "Ensono Network Support", "CLIENT - Ensono Other"];
    try {
      const inc = agent().createIncident({ short_description: "group refused", description: "x", assignment_group: "Ensono" });
      const t = await ticketOf(inc.number);
      should(t.group).equal("Ensono Support");
      const creates = ensono.inspect.calls("dev").filter((c) => c.route === "create" && (c.body as { payload: { clientTicketNumber: string } }).payload.clientTicketNumber === inc.number);
      should(creates.map((c) => [(c.body as { payload: { group: string } }).payload.group, c.status])).eql([["Ensono Service Desk", 400], ["Ensono Support", 200]]);
    } finally {
      delete model.clients[0].groups;
    }
  });
});
