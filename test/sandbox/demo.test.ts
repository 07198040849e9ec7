import should from "should";
import { AddCommunicationToCaseCommand, CreateCaseCommand, DescribeServicesCommand, SupportClient } from "@aws-sdk/client-support";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { DEMO_SEED, ENSONO_PICKUP, startDemoActors } from "../../sandbox/demo";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";

const FAST = { intervalMs: 40, replyDelayMs: 60, snowSeedWaitMs: 0 };

/** Waits (polling) until `check` returns a value; fails with `what` if it never does. */
async function until<T>(what: string, check: () => T | undefined | false, maxMs = 8000): Promise<T> {
  const end = Date.now() + maxMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bridge(url: string, method: string, payload: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method, headers: { "x-api-key": "test-api-key", "content-type": "application/json" }, body: JSON.stringify({ payload: { clientName: "testClient", ...payload } }) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

describe("sandbox: the demo's simulated people", function () {
  this.timeout(20_000);
  let ensono: EnsonoSandbox;
  let snow: SnowSandbox;
  let aws: AwsSupportSandbox;
  let env: Record<string, string>;
  let client: SupportClient;
  const lines: string[] = [];
  const stops: Array<() => void> = [];

  before(async function () {
    [ensono, snow, aws] = await Promise.all([startEnsonoSandbox(), startSnowSandbox(), startAwsSupportSandbox()]);
    env = {
      SNOW_URL: snow.url,
      SNOW_USER: "integration",
      AWS_SUPPORT_ENDPOINT: aws.endpoint,
      AWS_ACCOUNT_ID: "111111111111",
      ENSONO_URL: ensono.envUrl("dev"),
      ENSONO_CLIENT_NAME: "testClient",
      ENSONO_GROUP: "Ensono",
      SYNC_POLL_SECONDS: "1",
    };
    client = new SupportClient({ region: "us-east-1", endpoint: aws.endpoint, credentials: { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } });
    // twice on the same simulators: the seed must not double, nor the answers
    stops.push(startDemoActors({ ensono, snow, aws, env, ...FAST, log: (l) => lines.push(l) }));
    stops.push(startDemoActors({ ensono, snow, aws, env, ...FAST, log: (l) => lines.push(l) }));
  });

  after(async function () {
    for (const stop of stops) stop();
    client?.destroy();
    await Promise.all([ensono?.close(), snow?.close(), aws?.close()]);
  });

  it("seeds ServiceNow once: two AWS incidents with listed service codes, two Ensono incidents, one for the service desk", async function () {
    const seeded = snow.table("incident").query("sys_created_by=agent.smith");
    should(seeded).have.length(5);
    for (const s of DEMO_SEED.snowIncidents) should(seeded.filter((r) => r.short_description === s.short_description)).have.length(1);
    const group = (name: string) => seeded.filter((r) => r.assignment_group === snow.groupId(name));
    const awsIncidents = group("AWS-111111111111");
    should(awsIncidents).have.length(2);
    const { services } = await client.send(new DescribeServicesCommand({}));
    const codes = (services ?? []).map((s) => s.code);
    for (const r of awsIncidents) {
      should(r.category).equal("aws");
      should(codes).containEql(r.subcategory);
      should(r.impact).not.equal("");
      should(r.urgency).not.equal("");
    }
    should(awsIncidents.map((r) => snow.journal(r.sys_id).filter((j) => j.element === "comments").length).sort()).eql([0, 1]);
    should(group("Ensono")).have.length(2);
    should(group("Service Desk")).have.length(1);
  });

  it("seeds Ensono once: an agent's Incident and Request (queued Creates) and a Normal change approved by ServiceNow's CAB approver", function () {
    const own = ensono.inspect.tickets("dev").filter((t) => t.createdBy === "ensono");
    should(own.map((t) => t.ticketType).sort()).eql(["Change", "Incident", "Request"]);
    const change = own.find((t) => t.ticketType === "Change")!;
    should(change.change!.type).equal("Normal");
    const cabEmail = snow.table("sys_user").query("user_name=cab.approver")[0].email;
    should(cabEmail).equal("cab.approver@client.example");
    should(change.change!.approvals.map((a) => a.approverEmail)).eql([cabEmail]);
    const queued = ensono.inspect.queue("dev").messages.map((m) => `${m.ticketNumber} ${m.transactionType}`);
    for (const t of own) should(queued).containEql(`${t.number} Create`);
    should(queued).containEql(`${change.number} Approval Request`);
    should(queued).have.length(4);
  });

  it("the AWS engineer answers each customer communication once, and resolves the case at the third exchange", async function () {
    const { caseId } = await client.send(
      new CreateCaseCommand({
        subject: "EC2 instance unreachable",
        communicationBody: "i-0abc fails its status checks since 09:00 UTC.",
        serviceCode: "amazon-elastic-compute-cloud-linux",
        categoryCode: "general-guidance",
        severityCode: "high",
        issueType: "technical",
      }),
    );
    const view = () => aws.inspect.cases("111111111111").find((c) => c.caseId === caseId)!;
    const engineer = () => view().communications.filter((m) => m.submittedBy === "Amazon Web Services");
    await until("first engineer reply", () => engineer().length === 1);
    should(view().status).equal("work-in-progress");
    should(engineer()[0].body).match(/status checks/);

    await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "We rebooted it; no change." }));
    await until("second engineer reply", () => engineer().length === 2);
    should(view().status).equal("pending-customer-action");

    await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "Back on the old kernel, status checks pass now." }));
    await until("resolution", () => view().status === "resolved");
    should(engineer()).have.length(3);
    should(view().resolvedBy).equal("operator");
    // two actor sets run on these simulators: still one reply per customer communication
    await sleep(FAST.intervalMs * 3 + FAST.replyDelayMs);
    should(engineer()).have.length(3);
    should(view().communications).have.length(6);
    should(lines.filter((l) => l.startsWith(`[aws engineer] replied to case ${view().displayId}`))).have.length(3);
  });

  it("the Ensono agent picks up a ticket the client created through the bridge, works on it, and resolves it after two client comments", async function () {
    const url = ensono.envUrl("dev");
    const created = await bridge(`${url}/tickets`, "POST", {
      ticketType: "Incident",
      clientTicketNumber: "INC0019999",
      priority: "2",
      group: "Ensono Service Desk",
      contactName: "John Doe",
      contactEmail: "john.doe@client.example",
      shortDescription: "VPN drops hourly",
      description: "The tunnel renegotiates every hour.",
    });
    should(created.status).equal(200);
    const n = created.json.Response as string;
    const ticket = () => ensono.inspect.ticket("dev", n)!;
    const pickups = () => ticket().comments.filter((c) => c.source === "ensono" && c.body === ENSONO_PICKUP);
    await until("pickup comment", () => pickups().length === 1);
    await until("workingprogress", () => ticket().status === "workingprogress");
    should(pickups()).have.length(1);

    for (const body of ["It affects 40 users.", "Still dropping at 10:00."]) {
      should((await bridge(`${url}/tickets/${n}/notes`, "PUT", { ticketType: "Incident", comments: [{ body, commenter: "Agent Smith" }] })).status).equal(200);
    }
    await until("resolution", () => ticket().status === "resolved");
    should(ticket().closeCode).equal("resolved");
    should(ticket().closeNotes).not.equal("");
    should(pickups()).have.length(1);
    should(lines.some((l) => l.startsWith(`[ensono agent] commented on incident ${n} (INC0019999)`))).be.true();
    should(lines.some((l) => l.startsWith(`[ensono agent] resolved incident ${n}`))).be.true();
    // the agent's own seed tickets are not picked up
    for (const t of ensono.inspect.tickets("dev").filter((x) => x.createdBy === "ensono")) should(t.comments).have.length(0);
  });

  it("the service desk answers a comment the sync brings into a seeded incident, and the CAB approver approves a change approval", async function () {
    const inc = snow.table("incident").query("sys_created_by=agent.smith^assignment_group.name=Ensono")[0];
    snow.agent("integration").comment("incident", inc.sys_id, "[Ensono e-CS1] Ensono Service Desk: we have picked this up.");
    const desk = () => snow.journal(inc.sys_id).filter((j) => j.element === "comments" && j.sys_created_by === "agent.smith");
    await until("service desk reply", () => desk().length === 1);

    const chg = snow.agent("integration").create("change_request", { short_description: "firmware", type: "normal", correlation_id: "e-CHG1" });
    const approval = snow.table("sysapproval_approver").insert({ approver: snow.userId("cab.approver"), sysapproval: chg.sys_id, state: "requested" });
    await until("approval", () => snow.table("sysapproval_approver").get(approval.sys_id)!.state === "approved");
    should(lines.some((l) => l.startsWith(`[cab approver] approved ${chg.number} (Ensono e-CHG1)`))).be.true();
  });

  it("logs and survives an actor's failure, and stops every timer when asked", async function () {
    const failing: string[] = [];
    const broken = { ...aws, inspect: { cases: (): never => { throw new Error("simulated outage"); }, calls: [] } } as AwsSupportSandbox;
    const stop = startDemoActors({ ensono, snow, aws: broken, env, ...FAST, log: (l) => failing.push(l) });
    await until("the failure logged twice", () => failing.filter((l) => l === "[aws engineer] simulated outage").length >= 2);
    stop();
    for (const s of stops) s();
    const { caseId } = await client.send(new CreateCaseCommand({ subject: "after stop", communicationBody: "anyone?", issueType: "customer-service", categoryCode: "billing", serviceCode: "customer-account" }));
    const before = lines.length + failing.length;
    await sleep(FAST.intervalMs * 5 + FAST.replyDelayMs * 2);
    should(aws.inspect.cases("111111111111").find((c) => c.caseId === caseId)!.communications).have.length(1);
    should(lines.length + failing.length).equal(before);
  });
});

