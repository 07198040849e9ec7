import should from "should";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { coreNodes, initHelper, ourNodes, type TestHelper, type TestNode } from "../helpers/nodered";
import { eventually } from "../helpers/runtime";

type Msg = Record<string, any>;

describe("snow-incident node actions (against the ServiceNow simulator)", function () {
  this.timeout(20_000);
  let helper: TestHelper;
  let sb: SnowSandbox;

  before(() => {
    helper = initHelper();
  });
  beforeEach(async () => {
    sb = await startSnowSandbox();
  });
  afterEach(async () => {
    await helper.unload();
    await sb.close();
  });

  interface Rig {
    n: TestNode;
    out: Msg[];
    errors: Msg[];
    /** sends a message and resolves with the next output or caught error */
    call(msg: Msg): Promise<Msg>;
  }

  async function rig(props: Record<string, unknown> = {}, creds: Record<string, string> = { user: "integration", password: "integration-pass" }, instance: Record<string, unknown> = {}): Promise<Rig> {
    const flow = [
      { id: "inst", type: "snow-instance", url: sb.url, authType: "basic", timeout: 5, ...instance },
      { id: "n", type: "snow-incident", instance: "inst", table: "incident", action: "msg", guardCorrelation: true, wires: [["out"]], ...props },
      { id: "c", type: "catch", scope: ["n"], wires: [["err"]] },
      { id: "out", type: "helper" },
      { id: "err", type: "helper" },
    ];
    await helper.load([...ourNodes("snow-instance", "snow-incident"), ...coreNodes("catch")], flow, { inst: creds });
    const n = helper.getNode("n")!;
    const out: Msg[] = [];
    const errors: Msg[] = [];
    helper.getNode("out")!.on("input", (m: Msg) => out.push(m));
    helper.getNode("err")!.on("input", (m: Msg) => errors.push(m));
    return {
      n,
      out,
      errors,
      async call(msg) {
        const o = out.length;
        const e = errors.length;
        n.receive(msg);
        await eventually(() => out.length > o || errors.length > e, 15_000, 10);
        return out.length > o ? out[o] : errors[e];
      },
    };
  }

  it("creates an incident and returns it with its number", async () => {
    const r = await rig();
    const m = await r.call({ action: "create", payload: { short_description: "VPN down", urgency: "1" } });
    should(m.payload.number).match(/^INC/);
    should(m.snow).containDeep({ table: "incident", action: "create", existed: false });
    should(sb.table("incident").get(m.payload.sys_id)!.short_description).equal("VPN down");
  });

  it("returns the active record with the same correlation_id instead of creating a second", async () => {
    const r = await rig();
    const a = await r.call({ action: "create", payload: { short_description: "case", correlation_id: "case-77", correlation_display: "AWS Support 111111111111" } });
    const b = await r.call({ action: "create", payload: { short_description: "case again", correlation_id: "case-77" } });
    should(b.snow.existed).be.true();
    should(b.payload.sys_id).equal(a.payload.sys_id);
    should(sb.table("incident").query("correlation_id=case-77")).have.length(1);
  });

  it("updates only the fields given, by number", async () => {
    const inc = sb.agent().createIncident({ short_description: "keep me", urgency: "3" });
    const r = await rig();
    const m = await r.call({ action: "update", snow: { number: inc.number }, payload: { urgency: "1" } });
    should(m.payload.urgency).equal("1");
    should(m.payload.short_description).equal("keep me");
    const patch = sb.requests.filter((q) => q.method === "PATCH");
    should(patch).have.length(1);
  });

  it("gets a record by sys_id and by number", async () => {
    const inc = sb.agent().createIncident({ short_description: "find me" });
    const r = await rig();
    should((await r.call({ action: "get", payload: inc.sys_id })).payload.number).equal(inc.number);
    should((await r.call({ action: "get", snow: { number: inc.number } })).payload.sys_id).equal(inc.sys_id);
  });

  it("queries all pages past 1,000 records", async () => {
    for (let i = 0; i < 1100; i++) sb.table("incident").insert({ short_description: `bulk ${i}`, category: "network" });
    const r = await rig();
    const m = await r.call({ action: "query", payload: "category=network", snow: { fields: "sys_id,number" } });
    should(m.payload).have.length(1100);
    should(m.snow.count).equal(1100);
  });

  it("adds a customer-visible comment and a private work note, listed apart in the journal", async () => {
    const inc = sb.agent().createIncident({ short_description: "journal" });
    const r = await rig();
    await r.call({ action: "comment", snow: { sys_id: inc.sys_id }, payload: "We are on it" });
    await r.call({ action: "worknote", snow: { sys_id: inc.sys_id }, payload: "Escalated to network" });
    should(sb.journal(inc.sys_id).map((j) => [j.element, j.value])).eql([
      ["comments", "We are on it"],
      ["work_notes", "Escalated to network"],
    ]);
    const m = await r.call({ action: "journal", snow: { sys_id: inc.sys_id } });
    should(m.payload.map((e: Msg) => e.element)).eql(["comments", "work_notes"]);
  });

  it("uploads an attachment, lists it and downloads the agent's", async () => {
    const inc = sb.agent().createIncident({ short_description: "files" });
    sb.agent().attach("incident", inc.sys_id, "screen.png", Buffer.from([137, 80, 78, 71]), "image/png");
    const r = await rig();
    const up = await r.call({ action: "upload", snow: { sys_id: inc.sys_id, content_type: "text/plain" }, filename: "log.txt", payload: Buffer.from("log line") });
    should(up.payload.file_name).equal("log.txt");
    should(sb.attachments(inc.sys_id).find((a) => a.file_name === "log.txt")!.content.toString()).equal("log line");
    const list = await r.call({ action: "attachments", snow: { sys_id: inc.sys_id } });
    should(list.payload.map((a: Msg) => a.file_name).sort()).eql(["log.txt", "screen.png"]);
    const png = list.payload.find((a: Msg) => a.file_name === "screen.png");
    const down = await r.call({ action: "download", snow: { attachment_sys_id: png.sys_id } });
    should(Buffer.isBuffer(down.payload)).be.true();
    should([...down.payload]).eql([137, 80, 78, 71]);
    should(down.filename).equal("screen.png");
  });

  it("resolves with close code and notes, then closes; cancels another", async () => {
    const a = sb.agent().createIncident({ short_description: "resolve" });
    const b = sb.agent().createIncident({ short_description: "cancel" });
    const r = await rig();
    const res = await r.call({ action: "resolve", snow: { sys_id: a.sys_id }, payload: { close_code: "Solution provided", close_notes: "Rebooted" } });
    should(res.payload).containDeep({ state: "6", close_code: "Solution provided", close_notes: "Rebooted" });
    should((await r.call({ action: "close", snow: { sys_id: a.sys_id } })).payload.state).equal("7");
    should((await r.call({ action: "cancel", snow: { sys_id: b.sys_id }, payload: { close_code: "Solution provided", close_notes: "Not needed" } })).payload.state).equal("8");
  });

  it("works on another table chosen in the dialog", async () => {
    const r = await rig({ table: "change_request", action: "create" });
    const m = await r.call({ payload: { short_description: "Patch servers", type: "normal" } });
    should(m.payload.number).match(/^CHG/);
  });

  it("refuses a caret in a number before anything is sent", async () => {
    const r = await rig();
    const before = sb.requests.length;
    const m = await r.call({ action: "get", snow: { number: "INC0010001^NQactive=true" } });
    should(m.error.code).equal("INPUT_INVALID");
    should(sb.requests.length).equal(before);
  });

  it("reports an unknown action as INPUT_INVALID", async () => {
    const r = await rig();
    const m = await r.call({ action: "explode" });
    should(m.error.code).equal("INPUT_INVALID");
  });

  it("reports bad credentials as SNOW_UNAUTHORIZED without the password", async () => {
    const r = await rig({}, { user: "integration", password: "totally-wrong" });
    const m = await r.call({ action: "get", payload: "INC0010001" });
    should(m.error.code).equal("SNOW_UNAUTHORIZED");
    should(JSON.stringify(m.error)).not.match(/totally-wrong/);
    const status = (r.n.status.args ?? []).map((a) => (a[0] as Msg).text);
    should(status).containEql("SNOW_UNAUTHORIZED");
  });

  it("reports a missing role as SNOW_FORBIDDEN with ServiceNow's words", async () => {
    sb.setRoles("integration", ["snc_read_only"]);
    const r = await rig();
    const m = await r.call({ action: "create", payload: { short_description: "no" } });
    should(m.error.code).equal("SNOW_FORBIDDEN");
    should(m.error.message).match(/ACL Exception/);
  });

  it("reports a closing the platform refused silently (no itil_admin) as SNOW_FORBIDDEN", async () => {
    sb.setRoles("integration", ["itil"]);
    const inc = sb.agent().createIncident({ short_description: "x" });
    const r = await rig();
    await r.call({ action: "resolve", snow: { sys_id: inc.sys_id }, payload: { close_code: "Solution provided", close_notes: "n" } });
    const m = await r.call({ action: "close", snow: { sys_id: inc.sys_id } });
    should(m.error.code).equal("SNOW_FORBIDDEN");
    should(m.error.message).match(/itil_admin/);
  });

  it("reports a record that does not exist as SNOW_NOT_FOUND naming it", async () => {
    const r = await rig();
    const m = await r.call({ action: "get", payload: "INC0099999" });
    should(m.error.code).equal("SNOW_NOT_FOUND");
    should(m.error.message).match(/INC0099999/);
  });

  it("waits out a 429 and succeeds", async () => {
    sb.faults.add({ kind: "status", status: 429, method: "GET", count: 1, body: { error: { message: "Too Many Requests", detail: "slow down" }, status: "failure" } });
    const inc = sb.agent().createIncident({ short_description: "throttled" });
    const r = await rig();
    const m = await r.call({ action: "get", payload: inc.sys_id });
    should(m.payload.sys_id).equal(inc.sys_id);
    should(sb.requests.filter((q) => q.status === 429)).have.length(1);
  });

  it("reports a persistent 5xx as SNOW_HTTP_503", async () => {
    sb.faults.add({ kind: "status", status: 503, method: "GET", count: 10 });
    const r = await rig();
    const m = await r.call({ action: "get", payload: "INC0010001" });
    should(m.error.code).equal("SNOW_HTTP_503");
  });

  it("signs in with OAuth and refreshes the token once it expired", async () => {
    const inc = sb.agent().createIncident({ short_description: "oauth" });
    const r = await rig({}, { user: "integration", password: "integration-pass", clientId: "case-exchange", clientSecret: "oauth-secret" }, { authType: "oauth" });
    await r.call({ action: "get", payload: inc.sys_id });
    sb.clock.advance(30 * 60_000 + 1000);
    const m = await r.call({ action: "get", payload: inc.sys_id });
    should(m.payload.sys_id).equal(inc.sys_id);
    const grants = sb.requests.filter((q) => q.path === "/oauth_token.do");
    should(grants).have.length(2);
    should(sb.requests.filter((q) => q.status === 401)).have.length(1);
  });

  it("gets a new token after the instance revoked it", async () => {
    const inc = sb.agent().createIncident({ short_description: "oauth" });
    const r = await rig({}, { user: "integration", password: "integration-pass", clientId: "case-exchange", clientSecret: "oauth-secret" }, { authType: "oauth" });
    await r.call({ action: "get", payload: inc.sys_id });
    sb.revokeTokens(true);
    const m = await r.call({ action: "get", payload: inc.sys_id });
    should(m.payload.sys_id).equal(inc.sys_id);
  });
});
