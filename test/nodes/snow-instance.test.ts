import should from "should";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { initHelper, ourNodes, type TestHelper } from "../helpers/nodered";

type Msg = Record<string, any>;

describe("snow-instance config node", function () {
  this.timeout(20_000);
  let helper: TestHelper;
  let sb: SnowSandbox;
  const saved: Record<string, string | undefined> = {};
  const ENV = ["SNOW_URL", "SNOW_USER", "SNOW_PASSWORD", "SNOW_CLIENT_ID", "SNOW_CLIENT_SECRET"];

  before(async () => {
    helper = initHelper();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    sb = await startSnowSandbox();
    for (const k of ENV) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
  });
  afterEach(async () => {
    await helper.unload();
    await sb.close();
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("builds one client from the dialog's URL and credentials", async () => {
    await helper.load(ourNodes("snow-instance"), [{ id: "i", type: "snow-instance", url: sb.url, authType: "basic" }], { i: { user: "integration", password: "integration-pass" } });
    const i = helper.getNode("i")!;
    should(i.client).be.ok();
    should(i.configError).be.undefined();
    should(i.url).equal(sb.url);
    should(i.userName).equal("integration");
    const rows = await i.client.query("sys_user_group", "name=Ensono");
    should(rows).have.length(1);
  });

  it("takes URL, user and password from SNOW_URL, SNOW_USER and SNOW_PASSWORD when the flow has none (or an unset ${VAR})", async () => {
    process.env.SNOW_URL = sb.url;
    process.env.SNOW_USER = "integration";
    process.env.SNOW_PASSWORD = "integration-pass";
    await helper.load(ourNodes("snow-instance"), [{ id: "i", type: "snow-instance", url: "${SNOW_URL}", authType: "basic" }]);
    const i = helper.getNode("i")!;
    should(i.configError).be.undefined();
    should(i.url).equal(sb.url);
    should(i.userName).equal("integration");
    should((await i.client.get("sys_user", sb.userId("integration"))).user_name).equal("integration");
  });

  it("says what is missing when neither the flow nor the environment gives it", async () => {
    await helper.load(ourNodes("snow-instance"), [{ id: "i", type: "snow-instance", url: "${SNOW_URL}", authType: "basic" }]);
    const i = helper.getNode("i")!;
    should(i.client).be.undefined();
    should(i.configError).match(/URL/).and.match(/user/).and.match(/password/);
  });

  it("tests the connection with the dialog's values and says the tables are allowed", async () => {
    sb.agent().createIncident({ short_description: "probe" });
    sb.table("change_request").insert({ short_description: "probe" });
    await helper.load(ourNodes("snow-instance"), [{ id: "i", type: "snow-instance", url: sb.url, authType: "basic" }], { i: { user: "integration", password: "integration-pass" } });
    const before = sb.table("incident").query("")[0];
    const res = await helper.request().post("/snow-instance/test").send({ id: "i", url: sb.url, authType: "basic", user: "integration", password: "__PWRD__" }).expect(200);
    const body = res.body as Msg;
    should(body.message).match(/credentials of "integration" work/);
    should(body.message).match(/incident: read yes, write yes/);
    should(body.message).match(/sys_journal_field: read yes, write not needed/);
    should(body.message).match(/sysapproval_approver: read yes, write unknown/);
    const after = sb.table("incident").query("")[0];
    should(after.sys_mod_count).equal(before.sys_mod_count);
    should(sb.table("incident").query("")).have.length(1);
  });

  it("says in words when the credentials are refused, without echoing them", async () => {
    const res = await helper.request().post("/snow-instance/test").send({ url: sb.url, authType: "basic", user: "integration", password: "bad-secret-value" }).expect(200);
    should(res.body.ok).be.false();
    should(res.body.message).match(/refused the credentials/);
    should(res.body.message).not.match(/bad-secret-value/);
  });

  it("says a read-only user may read but not write", async () => {
    sb.agent().createIncident({ short_description: "probe" });
    sb.setRoles("integration", ["itil", "snc_read_only"]);
    const res = await helper.request().post("/snow-instance/test").send({ url: sb.url, authType: "oauth", user: "integration", password: "integration-pass", clientId: "case-exchange", clientSecret: "oauth-secret" }).expect(200);
    should(res.body.ok).be.false();
    should(res.body.message).match(/incident: read yes, write no/);
  });
});