describe("sandbox: the demo's ServiceNow seed waits for the flows' first poll", function () {
  this.timeout(20_000);
  it("creates the incidents only after the integration user has read the incident table once", async function () {
    const [ensono, snow, aws] = await Promise.all([startEnsonoSandbox(), startSnowSandbox(), startAwsSupportSandbox()]);
    const lines: string[] = [];
    const stop = startDemoActors({ ensono, snow, aws, env: { SYNC_POLL_SECONDS: "1" }, intervalMs: 40, replyDelayMs: 60, snowSeedWaitMs: 15_000, log: (l) => lines.push(l) });
    try {
      await sleep(300);
      should(snow.table("incident").query("")).have.length(0);
      should(ensono.inspect.tickets("dev")).have.length(3); // Ensono's queue keeps its seed: no need to wait
      const res = await fetch(`${snow.url}/api/now/table/incident?sysparm_limit=1`, { headers: { authorization: `Basic ${Buffer.from("integration:integration-pass").toString("base64")}` } });
      should(res.status).equal(200);
      await res.text();
      await until("seed after the first poll", () => snow.table("incident").query("").length === 5);
      should(lines.filter((l) => l.startsWith("[service desk] opened"))).have.length(5);
    } finally {
      stop();
      await Promise.all([ensono.close(), snow.close(), aws.close()]);
    }
  });
});
