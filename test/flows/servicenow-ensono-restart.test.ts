/**
 * flows/servicenow-ensono.json across restarts, graceful (restart()) and hard
 * (kill(); start()), in the middle of a sync: no duplicate record, ticket, comment or
 * attachment, nothing lost. The flow file runs unchanged with only the environment
 * variables; the Ensono agent and ServiceNow's agent drive the story.
 */
import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";

const FLOW = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", "servicenow-ensono.json"), "utf8")) as unknown[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`servicenow-ensono.json across restarts (${RUNTIME})`, function () {
  this.timeout(150_000);
  let ensono: EnsonoSandbox;
  let snow: SnowSandbox;
  let red: RunningNodeRed | undefined;

  beforeEach(async function () {
    [ensono, snow] = await Promise.all([startEnsonoSandbox(), startSnowSandbox()]);
  });
  afterEach(async function () {
    await red?.stop();
    red?.cleanup();
    red = undefined;
    await Promise.all([ensono?.close(), snow?.close()]);
  });
  const start = async () => {
    red = await startNodeRed({
      flows: FLOW,
      env: sandboxEnv({ ensono, snow }, { pollSeconds: 1 }),
    });
  };

  /** 6 Ensono tickets (incidents and requests), each with two comments and an attachment, drained across `interrupt` */
  async function drainAcross(interrupt: () => Promise<void>, afterStart: () => void) {
    const tickets: Array<[string, string]> = [];
    for (let i = 0; i < 6; i++) {
      const type = i % 2 ? "Request" : "Incident";
      const n = ensono.agent.openTicket("dev", { ticketType: type, shortDescription: `ticket ${i}`, description: "d" });
      ensono.agent.comment("dev", n, `first comment on ${i}`);
      ensono.agent.addPublicAttachment("dev", n, `file-${i}.txt`, Buffer.from(`content ${i}`), "text/plain");
      ensono.agent.comment("dev", n, `second comment on ${i}`);
      tickets.push([n, type === "Request" ? "sc_req_item" : "incident"]);
    }
    snow.faults.add({ kind: "latency", ms: 150 }); // slow ServiceNow so that the interruption lands mid-drain
    await start();
    await eventually(() => tickets.filter(([n, t]) => snow.table(t).query(`correlation_id=${n}`).length).length >= 2, 30_000, 20);
    const complete = tickets.filter(([n, t]) => {
      const r = snow.table(t).query(`correlation_id=${n}`)[0];
      return r && snow.attachments(r.sys_id).length && snow.journal(r.sys_id).filter((e) => e.element === "comments").length === 2;
    }).length;
    should(complete).be.below(tickets.length); // the interruption does land mid-drain
    await interrupt();
    afterStart();
    await eventually(() => {
      const q = ensono.inspect.queue("dev");
      return q.visible === 0 && q.inFlight === 0 && tickets.every(([n]) => ensono.inspect.ticket("dev", n)!.clientTicketNumber !== "");
    }, 60_000);
    should(ensono.inspect.queue("dev").failed).have.length(0);
    for (const [n, table] of tickets) {
      const recs = snow.table(table).query(`correlation_id=${n}`);
      should(recs).have.length(1);
      const comments = snow.journal(recs[0].sys_id).filter((e) => e.element === "comments").map((e) => e.value.split("\n").slice(1).join("\n"));
      const i = tickets.findIndex(([x]) => x === n);
      should(comments.sort()).eql([`first comment on ${i}`, `second comment on ${i}`]);
      should(snow.attachments(recs[0].sys_id).map((a) => a.file_name)).eql([`file-${i}.txt`]);
      should(ensono.inspect.ticket("dev", n)!.clientTicketNumber).equal(recs[0].number);
    }
  }

  it("a graceful restart in the middle of draining Ensono's queue: every record, comment and attachment once", async function () {
    await drainAcross(() => red!.restart(), () => void setTimeout(() => ensono.clock.advance(31_000), 1500)); // in flight at the stop: back after the visibility timeout
  });

  it("a hard kill in the middle of draining Ensono's queue: what was in flight comes back and is applied once", async function () {
    await drainAcross(
      async () => {
        await red!.kill();
        await red!.start();
      },
      () => {
        // transactions that were in flight come back after the visibility timeout
        setTimeout(() => ensono.clock.advance(31_000), 1500);
        setTimeout(() => ensono.clock.advance(31_000), 6000);
      },
    );
  });

  it("ServiceNow → Ensono: a pending create survives a hard kill and a graceful restart; changes made while down cross once", async function () {
    snow.setRoles("agent.smith", ["itil", "itil_admin"]);
    await start();
    await eventually(() => snow.requests.some((r) => r.method === "GET" && r.path === "/api/now/table/incident" && r.status === 200));
    await sleep(1500);
    const agent = snow.agent("agent.smith");
    ensono.timeoutNextCreate({ env: "dev", answer: "504" });
    const inc = agent.createIncident({ short_description: "pending across a crash", description: "x", assignment_group: "Ensono" });
    agent.comment("incident", inc.sys_id, "before bridging");
    const ticket = await eventually(() => ensono.inspect.tickets("dev").find((t) => t.clientTicketNumber === inc.number));
    await sleep(1000); // the create's lost answer is recorded as pending
    await red!.kill();
    agent.comment("incident", inc.sys_id, "while Node-RED was down");
    agent.update("incident", inc.sys_id, { short_description: "pending across a crash (edited)" });
    await red!.start();
    await sleep(2500);
    should(ensono.inspect.tickets("dev").filter((t) => t.clientTicketNumber === inc.number)).have.length(1);
    ensono.clock.advance(6000); // ReturnEnsonoNum arrives
    await eventually(() => snow.table("incident").get(inc.sys_id)!.correlation_id === ticket.number);
    await eventually(() => ensono.inspect.ticket("dev", ticket.number)!.comments.some((c) => c.body === "while Node-RED was down"));
    // graceful restart; more happens while it is down
    await red!.stop();
    agent.comment("incident", inc.sys_id, "while Node-RED restarted");
    agent.update("incident", inc.sys_id, { state: "2" });
    await red!.start();
    await eventually(() => ensono.inspect.ticket("dev", ticket.number)!.status === "workingprogress");
    await eventually(() => ensono.inspect.ticket("dev", ticket.number)!.comments.some((c) => c.body === "while Node-RED restarted"));
    await sleep(2500);
    const t = ensono.inspect.ticket("dev", ticket.number)!;
    should(t.comments.map((c) => c.body).sort()).eql(["before bridging", "while Node-RED restarted", "while Node-RED was down"]);
    should(ensono.inspect.tickets("dev").filter((x) => x.clientTicketNumber === inc.number)).have.length(1);
    should(ensono.inspect.calls("dev").filter((c) => c.route === "create")).have.length(1);
  });
});
