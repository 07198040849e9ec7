import should from "should";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { initHelper, ourNodes } from "../helpers/nodered";

const helper = initHelper();

describe("aws-support-account", function () {
  this.timeout(15_000);
  let sb: AwsSupportSandbox;
  const saved = { ...process.env };

  beforeEach(async () => {
    sb = await startAwsSupportSandbox({
      accounts: [
        { accountId: "111111111111", accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" },
        { accountId: "333333333333", accessKeyId: "AKIASIM333333333333", secretAccessKey: "sim-secret-3", supportPlan: "basic" },
      ],
    });
    await helper.startServer();
  });
  afterEach(async () => {
    process.env = { ...saved };
    await helper.unload();
    await helper.stopServer();
    await sb.close();
  });

  const acct = (extra: Record<string, unknown> = {}) => ({ id: "a", type: "aws-support-account", accountId: "111111111111", credentialMode: "keys", endpoint: sb.endpoint, ...extra });

  it("exposes the runtime fields other nodes rely on, with the default group", async () => {
    await helper.load(ourNodes("aws-support-account"), [acct({ accountName: "Prod", production: false, language: "ja" })], { a: { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } });
    const n = helper.getNode("a")!;
    n.should.containDeep({ accountId: "111111111111", accountName: "Prod", assignmentGroup: "AWS-111111111111", production: false, language: "ja", region: "us-east-1" });
    should(n.configError).be.undefined();
    should(n.client).be.ok();
  });

  it("takes what the flow file leaves unresolved from the environment", async () => {
    process.env.AWS_ACCOUNT_ID = "111111111111";
    process.env.AWS_ACCESS_KEY_ID = "AKIASIM111111111111";
    process.env.AWS_SECRET_ACCESS_KEY = "sim-secret-1";
    process.env.AWS_SUPPORT_ENDPOINT = sb.endpoint;
    delete process.env.AWS_REGION;
    delete process.env.AWS_UNSET_THING;
    await helper.load(ourNodes("aws-support-account"), [{ id: "a", type: "aws-support-account", accountId: "${AWS_ACCOUNT_ID}", region: "${AWS_UNSET_THING}", endpoint: "${AWS_SUPPORT_ENDPOINT}" }]);
    const n = helper.getNode("a")!;
    n.accountId.should.equal("111111111111");
    n.region.should.equal("us-east-1");
    n.assignmentGroup.should.equal("AWS-111111111111");
    (await n.client.describeSeverityLevels()).length.should.be.above(0);
  });

  it("reports a missing account id as a config error", async () => {
    delete process.env.AWS_ACCOUNT_ID;
    await helper.load(ourNodes("aws-support-account"), [acct({ accountId: "" })]);
    should(helper.getNode("a")!.configError).match(/12 digits/);
    should(helper.getNode("a")!.client).be.undefined();
  });

  it("refuses a region the Support API does not answer in", async () => {
    await helper.load(ourNodes("aws-support-account"), [acct({ region: "ap-south-1" })], { a: { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } });
    should(helper.getNode("a")!.configError).match(/us-east-1, us-west-2, eu-west-1/);
  });

  it("Test connection checks credentials and plan with the dialog's values", async () => {
    await helper.load(ourNodes("aws-support-account"), []);
    const res = await helper.request().post("/aws-support-account/test").send({ accountId: "111111111111", credentialMode: "keys", endpoint: sb.endpoint, accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" }).expect(200);
    res.body.ok.should.be.true();
    res.body.severityLevels.should.containEql("low");
  });

  it("Test connection says in words that the account has no support plan", async () => {
    await helper.load(ourNodes("aws-support-account"), []);
    const res = await helper.request().post("/aws-support-account/test").send({ accountId: "333333333333", credentialMode: "keys", endpoint: sb.endpoint, accessKeyId: "AKIASIM333333333333", secretAccessKey: "sim-secret-3" }).expect(400);
    res.body.code.should.equal("AWS_SUPPORT_SUBSCRIPTION_REQUIRED");
    res.body.error.should.equal("Account 333333333333: this account has no Business, Enterprise On-Ramp or Enterprise support plan, which the Support API requires.");
  });

  it("Test connection uses the deployed node's secret when the dialog shows __PWRD__", async () => {
    await helper.load(ourNodes("aws-support-account"), [acct()], { a: { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } });
    const res = await helper.request().post("/aws-support-account/test").send({ id: "a", accountId: "111111111111", credentialMode: "keys", endpoint: sb.endpoint, accessKeyId: "AKIASIM111111111111", secretAccessKey: "__PWRD__" }).expect(200);
    res.body.ok.should.be.true();
  });

  it("Test connection reports wrong keys without echoing the secret", async () => {
    await helper.load(ourNodes("aws-support-account"), []);
    const res = await helper.request().post("/aws-support-account/test").send({ accountId: "111111111111", credentialMode: "keys", endpoint: sb.endpoint, accessKeyId: "AKIASIM111111111111", secretAccessKey: "wrong-secret-value" }).expect(400);
    res.body.code.should.equal("AWS_SUPPORT_AUTH_FAILED");
    res.body.error.should.not.match(/wrong-secret-value/);
  });

  it("lists services and severity levels of a deployed account for the case dialog", async () => {
    await helper.load(ourNodes("aws-support-account"), [acct()], { a: { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } });
    const s = await helper.request().get("/aws-support-account/a/services").expect(200);
    s.body.length.should.be.above(0);
    s.body[0].should.have.properties("code", "name", "categories");
    const l = await helper.request().get("/aws-support-account/a/severity-levels").expect(200);
    l.body.map((x: { code: string }) => x.code).should.containEql("low");
    const missing = await helper.request().get("/aws-support-account/nope/services").expect(400);
    missing.body.error.should.match(/deploy it first/);
  });
});
