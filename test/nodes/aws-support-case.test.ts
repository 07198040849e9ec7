import * as path from "node:path";
import should from "should";
import { startAwsSupportSandbox, throttleRule, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { coreNodes, initHelper, nextMessage, ourNodes, type TestNode } from "../helpers/nodered";
import { RUNTIME } from "../helpers/paths";

/** The core "complete" node (not in coreNodes' list): tells when the case node called done(). */
function completeNode(): unknown {
  const root = path.dirname(require.resolve(`${RUNTIME}/package.json`));
  for (const dir of [path.join(root, "node_modules", "@node-red", "nodes"), path.join(root, "..", "@node-red", "nodes")]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(path.join(dir, "core", "common", "24-complete.js"));
    } catch {
      /* next */
    }
  }
  throw new Error("core complete node not found");
}

const helper = initHelper();
const ACCOUNT1 = { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" };
const ACCOUNT2 = { accessKeyId: "AKIASIM222222222222", secretAccessKey: "sim-secret-2" };
const MB5 = 5 * 1024 * 1024;

function accountNode(id: string, accountId: string, sb: AwsSupportSandbox, extra: Record<string, unknown> = {}) {
  return { id, type: "aws-support-account", name: `account ${accountId}`, accountId, credentialMode: "keys", region: "us-east-1", endpoint: sb.endpoint, production: true, language: "en", ...extra };
}

function flow(sb: AwsSupportSandbox, caseNode: Record<string, unknown> = {}, more: Record<string, unknown>[] = []) {
  return [
    accountNode("acct1", "111111111111", sb),
    accountNode("acct2", "222222222222", sb, { assignmentGroup: "Cloud Ops EU" }),
    { id: "f1", type: "tab", label: "AWS" },
    { id: "case", type: "aws-support-case", z: "f1", account: "acct1", action: "msg", serviceCode: "amazon-elastic-compute-cloud-linux", categoryCode: "general-guidance", severityCode: "low", wires: [["out"]], ...caseNode },
    { id: "out", type: "helper", z: "f1" },
    { id: "catcher", type: "catch", z: "f1", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "f1" },
    { id: "completion", type: "complete", z: "f1", scope: ["case"], uncaught: false, wires: [["completed"]] },
    { id: "completed", type: "helper", z: "f1" },
    ...more,
  ];
}

const creds = { acct1: ACCOUNT1, acct2: ACCOUNT2 };

/** Sends msg to the case node and resolves with the output message or the caught error message. */
function run(msg: Record<string, unknown>): Promise<{ out?: Record<string, any>; caught?: Record<string, any> }> {
  const out = helper.getNode("out") as TestNode;
  const caught = helper.getNode("caught") as TestNode;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("neither output nor error within 15 s")), 15_000);
    const onOut = (m: Record<string, any>) => {
      if (m.awsSupport?.event) return; // a watch event, not this message's answer
      finish({ out: m });
    };
    const onCaught = (m: Record<string, any>) => finish({ caught: m });
    const finish = (r: { out?: Record<string, any>; caught?: Record<string, any> }) => {
      clearTimeout(t);
      out.removeListener("input", onOut);
      caught.removeListener("input", onCaught);
      resolve(r);
    };
    out.on("input", onOut);
    caught.on("input", onCaught);
    (helper.getNode("case") as TestNode).receive(msg);
  });
}

async function ok(msg: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await run(msg);
  if (r.caught) throw new Error(`unexpected error ${r.caught.error?.code}: ${r.caught.error?.message}`);
  return r.out!;
}

/** Runs one watch sweep now and resolves when the node has finished it (its done() call). */
function sweep(): Promise<void> {
  const completed = helper.getNode("completed") as TestNode;
  const tag = Math.random().toString(36).slice(2);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no watch sweep finished within 15 s")), 15_000);
    const onDone = (m: Record<string, any>) => {
      if (m.tag !== tag) return;
      clearTimeout(t);
      completed.removeListener("input", onDone);
      resolve();
    };
    completed.on("input", onDone);
    (helper.getNode("case") as TestNode).receive({ action: "watch", tag });
  });
}

async function fails(msg: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await run(msg);
  if (!r.caught) throw new Error(`expected an error, got ${JSON.stringify(r.out?.payload).slice(0, 200)}`);
  return r.caught.error;
}

const file = (name: string, bytes: number) => ({ fileName: name, data: Buffer.alloc(bytes, 7) });

