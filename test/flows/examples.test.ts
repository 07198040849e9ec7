/**
 * Each small example flow, run from the file alone (no edits, no credentials
 * file) in a real Node-RED whose only configuration is the environment
 * variables of PRODUCT.md's contract, against the simulators.
 */
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { SupportClient, DescribeCasesCommand } from "@aws-sdk/client-support";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { sandboxEnv } from "../../sandbox/env";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";

function flowFile(name: string): unknown[] {
  return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", name), "utf8")) as unknown[];
}

async function inject(red: RunningNodeRed, id: string): Promise<void> {
  const res = await fetch(`${red.url}/inject/${id}`, { method: "POST" });
  should(res.status).equal(200);
}

describe(`the small example flows, from the file alone (${RUNTIME})`, function () {
  this.timeout(90_000);
  let ensono: EnsonoSandbox;
  let snow: SnowSandbox;
  let aws: AwsSupportSandbox;
  let env: Record<string, string>;
  let red: RunningNodeRed | undefined;

  before(async function () {
    [ensono, snow, aws] = await Promise.all([startEnsonoSandbox(), startSnowSandbox(), startAwsSupportSandbox()]);
    env = sandboxEnv({ ensono, snow, aws }, { pollSeconds: 1 });
  });
  afterEach(async function () {
    await red?.stop();
    red?.cleanup();
    red = undefined;
  });
  after(async function () {
    await Promise.all([ensono?.close(), snow?.close(), aws?.close()]);
  });

  it("ensono-queue-basics returns a client number for each Create and confirms every transaction off the queue", async function () {
    const a = ensono.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "Server unreachable", description: "Ping fails" });
    ensono.agent.comment("dev", a, "Network team is looking at it.");
    const b = ensono.agent.openTicket("dev", { ticketType: "Request", shortDescription: "VPN account", description: "For j.doe" });
    red = await startNodeRed({ flows: flowFile("ensono-queue-basics.json"), env });
    await eventually(() => ensono.inspect.ticket("dev", a)?.clientTicketNumber === `DEMO-${a.replace(/^e-/, "")}` && ensono.inspect.ticket("dev", b)?.clientTicketNumber);
    await eventually(() => {
      const q = ensono.inspect.queue("dev");
      return q.visible === 0 && q.inFlight === 0 && q.failed.length === 0;
    });
    const returned = ensono.inspect.calls("dev").filter((c) => c.route === "returnptn" && c.status === 200);
    should(returned.map((c) => c.ticketNumber).sort()).eql([a, b].sort());
  });

  it("servicenow-basics creates an incident, and comments on it as the integration user", async function () {
    red = await startNodeRed({ flows: flowFile("servicenow-basics.json"), env });
    await red.waitForLog(/Started flows/);
    await inject(red, "snow-basics-inject");
    const incident = await eventually(() => snow.table("incident").query("short_description=Printer on floor 3 is offline")[0]);
    should(incident.sys_created_by).equal("integration");
    const entries = await eventually(() => {
      const j = snow.journal(incident.sys_id);
      return j.length ? j : undefined;
    });
    should(entries.map((e) => [e.element, e.value, e.sys_created_by])).eql([["comments", "We are on it.", "integration"]]);
  });

  it("aws-support-basics opens a case marked as a test in the account from the environment", async function () {
    red = await startNodeRed({ flows: flowFile("aws-support-basics.json"), env });
    await inject(red, "aws-basics-case-inject");
    const client = new SupportClient({ region: "us-east-1", endpoint: aws.endpoint, credentials: { accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" } });
    try {
      const cases = await eventually(async () => {
        const r = await client.send(new DescribeCasesCommand({ includeResolvedCases: true }));
        return r.cases?.length ? r.cases : undefined;
      });
      should(cases).have.length(1);
      should(cases[0].subject).equal("TEST CASE--Please ignore EC2 instance fails status checks");
      should(cases[0].serviceCode).equal("amazon-elastic-compute-cloud-linux");
    } finally {
      client.destroy();
    }
  });
});
