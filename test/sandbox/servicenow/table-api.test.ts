import should from "should";
import { SimClock } from "../../../sandbox/common/clock";
import { startSnowSandbox, type SnowSandbox } from "../../../sandbox/servicenow";
import { basic, call } from "./client";

describe("ServiceNow simulator: Table API", function () {
  let snow: SnowSandbox;
  const start = Date.UTC(2025, 0, 15, 9, 30, 0);

  beforeEach(async function () {
    snow = await startSnowSandbox({ clock: new SimClock({ start, frozen: true }) });
  });
  afterEach(async function () {
    await snow.close();
  });

  it("creates an incident with number, sys fields and defaults, and reads it back", async function () {
    const created = await call(snow.url, "POST", "/api/now/table/incident?sysparm_exclude_reference_link=true", {
      json: { short_description: "Printer on fire", correlation_id: "case-123", correlation_display: "AWS Support 111111111111", bogus_field: "x" },
    });
    should(created.status).equal(201);
    const inc = created.body.result;
    should(inc.sys_id).match(/^[0-9a-f]{32}$/);
    should(inc.number).equal("INC0010001");
    should(inc.state).equal("1");
    should(inc.priority).equal("5");
    should(inc.sys_created_on).equal("2025-01-15 09:30:00");
    should(inc.sys_created_by).equal("integration");
    should(inc.sys_updated_by).equal("integration");
    should(inc.sys_mod_count).equal("0");
    should(inc.correlation_id).equal("case-123");
    should(inc.correlation_display).equal("AWS Support 111111111111");
    should(inc).not.have.property("bogus_field");
    should(created.headers.get("location")).equal(`${snow.url}/api/now/table/incident/${inc.sys_id}`);

    const second = await call(snow.url, "POST", "/api/now/table/incident", { json: { short_description: "again" } });
    should(second.body.result.number).equal("INC0010002");
    const change = await call(snow.url, "POST", "/api/now/table/change_request", { json: { short_description: "c" } });
    should(change.body.result.number).equal("CHG0030001");
    should(change.body.result.state).equal("-5");
    const ritm = await call(snow.url, "POST", "/api/now/table/sc_req_item", { json: { short_description: "r" } });
    should(ritm.body.result.number).equal("RITM0010001");

    const got = await call(snow.url, "GET", `/api/now/table/incident/${inc.sys_id}`);
    should(got.status).equal(200);
    should(got.body.result.short_description).equal("Printer on fire");
  });

  it("updates with PATCH and PUT, bumping sys_mod_count and sys_updated_* only on a real change", async function () {
    const inc = snow.table("incident").insert({ short_description: "a" });
    snow.clock.advance(60_000);
    const patched = await call(snow.url, "PATCH", `/api/now/table/incident/${inc.sys_id}`, { json: { state: "2", impact: "1", urgency: "1" } });
    should(patched.status).equal(200);
    should(patched.body.result.state).equal("2");
    should(patched.body.result.priority).equal("1");
    should(patched.body.result.sys_mod_count).equal("1");
    should(patched.body.result.sys_updated_on).equal("2025-01-15 09:31:00");
    should(patched.body.result.sys_updated_by).equal("integration");
    should(patched.body.result.sys_created_by).equal("system");

    snow.clock.advance(60_000);
    const same = await call(snow.url, "PUT", `/api/now/table/incident/${inc.sys_id}`, { json: { state: "2" } });
    should(same.body.result.sys_mod_count).equal("1");
    should(same.body.result.sys_updated_on).equal("2025-01-15 09:31:00");
    should(same.body.result.short_description).equal("a");
  });

  it("deletes a record (204) and then answers 404 No Record found", async function () {
    const inc = snow.table("incident").insert({ short_description: "gone soon" });
    const del = await call(snow.url, "DELETE", `/api/now/table/incident/${inc.sys_id}`);
    should(del.status).equal(204);
    should(del.text).equal("");
    const again = await call(snow.url, "GET", `/api/now/table/incident/${inc.sys_id}`);
    should(again.status).equal(404);
    should(again.body).eql({ error: { message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval" }, status: "failure" });
  });

  it("answers an unknown table with 400 Invalid table", async function () {
    const r = await call(snow.url, "GET", "/api/now/table/incidents");
    should(r.status).equal(400);
    should(r.body).eql({ error: { message: "Invalid table incidents", detail: null }, status: "failure" });
  });

  it("refuses invalid JSON with 400 in the error shape", async function () {
    const r = await call(snow.url, "POST", "/api/now/table/incident", { body: "{not json", contentType: "application/json" });
    should(r.status).equal(400);
    should(r.body.status).equal("failure");
    should(r.body.error.message).be.a.String();
  });

  it("filters with encoded queries: =, !=, LIKE, STARTSWITH, IN, NOT IN, ISEMPTY, ^OR, ^NQ and ORDERBY", async function () {
    const t = snow.table("incident");
    t.insert({ short_description: "Disk full on db1", priority: "1", category: "aws", state: "2" });
    t.insert({ short_description: "VPN down", category: "network", state: "1" });
    t.insert({ short_description: "disk slow", category: "", state: "6", close_code: "Solution provided", close_notes: "ok" });
    t.insert({ short_description: "Printer jam", category: "hardware", state: "3" });
    const numbers = async (q: string) => {
      const r = await call(snow.url, "GET", `/api/now/table/incident?sysparm_fields=number&sysparm_query=${encodeURIComponent(q)}`);
      should(r.status).equal(200);
      return r.body.result.map((x: { number: string }) => x.number);
    };
    should(await numbers("category=aws")).eql(["INC0010001"]);
    should(await numbers("category=AWS")).eql(["INC0010001"]);
    should(await numbers("state!=1^state!=3")).eql(["INC0010001", "INC0010003"]);
    should(await numbers("short_descriptionLIKEdisk")).eql(["INC0010001", "INC0010003"]);
    should(await numbers("short_descriptionSTARTSWITHvpn")).eql(["INC0010002"]);
    should(await numbers("stateIN1,3")).eql(["INC0010002", "INC0010004"]);
    should(await numbers("stateNOT IN1,3")).eql(["INC0010001", "INC0010003"]);
    should(await numbers("categoryISEMPTY")).eql(["INC0010003"]);
    should(await numbers("categoryISNOTEMPTY^state>=2")).eql(["INC0010001", "INC0010004"]);
    should(await numbers("category=network^ORcategory=hardware")).eql(["INC0010002", "INC0010004"]);
    should(await numbers("state=6^NQcategory=aws")).eql(["INC0010001", "INC0010003"]);
    should(await numbers("stateIN1,2,3^ORDERBYDESCnumber")).eql(["INC0010004", "INC0010002", "INC0010001"]);
    should(await numbers("ORDERBYstate")).eql(["INC0010002", "INC0010001", "INC0010004", "INC0010003"]);
    should(await numbers("state<3")).eql(["INC0010001", "INC0010002"]);
    should(await numbers("stateNOTIN1,2,3")).eql(["INC0010003"]);
    should(await numbers("short_descriptionNOT LIKEdisk^stateBETWEEN1@3")).eql(["INC0010002", "INC0010004"]);
    should(await numbers("short_descriptionENDSWITHjam^EQ")).eql(["INC0010004"]);
  });

  it("compares dates as 'YYYY-MM-DD HH:mm:ss' strings and dot-walks references", async function () {
    const t = snow.table("incident");
    const ensono = snow.groupId("Ensono");
    t.insert({ short_description: "early", assignment_group: ensono });
    snow.clock.advance(3_600_000);
    t.insert({ short_description: "late", assignment_group: "Network" });
    const q = async (query: string) =>
      (await call(snow.url, "GET", `/api/now/table/incident?sysparm_fields=short_description&sysparm_query=${encodeURIComponent(query)}`)).body.result.map((x: { short_description: string }) => x.short_description);
    should(await q("sys_created_on>2025-01-15 09:30:00")).eql(["late"]);
    should(await q("sys_created_on>=2025-01-15 09:30:00^ORDERBYDESCsys_created_on")).eql(["late", "early"]);
    should(await q("sys_updated_on<javascript:gs.dateGenerate('2025-01-15','10:00:00')")).eql(["early"]);
    should(await q("assignment_group.name=Ensono")).eql(["early"]);
    should(await q(`assignment_group=${ensono}`)).eql(["early"]);
  });

  it("keeps an escaped caret (^^) inside a value instead of splitting the query", async function () {
    const t = snow.table("incident");
    t.insert({ short_description: "a^b" });
    t.insert({ short_description: "a" });
    const r = await call(snow.url, "GET", `/api/now/table/incident?sysparm_fields=short_description&sysparm_query=${encodeURIComponent("short_description=a^^b")}`);
    should(r.body.result).eql([{ short_description: "a^b" }]);
  });

  it("pages past 1,000 rows with X-Total-Count and Link first/prev/next/last headers", async function () {
    this.timeout(20000);
    const t = snow.table("incident");
    for (let i = 0; i < 2500; i++) t.insert({ short_description: `bulk ${i}` });
    const first = await call(snow.url, "GET", "/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_fields=number&sysparm_limit=1000");
    should(first.headers.get("x-total-count")).equal("2500");
    should(first.body.result).have.length(1000);
    const links = Object.fromEntries(
      first.headers
        .get("link")!
        .split(",")
        .map((part) => {
          const m = /^<([^>]+)>;rel="(\w+)"$/.exec(part.trim())!;
          return [m[2], m[1]];
        }),
    );
    should(Object.keys(links).sort()).eql(["first", "last", "next"]);
    should(links.next).containEql("sysparm_offset=1000");
    should(links.next).containEql("sysparm_limit=1000");
    should(links.next).containEql("sysparm_query=ORDERBYnumber");
    should(links.last).containEql("sysparm_offset=2000");

    // follow next links to the end
    let url: string | undefined = links.next;
    const seen = first.body.result.map((r: { number: string }) => r.number);
    let calls = 1;
    while (url) {
      const page = await call("", "GET", url);
      calls++;
      seen.push(...page.body.result.map((r: { number: string }) => r.number));
      const next = /<([^>]+)>;rel="next"/.exec(page.headers.get("link") ?? "");
      const prev = /<([^>]+)>;rel="prev"/.exec(page.headers.get("link") ?? "");
      should(prev).not.be.null();
      url = next?.[1];
    }
    should(calls).equal(3);
    should(seen).have.length(2500);
    should(new Set(seen).size).equal(2500);
    should(seen[0]).equal("INC0010001");
    should(seen[2499]).equal("INC0012500");
  });

  it("defaults sysparm_limit to 10000", async function () {
    const t = snow.table("sys_user_group");
    for (let i = 0; i < 20; i++) t.insert({ name: `g${i}` });
    const r = await call(snow.url, "GET", "/api/now/table/sys_user_group?sysparm_fields=name");
    should(r.body.result).have.length(25);
    should(r.headers.get("link")).containEql("sysparm_limit=10000");
  });

  it("resolves references written by name or sys_id and shows display values (true / all / reference links)", async function () {
    const group = snow.groupId("Ensono");
    const created = await call(snow.url, "POST", "/api/now/table/incident", { json: { short_description: "x", assignment_group: "Ensono", caller_id: "agent.smith", state: "2" } });
    const id = created.body.result.sys_id;
    should(created.body.result.assignment_group).eql({ link: `${snow.url}/api/now/table/sys_user_group/${group}`, value: group });

    const plain = await call(snow.url, "GET", `/api/now/table/incident/${id}?sysparm_exclude_reference_link=true&sysparm_fields=assignment_group,caller_id,state`);
    should(plain.body.result).eql({ assignment_group: group, caller_id: snow.userId("agent.smith"), state: "2" });

    const display = await call(snow.url, "GET", `/api/now/table/incident/${id}?sysparm_display_value=true&sysparm_exclude_reference_link=true&sysparm_fields=assignment_group,caller_id,state,priority`);
    should(display.body.result).eql({ assignment_group: "Ensono", caller_id: "Agent Smith", state: "In Progress", priority: "5 - Planning" });

    const all = await call(snow.url, "GET", `/api/now/table/incident/${id}?sysparm_display_value=all&sysparm_fields=assignment_group,state`);
    should(all.body.result).eql({
      assignment_group: { display_value: "Ensono", link: `${snow.url}/api/now/table/sys_user_group/${group}`, value: group },
      state: { display_value: "In Progress", value: "2" },
    });

    const walked = await call(snow.url, "GET", `/api/now/table/incident/${id}?sysparm_fields=assignment_group.name,number`);
    should(walked.body.result).eql({ "assignment_group.name": "Ensono", number: "INC0010001" });
  });

  it("refuses resolving an incident without close code and notes (data policy, 403), and accepts it with both", async function () {
    const inc = snow.table("incident").insert({ short_description: "x", state: "2" });
    const refused = await call(snow.url, "PATCH", `/api/now/table/incident/${inc.sys_id}`, { json: { state: "6", close_code: "Solution provided" } });
    should(refused.status).equal(403);
    should(refused.body).eql({ error: { message: "Operation Failed", detail: "Data Policy Exception: \n\tThe following fields are mandatory: Resolution notes\n" }, status: "failure" });
    should(snow.table("incident").get(inc.sys_id)!.state).equal("2");

    const ok = await call(snow.url, "PATCH", `/api/now/table/incident/${inc.sys_id}`, { json: { state: "6", close_code: "Solution provided", close_notes: "Fixed by AWS" } });
    should(ok.status).equal(200);
    should(ok.body.result.state).equal("6");
    should(ok.body.result.resolved_at).equal("2025-01-15 09:30:00");

    const closed = await call(snow.url, "PATCH", `/api/now/table/incident/${inc.sys_id}`, { json: { state: "7" } });
    should(closed.body.result.state).equal("7");
    should(closed.body.result.active).equal("false");
  });

  it("drops an incident close (state 7) written by a user without itil_admin, like a field ACL", async function () {
    const inc = snow.table("incident").insert({ short_description: "x", state: "6", close_code: "Solution provided", close_notes: "n" });
    const r = await call(snow.url, "PATCH", `/api/now/table/incident/${inc.sys_id}`, { auth: basic("agent.smith", "agent-pass"), json: { state: "7" } });
    should(r.status).equal(200);
    should(r.body.result.state).equal("6");
  });

  it("requires close code and notes to close a change, and keeps change states and codes", async function () {
    const chg = snow.table("change_request").insert({ short_description: "patch", type: "normal", state: "-4" });
    const refused = await call(snow.url, "PATCH", `/api/now/table/change_request/${chg.sys_id}`, { json: { state: "3" } });
    should(refused.status).equal(403);
    should(refused.body.error.detail).containEql("Close code, Close notes");
    const ok = await call(snow.url, "PATCH", `/api/now/table/change_request/${chg.sys_id}?sysparm_display_value=true`, { json: { state: "3", close_code: "successful_issues", close_notes: "done" } });
    should(ok.body.result.state).equal("Closed");
    should(ok.body.result.close_code).equal("Successful with issues");
    should(ok.body.result.active).equal("false");
  });

  it("answers 403 with the ACL shape to a user without the table's write role, and to snc_read_only users", async function () {
    const denied = await call(snow.url, "POST", "/api/now/table/incident", { auth: basic("cab.approver", "approver-pass"), json: { short_description: "x" } });
    should(denied.status).equal(403);
    should(denied.body).eql({ error: { message: "Operation Failed", detail: "ACL Exception Insert Failed due to security constraints" }, status: "failure" });

    const inc = snow.table("incident").insert({ short_description: "x" });
    // reads are filtered by ACLs as the platform does: an empty list, and 404 for the record
    const list = await call(snow.url, "GET", "/api/now/table/incident", { auth: basic("cab.approver", "approver-pass") });
    should(list.status).equal(200);
    should(list.body.result).eql([]);
    should((await call(snow.url, "GET", `/api/now/table/incident/${inc.sys_id}`, { auth: basic("cab.approver", "approver-pass") })).status).equal(404);
    snow.setRoles("agent.smith", ["itil", "snc_read_only"]);
    const read = await call(snow.url, "GET", `/api/now/table/incident/${inc.sys_id}`, { auth: basic("agent.smith", "agent-pass") });
    should(read.status).equal(200);
    const write = await call(snow.url, "PATCH", `/api/now/table/incident/${inc.sys_id}`, { auth: basic("agent.smith", "agent-pass"), json: { state: "2" } });
    should(write.status).equal(403);
    should(write.body.error.detail).equal("ACL Exception Update Failed due to security constraints");
  });

  it("sets sc_req_item and sysapproval_approver states and rolls approvals up to the task", async function () {
    const chg = snow.table("change_request").insert({ short_description: "cab", state: "-3" });
    const approver = snow.userId("cab.approver");
    const a1 = await call(snow.url, "POST", "/api/now/table/sysapproval_approver?sysparm_exclude_reference_link=true", { json: { approver: "cab.approver", sysapproval: chg.number } });
    should(a1.status).equal(201);
    should(a1.body.result.approver).equal(approver);
    should(a1.body.result.sysapproval).equal(chg.sys_id);
    should(a1.body.result.state).equal("requested");
    should(a1.body.result.source_table).equal("change_request");
    should(snow.table("change_request").get(chg.sys_id)!.approval).equal("requested");

    snow.agent("cab.approver").approve(a1.body.result.sys_id, "Looks fine");
    const after = snow.table("sysapproval_approver").get(a1.body.result.sys_id)!;
    should(after.state).equal("approved");
    should(after.sys_updated_by).equal("cab.approver");
    should(snow.journal(after.sys_id).map((j) => [j.element, j.value, j.sys_created_by])).eql([["comments", "Looks fine", "cab.approver"]]);
    should(snow.table("change_request").get(chg.sys_id)!.approval).equal("approved");

    const ritm = snow.table("sc_req_item").insert({ short_description: "laptop" });
    const done = await call(snow.url, "PATCH", `/api/now/table/sc_req_item/${ritm.sys_id}?sysparm_display_value=true`, { json: { state: "3" } });
    should(done.body.result.state).equal("Closed Complete");
    should(done.body.result.active).equal("false");
  });

  it("lists every task table's records under /table/task", async function () {
    snow.table("incident").insert({ short_description: "i" });
    snow.table("change_request").insert({ short_description: "c" });
    const r = await call(snow.url, "GET", "/api/now/table/task?sysparm_fields=number,sys_class_name&sysparm_query=ORDERBYnumber");
    should(r.body.result).eql([
      { number: "CHG0030001", sys_class_name: "change_request" },
      { number: "INC0010001", sys_class_name: "incident" },
    ]);
  });
});