describe("aws-support-case against the AWS Support simulator (real SDK)", function () {
  this.timeout(20_000);
  let sb: AwsSupportSandbox;

  beforeEach(async () => {
    sb = await startAwsSupportSandbox({
      accounts: [
        { accountId: "111111111111", ...ACCOUNT1 },
        { accountId: "222222222222", ...ACCOUNT2 },
        { accountId: "333333333333", accessKeyId: "AKIASIM333333333333", secretAccessKey: "sim-secret-3", supportPlan: "basic" },
      ],
      roles: [{ roleArn: "arn:aws:iam::222222222222:role/SupportCases", accountId: "222222222222" }],
    });
  });
  afterEach(async () => {
    await helper.unload();
    await sb.close();
  });

  const nodes = () => [...ourNodes("aws-support-account", "aws-support-case"), ...coreNodes("catch"), completeNode()];

  it("creates a case with the dialog's codes and marks the body as ours", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const m = await ok({ action: "createCase", payload: { subject: "EC2 instance unreachable", communicationBody: "i-0abc stopped answering" } });
    m.payload.caseId.should.match(/^case-111111111111-/);
    m.payload.recovered.should.be.false();
    m.awsSupport.should.containDeep({ accountId: "111111111111", assignmentGroup: "AWS-111111111111", action: "createCase", caseId: m.payload.caseId });
    const [c] = sb.inspect.cases("111111111111");
    c.subject.should.equal("EC2 instance unreachable");
    c.serviceCode.should.equal("amazon-elastic-compute-cloud-linux");
    c.communications[0].body.should.startWith("i-0abc stopped answering").and.match(/\[cx:[0-9a-f]+\]$/);
  });

  it("prefixes subjects of a non-production account", async () => {
    const f = flow(sb);
    (f[0] as Record<string, unknown>).production = false;
    await helper.load(nodes(), f, creds);
    await ok({ action: "createCase", payload: { subject: "Try", body: "test" } });
    sb.inspect.cases("111111111111")[0].subject.should.equal("TEST CASE--Please ignore Try");
  });

  it("routes two accounts in one flow by ServiceNow assignment group", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const a = await ok({ action: "createCase", payload: { subject: "for EU", body: "x" }, awsSupport: { assignmentGroup: "Cloud Ops EU" } });
    const b = await ok({ action: "createCase", payload: { subject: "for default", body: "y" }, awsSupport: { assignmentGroup: "AWS-111111111111" } });
    a.awsSupport.accountId.should.equal("222222222222");
    b.awsSupport.accountId.should.equal("111111111111");
    sb.inspect.cases("222222222222").map((c) => c.subject).should.eql(["for EU"]);
    sb.inspect.cases("111111111111").map((c) => c.subject).should.eql(["for default"]);
    const e = await fails({ action: "describeSeverityLevels", awsSupport: { assignmentGroup: "Nobody" } });
    e.code.should.equal("AWS_SUPPORT_ACCOUNT_UNKNOWN");
  });

  it("chooses the account by msg.awsSupport.accountId", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const m = await ok({ action: "createCase", payload: { subject: "by id", body: "z" }, awsSupport: { accountId: "222222222222" } });
    m.payload.caseId.should.match(/^case-222222222222-/);
  });

  it("adds a communication, describes cases and communications, resolves", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const { payload } = await ok({ action: "createCase", payload: { subject: "S", body: "first" } });
    const caseId = payload.caseId as string;
    await ok({ action: "addCommunication", payload: { caseId, communicationBody: "second" } });
    const cases = await ok({ action: "describeCases", payload: { caseIdList: [caseId] } });
    cases.payload.should.have.length(1);
    cases.payload[0].recentCommunications.communications.should.have.length(2);
    const comms = await ok({ action: "describeCommunications", awsSupport: { caseId } });
    comms.payload.map((c: { body: string }) => c.body.split("\n")[0]).should.eql(["second", "first"]);
    const r = await ok({ action: "resolveCase", payload: { caseId } });
    r.payload.should.containDeep({ caseId, finalCaseStatus: "resolved" });
    sb.inspect.cases("111111111111")[0].status.should.equal("resolved");
    const open = await ok({ action: "describeCases", payload: {} });
    open.payload.should.have.length(0);
  });

  it("lists services with categories and severity levels", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const s = await ok({ action: "describeServices" });
    s.payload.length.should.be.above(0);
    s.payload[0].should.have.property("categories");
    const l = await ok({ action: "describeSeverityLevels" });
    l.payload.map((x: { code: string }) => x.code).should.containEql("low");
  });

  it("downloads an attachment an engineer sent", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const { payload } = await ok({ action: "createCase", payload: { subject: "logs", body: "b" } });
    sb.engineer.reply(payload.caseId, "here is a script", { attachments: [{ fileName: "fix.sh", data: Buffer.from("#!/bin/sh\necho ok\n") }] });
    const comms = await ok({ action: "describeCommunications", payload: { caseId: payload.caseId } });
    const att = comms.payload[0].attachmentSet[0];
    const d = await ok({ action: "downloadAttachment", payload: { attachmentId: att.attachmentId } });
    Buffer.isBuffer(d.payload).should.be.true();
    d.payload.toString().should.equal("#!/bin/sh\necho ok\n");
    d.filename.should.equal("fix.sh");
  });

  it("sends three 5 MB files, exactly at the limits, as one set", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const { payload } = await ok({ action: "createCase", payload: { subject: "big", body: "b" } });
    const r = await ok({ action: "addCommunication", payload: { caseId: payload.caseId, body: "three files", attachments: [file("a", MB5), file("b", MB5), file("c", MB5)] } });
    r.payload.communications.should.equal(1);
    r.payload.attachmentSetIds.should.have.length(1);
    const c = sb.inspect.cases("111111111111")[0];
    c.communications[1].attachmentSet.map((a) => a.fileName).should.eql(["a", "b", "c"]);
  });

  it("splits seven files into sets of 3, 3 and 1 over three communications", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const { payload } = await ok({ action: "createCase", payload: { subject: "many", body: "b" } });
    const r = await ok({ action: "addCommunication", payload: { caseId: payload.caseId, body: "seven files", attachments: [1, 2, 3, 4, 5, 6, 7].map((i) => file(`f${i}`, 100)) } });
    r.payload.communications.should.equal(3);
    const c = sb.inspect.cases("111111111111")[0];
    c.communications.slice(1).map((m) => m.attachmentSet.length).should.eql([3, 3, 1]);
    c.communications[1].body.should.startWith("seven files");
  });

  it("refuses a file over 5 MB with a clear error before any upload", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const { payload } = await ok({ action: "createCase", payload: { subject: "too big", body: "b" } });
    const before = sb.inspect.calls.length;
    const e = await fails({ action: "addCommunication", payload: { caseId: payload.caseId, body: "x", attachments: [file("small", 10), file("huge.iso", MB5 + 1)] } });
    e.code.should.equal("AWS_SUPPORT_ATTACHMENT_TOO_LARGE");
    e.message.should.match(/huge\.iso/).and.match(/5 MB/).and.match(/111111111111/);
    sb.inspect.calls.slice(before).map((c) => c.operation).should.not.containEql("AddAttachmentsToSet");
  });

  it("absorbs throttling with the SDK's retry", async () => {
    await helper.load(nodes(), flow(sb), creds);
    sb.faults.add(throttleRule(2, "DescribeSeverityLevels"));
    const m = await ok({ action: "describeSeverityLevels" });
    m.payload.length.should.be.above(0);
    sb.inspect.calls.filter((c) => c.operation === "DescribeSeverityLevels").map((c) => c.status).should.eql([400, 400, 200]);
  });

  it("retries a throttled create but creates one case", async () => {
    await helper.load(nodes(), flow(sb), creds);
    sb.faults.add(throttleRule(1, "CreateCase"));
    await ok({ action: "createCase", payload: { subject: "once", body: "b" } });
    sb.inspect.cases("111111111111").should.have.length(1);
  });

  it("reports AWS_SUPPORT_THROTTLED when throttling outlasts the retries", async () => {
    await helper.load(nodes(), flow(sb), creds);
    sb.faults.add(throttleRule(5, "DescribeServices"));
    const e = await fails({ action: "describeServices" });
    e.code.should.equal("AWS_SUPPORT_THROTTLED");
    e.message.should.match(/111111111111/).and.match(/ThrottlingException/);
  });

  it("says in words that an account has no support plan", async () => {
    const f = flow(sb, { account: "acct3" }, [accountNode("acct3", "333333333333", sb)]);
    await helper.load(nodes(), f, { ...creds, acct3: { accessKeyId: "AKIASIM333333333333", secretAccessKey: "sim-secret-3" } });
    const e = await fails({ action: "describeCases" });
    e.code.should.equal("AWS_SUPPORT_SUBSCRIPTION_REQUIRED");
    e.message.should.match(/333333333333/).and.match(/Business, Enterprise On-Ramp or Enterprise support plan/);
    e.message.should.not.match(/sim-secret-3/);
  });

  it("names the case and the account when a case does not exist", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const e = await fails({ action: "resolveCase", payload: { caseId: "case-111111111111-abcd-2026-0000000000000000" } });
    e.code.should.equal("AWS_SUPPORT_CASE_NOT_FOUND");
    e.message.should.match(/case-111111111111-abcd-2026-0000000000000000/).and.match(/account 111111111111/);
  });

  it("works through an assumed role (STS stand-in)", async () => {
    const f = flow(sb, { account: "role" }, [accountNode("role", "222222222222", sb, { roleArn: "arn:aws:iam::222222222222:role/SupportCases", stsEndpoint: sb.stsEndpoint })]);
    await helper.load(nodes(), f, { ...creds, role: ACCOUNT1 });
    const m = await ok({ action: "createCase", payload: { subject: "via role", body: "b" } });
    m.payload.caseId.should.match(/^case-222222222222-/);
    sb.inspect.calls.map((c) => c.operation).should.containEql("sts:AssumeRole");
    sb.inspect.cases("222222222222")[0].submittedBy.should.match(/SupportCases/);
  });

  it("never takes credentials from the message", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const m = await ok({ action: "createCase", payload: { subject: "mine", body: "b", accessKeyId: ACCOUNT2.accessKeyId, secretAccessKey: ACCOUNT2.secretAccessKey }, credentials: ACCOUNT2 });
    m.payload.caseId.should.match(/^case-111111111111-/);
  });

  it("refuses an unknown action as INPUT_INVALID", async () => {
    await helper.load(nodes(), flow(sb), creds);
    const e = await fails({ action: "deleteCase" });
    e.code.should.equal("INPUT_INVALID");
  });

  describe("watch mode", () => {
    it("emits engineer replies and status changes once, never our own communications", async () => {
      await helper.load(nodes(), flow(sb, { id: "case", watch: true, watchAccounts: "all", interval: "1" }), creds);
      const out = helper.getNode("out") as TestNode;
      const seen: Array<Record<string, any>> = [];
      // create a case through the node (its own output), then let the watch baseline
      const created = await ok({ action: "createCase", payload: { subject: "watched", body: "from ServiceNow" } });
      const caseId = created.payload.caseId as string;
      await sweep();
      out.on("input", (m: Record<string, any>) => seen.push(m));
      await ok({ action: "addCommunication", payload: { caseId, body: "our follow-up" } });
      sb.engineer.reply(caseId, "Engineer: please send logs");
      await sweep();
      await sweep();
      const events = seen.filter((m) => m.awsSupport.event);
      const comms = events.filter((m) => m.topic === "communication");
      comms.map((m) => m.payload.communication.body).should.eql(["Engineer: please send logs"]);
      comms[0].awsSupport.should.containDeep({ accountId: "111111111111", caseId });
      events.filter((m) => m.topic === "status").map((m) => m.payload.status).should.eql(["pending-customer-action"]);
    });

    it("reports a resolution by the auto-resolver", async () => {
      await helper.load(nodes(), flow(sb, { id: "case", watch: true, interval: "1" }), creds);
      const created = await ok({ action: "createCase", payload: { subject: "idle", body: "b" } });
      await sweep();
      const out = helper.getNode("out") as TestNode;
      const seen: Array<Record<string, any>> = [];
      out.on("input", (m: Record<string, any>) => seen.push(m));
      sb.engineer.resolve(created.payload.caseId, "auto-resolver");
      await sweep();
      seen.filter((m) => m.topic === "status").map((m) => [m.payload.previousStatus, m.payload.status]).should.eql([["unassigned", "resolved"]]);
      seen.filter((m) => m.topic === "communication").should.have.length(1);
    });

    it("polls on its own at the interval", async () => {
      await helper.load(nodes(), flow(sb, { id: "case", watch: true, interval: "1" }), creds);
      const created = await ok({ action: "createCase", payload: { subject: "auto", body: "b" } });
      await sweep();
      sb.engineer.reply(created.payload.caseId, "spontaneous");
      const m = await nextMessage(helper.getNode("out") as TestNode, 5000);
      m.payload.communication.body.should.equal("spontaneous");
    });
  });
});
