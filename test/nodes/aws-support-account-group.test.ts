import should from "should";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { initHelper, ourNodes, type TestHelper } from "../helpers/nodered";
import { eventually } from "../helpers/runtime";

/**
 * aws-support-account's "create the AWS-<account> assignment group in
 * ServiceNow" option (the seed app's new-account form): on deploy the group
 * named as the account's assignment group is looked up by name and created
 * only when missing — never twice — and the node logs which.
 */
describe("aws-support-account: create the assignment group in ServiceNow", function () {
  this.timeout(20_000);
  let helper: TestHelper;
  let snow: SnowSandbox;
  let aws: AwsSupportSandbox;

  before(async () => {
    helper = initHelper();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    // the integration user may write groups here (on a real instance: user_admin)
    snow = await startSnowSandbox({ groups: ["Service Desk"], tableRoles: { sys_user_group: { read: ["itil"], write: ["itil_admin"] } } });
    aws = await startAwsSupportSandbox();
  });
  afterEach(async () => {
    await helper.unload();
    await snow.close();
    await aws.close();
  });

  const flow = (extra: Record<string, unknown> = {}) => [
    { id: "i", type: "snow-instance", url: snow.url, authType: "basic" },
    { id: "a", type: "aws-support-account", accountId: "111111111111", credentialMode: "keys", endpoint: aws.endpoint, createGroup: true, snowInstance: "i", ...extra },
  ];
  const creds = { i: { user: "integration", password: "integration-pass" }, a: { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } };
  const groups = (name: string) => snow.table("sys_user_group").query(`name=${name}`);
  const logged = (re: RegExp) => ((helper as unknown as { log(): { args: unknown[][] } }).log().args).map((a) => String((a[0] as { msg?: unknown })?.msg ?? "")).find((m) => re.test(m));
  const groupWrites = () => snow.requests.filter((r) => r.method === "POST" && r.path.includes("/table/sys_user_group")).length;

  it("creates the missing AWS-<account> group once, and only looks it up on the next deploys", async () => {
    await helper.load(ourNodes("snow-instance", "aws-support-account"), flow(), creds);
    await eventually(() => groups("AWS-111111111111").length === 1, 10_000);
    await eventually(() => logged(/created the ServiceNow assignment group AWS-111111111111/), 5_000);
    should(groups("AWS-111111111111")[0].sys_created_by).equal("integration");
    await helper.unload();
    await helper.load(ourNodes("snow-instance", "aws-support-account"), flow(), creds);
    await eventually(() => logged(/the ServiceNow assignment group AWS-111111111111 exists/), 10_000);
    should(groups("AWS-111111111111")).have.length(1);
    should(groupWrites()).equal(1);
  });

  it("creates one group when two account nodes of the same account deploy at once", async () => {
    const f = [...flow(), { id: "b", type: "aws-support-account", accountId: "111111111111", credentialMode: "keys", endpoint: aws.endpoint, createGroup: true, snowInstance: "i" }];
    await helper.load(ourNodes("snow-instance", "aws-support-account"), f, { ...creds, b: creds.a });
    await eventually(() => groups("AWS-111111111111").length === 1 && logged(/exists|created/), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    should(groups("AWS-111111111111")).have.length(1);
    should(groupWrites()).equal(1);
  });

  it("uses the dialog's assignment group name", async () => {
    await helper.load(ourNodes("snow-instance", "aws-support-account"), flow({ assignmentGroup: "Cloud Ops AWS" }), creds);
    await eventually(() => groups("Cloud Ops AWS").length === 1, 10_000);
    should(groups("AWS-111111111111")).have.length(0);
  });

  it("does nothing when the option is not ticked", async () => {
    await helper.load(ourNodes("snow-instance", "aws-support-account"), flow({ createGroup: false }), creds);
    await new Promise((r) => setTimeout(r, 500));
    should(groups("AWS-111111111111")).have.length(0);
    should(snow.requests.filter((r) => r.path.includes("sys_user_group"))).have.length(0);
  });

  it("says why when the user may not create groups, or no instance is chosen", async () => {
    snow.setRoles("integration", ["itil"]);
    await helper.load(ourNodes("snow-instance", "aws-support-account"), flow(), creds);
    const warned = await eventually(() => logged(/could not ensure the ServiceNow assignment group AWS-111111111111/), 10_000);
    should(warned).match(/ACL|403|security|forbidden/i);
    should(warned).not.match(/integration-pass/);
    should(groups("AWS-111111111111")).have.length(0);
    await helper.unload();
    await helper.load(ourNodes("snow-instance", "aws-support-account"), flow({ snowInstance: "" }), creds);
    await eventually(() => logged(/no ServiceNow instance is chosen/), 10_000);
  });
});
