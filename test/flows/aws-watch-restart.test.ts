import * as fs from "node:fs";
import * as path from "node:path";
import should from "should";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { AwsSupportAccountClient } from "../../nodes/lib/aws-support/client";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";

/**
 * Watch mode in a real Node-RED (child process) with a persistent context
 * store: replies made while Node-RED is down are emitted once after the
 * restart, and nothing the integration sent itself comes back.
 */
const CASE = { communicationBody: "Opened from ServiceNow INC0010001", serviceCode: "amazon-elastic-compute-cloud-linux", categoryCode: "general-guidance", severityCode: "low" };

function flows() {
  return [
    { id: "tab1", type: "tab", label: "watch" },
    { id: "acct", type: "aws-support-account", accountId: "${AWS_ACCOUNT_ID}", endpoint: "${AWS_SUPPORT_ENDPOINT}", region: "${AWS_REGION}", credentialMode: "keys", production: true },
    { id: "watcher", type: "aws-support-case", z: "tab1", x: 150, y: 80, name: "watch", account: "acct", action: "msg", watch: true, watchAccounts: "all", interval: "${SYNC_POLL_SECONDS}", wires: [["emit"]] },
    {
      id: "emit",
      type: "function",
      z: "tab1",
      x: 350,
      y: 80,
      name: "emit",
      func: 'node.warn("EMIT " + JSON.stringify({ t: msg.topic, c: msg.payload.caseId, s: msg.payload.status, p: msg.payload.previousStatus, b: msg.payload.communication ? msg.payload.communication.body : undefined }));\nreturn null;',
      outputs: 1,
      wires: [],
    },
  ];
}

interface Emitted {
  t: string;
  c: string;
  s: string;
  p?: string | null;
  b?: string;
}

function emitted(rt: RunningNodeRed): Emitted[] {
  return rt.log.filter((l) => l.includes(" EMIT {")).map((l) => JSON.parse(l.slice(l.indexOf(" EMIT {") + 6)) as Emitted);
}

describe("aws-support-case watch across a Node-RED restart (real runtime)", function () {
  this.timeout(90_000);
  let sb: AwsSupportSandbox;
  let rt: RunningNodeRed | undefined;
  let client: AwsSupportAccountClient;

  before(async () => {
    sb = await startAwsSupportSandbox();
    client = new AwsSupportAccountClient({ accountId: "111111111111", endpoint: sb.endpoint, credentials: { mode: "keys", accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } });
  });
  after(async () => {
    await rt?.stop();
    rt?.cleanup();
    client.destroy();
    await sb.close();
  });

  it("emits each reply, status change and resolution once, none of our own, replies made while down included", async () => {
    const a = await client.createCase({ ...CASE, subject: "A: EC2 unreachable" });
    const b = await client.createCase({ ...CASE, subject: "B: idle case" });
    rt = await startNodeRed({
      flows: flows(),
      env: { AWS_ACCOUNT_ID: "111111111111", AWS_SUPPORT_ENDPOINT: sb.endpoint, AWS_ACCESS_KEY_ID: "AKIASIM111111111111", AWS_SECRET_ACCESS_KEY: "sim-secret-1", SYNC_POLL_SECONDS: "1", AWS_REGION: "" },
    });
    const runtime = rt;
    // the first sweep (the baseline) is saved in the persistent store
    await eventually(() => {
      const dir = path.join(runtime.userDir, "context");
      if (!fs.existsSync(dir)) return false;
      const files = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".json"));
      return files.some((f) => fs.readFileSync(path.join(dir, f), "utf8").includes("aws-watch-111111111111"));
    }, 30_000);

    sb.engineer.reply(a.caseId, "Engineer: which AMI?");
    await eventually(() => emitted(runtime).some((e) => e.b === "Engineer: which AMI?"), 20_000);

    await runtime.stop();
    // while Node-RED is down
    await client.addCommunication({ caseId: a.caseId, communicationBody: "Our answer: ami-123" });
    sb.engineer.reply(a.caseId, "Engineer: thanks, looking", { status: "work-in-progress" });
    sb.engineer.resolve(b.caseId, "auto-resolver");
    const c = await client.createCase({ ...CASE, subject: "C: opened while down" });
    sb.engineer.reply(c.caseId, "Engineer: hello C");

    await runtime.start();
    await eventually(() => emitted(runtime).some((e) => e.b === "Engineer: hello C"), 20_000);
    // one more reply after the restart: by the time it shows, earlier changes have had further sweeps in which to repeat
    sb.engineer.reply(a.caseId, "Engineer: fixed now", { status: "pending-customer-action" });
    await eventually(() => emitted(runtime).some((e) => e.b === "Engineer: fixed now"), 20_000);
    await eventually(() => emitted(runtime).filter((e) => e.c === a.caseId && e.t === "status" && e.s === "pending-customer-action").length > 0, 10_000);
    sb.engineer.reply(c.caseId, "Engineer: sentinel");
    await eventually(() => emitted(runtime).some((e) => e.b === "Engineer: sentinel"), 20_000);

    const all = emitted(runtime);
    const comms = all.filter((e) => e.t === "communication").map((e) => e.b!);
    comms.filter((x) => x.startsWith("Engineer: which AMI?")).should.have.length(1);
    comms.filter((x) => x === "Engineer: thanks, looking").should.have.length(1);
    comms.filter((x) => x === "Engineer: hello C").should.have.length(1);
    comms.filter((x) => x === "Engineer: fixed now").should.have.length(1);
    comms.filter((x) => /haven't heard back/.test(x)).should.have.length(1);
    // nothing the integration sent is echoed
    comms.filter((x) => /Our answer|Opened from ServiceNow|\[cx:/.test(x)).should.eql([]);
    // status changes, once each
    const statuses = all.filter((e) => e.t === "status").map((e) => `${e.c === a.caseId ? "A" : e.c === b.caseId ? "B" : "C"}:${e.p}->${e.s}`);
    statuses.should.eql([
      "A:unassigned->pending-customer-action",
      // after the restart, in sweep order (newest case first): C is new, A moved on, B was auto-resolved
      "C:null->pending-customer-action",
      "A:pending-customer-action->work-in-progress",
      "B:unassigned->resolved",
      "A:work-in-progress->pending-customer-action",
    ]);
    should(new Set(statuses).size).equal(statuses.length);
  });
});

