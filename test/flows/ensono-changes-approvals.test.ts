/**
 * flows/ensono-changes.json, approvals: Approval Request → sysapproval_approver (the requested approver or the
 * configured default), duplicates, the first decision in ServiceNow sent to Ensono exactly once (a second
 * approver is not sent), and Node-RED stopped (gracefully, or killed) between a decision and its answer.
 */
import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEnsonoSandbox, type EnsonoSandbox, type CallRecord } from "../../sandbox/ensono";
import type { EnsonoModel } from "../../sandbox/ensono/model";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { PACKAGE_ROOT, RUNTIME } from "../helpers/paths";

type Row = Record<string, string>;
interface Decision {
  clientName: string;
  ticketType: string;
  clientTicketNumber: string;
  approver: string;
  approvalId: string;
  comments: Array<{ body: string }>;
}

describe(`ensono-changes.json: client approvals (${RUNTIME})`, function () {
  this.timeout(90_000);
  let ensono: EnsonoSandbox;
  let snow: SnowSandbox;
  let red: RunningNodeRed;

  before(async function () {
    [ensono, snow] = await Promise.all([startEnsonoSandbox({ visibilityTimeoutMs: 30_000 }), startSnowSandbox()]);
    const flows = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", "ensono-changes.json"), "utf8")) as unknown[];
    red = await startNodeRed({
      flows,
      env: { ...sandboxEnv({ ensono, snow }, { pollSeconds: 1 }), ENSONO_DEFAULT_APPROVER: "cab.deputy" },
    });
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
    await Promise.all([ensono?.close(), snow?.close()]);
  });

  const drained = () => eventually(() => ensono.inspect.queue("dev").messages.length === 0, 20_000, 50);
  const changeOf = (n: string): Row => {
    const rows = snow.table("change_request").query(`correlation_id=${n}^active=true`);
    should(rows).have.length(1);
    return rows[0];
  };
  const approvalsOf = (c: Row): Row[] => snow.table("sysapproval_approver").query(`sysapproval=${c.sys_id}^ORDERBYsys_created_on`);
  const decisions = (n: string): CallRecord[] => ensono.inspect.calls("dev").filter((x) => (x.route === "approve" || x.route === "reject") && x.ticketNumber === n);
  const payloadOf = (c: CallRecord) => (c.body as { payload: Decision }).payload;
  const userId = (userName: string) => snow.userId(userName);
  /** Two more watch polls and sweeps: whatever was going to be sent has been. */
  const settle = () => new Promise((r) => setTimeout(r, 2500));

  async function normalChange(approvers: Array<{ name: string; email: string }>): Promise<{ n: string; c: Row; approvals: Row[] }> {
    const n = ensono.agent.createChange("dev", { type: "Normal", shortDescription: "Approve me", description: "Why it matters", approvers });
    await drained();
    const c = changeOf(n);
    const approvals = await eventually(() => (approvalsOf(c).length === approvers.length ? approvalsOf(c) : undefined));
    return { n, c, approvals };
  }

  it("creates an approval for the user with the requested e-mail, or for the default approver, once per approvalId", async function () {
    const { n, c, approvals } = await normalChange([
      { name: "CAB Approver", email: "cab.approver@client.example" },
      { name: "Default User", email: "noreply@client.com" },
    ]);
    should(approvals.map((a) => [a.approver, a.state, a.source_table])).eql([
      [userId("cab.approver"), "requested", "change_request"],
      [userId("cab.deputy"), "requested", "change_request"], // ENSONO_DEFAULT_APPROVER
    ]);
    const ids = ensono.inspect.ticket("dev", n)!.change!.approvals.map((a) => a.approvalId);
    const intro = snow.journal(approvals[1].sys_id).map((e) => e.value);
    should(intro).have.length(1);
    should(intro[0]).startWith(`Ensono asks for approval of ${n} (${c.number}).\napprovalId: ${ids[1]}\nApprover named by Ensono: Default User <noreply@client.com>\n`);
    should(intro[0]).match(/assigned to the default approver CAB Deputy/);
    // the same Approval Request again (Ensono resending it, or a redelivery)
    const model = ensono.agent as unknown as EnsonoModel;
    const t = model.tickets.get(n)!;
    model.enqueue(t, "Approval Request", model.approvalRequestBody(t, t.change!.approvals[0]));
    model.enqueue(t, "Approval Request", model.approvalRequestBody(t, t.change!.approvals[1]));
    await drained();
    should(approvalsOf(c)).have.length(2);
    should(decisions(n)).have.length(0);
  });

  it("sends the approval with the approvalId, the requested e-mail and the guide's comment naming the final approver", async function () {
    const { n, c, approvals } = await normalChange([{ name: "CAB", email: "cab.approver@client.example" }]);
    snow.agent("cab.approver").approve(approvals[0].sys_id, "looks good");
    const [call] = await eventually(() => (decisions(n).length ? decisions(n) : undefined));
    await settle();
    should(decisions(n)).have.length(1);
    should(call.route).equal("approve");
    should(call.status).equal(200);
    const p = payloadOf(call);
    const approvalId = ensono.inspect.ticket("dev", n)!.change!.approvals[0].approvalId;
    should(p).containDeep({ clientName: "testClient", ticketType: "Change", clientTicketNumber: c.number, approver: "cab.approver@client.example", approvalId });
    should(p.comments).have.length(1);
    should(p.comments[0].body).match(new RegExp(`^CAB Approver, Email: cab.approver@client.example approved Change Request ${c.number} via ServiceNow at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\.$`));
    should(ensono.inspect.ticket("dev", n)!.change!.approval).equal("approved");
    should(snow.journal(c.sys_id).filter((e) => e.element === "work_notes").map((e) => e.value)).eql([
      `Ensono approval decision sent: approved by CAB Approver (approvalId ${approvalId}). Later decisions are not sent.`,
    ]);
  });

  it("sends a rejection with its reason", async function () {
    const { n, c, approvals } = await normalChange([{ name: "CAB", email: "cab.approver@client.example" }]);
    snow.agent("cab.approver").reject(approvals[0].sys_id, "time conflict with the billing run");
    const [call] = await eventually(() => (decisions(n).length ? decisions(n) : undefined));
    await settle();
    should(decisions(n)).have.length(1);
    should(call.route).equal("reject");
    should(payloadOf(call).comments[0].body).match(
      new RegExp(`^CAB Approver, Email: cab.approver@client.example rejected this Change Request ${c.number} due to time conflict with the billing run via ServiceNow at .* UTC\\.$`),
    );
    should(ensono.inspect.ticket("dev", n)!.change!.approval).equal("rejected");
  });

  it("sends only the first decision when two approvers answer, one after the other or in the same poll", async function () {
    const two = [
      { name: "CAB", email: "cab.approver@client.example" },
      { name: "Deputy", email: "cab.deputy@client.example" },
    ];
    // one after the other
    const a = await normalChange(two);
    snow.agent("cab.deputy").reject(a.approvals[1].sys_id, "not now");
    await eventually(() => decisions(a.n).length === 1);
    snow.clock.advance(2000);
    snow.agent("cab.approver").approve(a.approvals[0].sys_id, "fine by me");
    // in the same poll: the second decision is a second later on the instance's clock
    const b = await normalChange(two);
    snow.agent("cab.approver").approve(b.approvals[0].sys_id);
    snow.clock.advance(1000);
    snow.agent("cab.deputy").reject(b.approvals[1].sys_id, "objection");
    await eventually(() => decisions(b.n).length === 1);
    await settle();
    should(decisions(a.n).map((x) => [x.route, payloadOf(x).approver, x.ignored ?? false])).eql([["reject", "cab.deputy@client.example", false]]);
    should(decisions(b.n).map((x) => [x.route, payloadOf(x).approver, x.ignored ?? false])).eql([["approve", "cab.approver@client.example", false]]);
    should(payloadOf(decisions(a.n)[0]).comments[0].body).match(/^CAB Deputy, Email: cab.deputy@client.example rejected this Change Request .* due to not now via/);
  });

  it("a graceful restart between the decision and its answer neither loses nor repeats it", async function () {
    const { n, approvals } = await normalChange([{ name: "CAB", email: "cab.approver@client.example" }]);
    await red.stop();
    snow.agent("cab.approver").approve(approvals[0].sys_id, "approved while the integration was down");
    await red.start();
    await eventually(() => decisions(n).length === 1);
    await settle();
    should(decisions(n).map((x) => [x.route, x.status, x.ignored ?? false])).eql([["approve", 200, false]]);
  });

  it("a hard kill while the answer is on its way neither loses nor repeats it", async function () {
    const { n, approvals } = await normalChange([{ name: "CAB", email: "cab.approver@client.example" }]);
    // Ensono does not answer (and does not apply) approve calls: the flow dies waiting for the answer
    ensono.faults.add({ kind: "timeout", pathPrefix: `/tickets/${n}/approve` });
    snow.agent("cab.approver").approve(approvals[0].sys_id, "ok");
    const hung = () => ensono.inspect.calls("dev").filter((x) => x.hung && x.url.includes(`/tickets/${n}/approve`));
    await eventually(() => hung().length === 1);
    await red.kill();
    ensono.faults.clear();
    await red.start();
    await eventually(() => decisions(n).some((x) => x.status === 200));
    await settle();
    should(hung()).have.length(1); // the call that never got its answer (and never took effect)
    should(decisions(n).map((x) => [x.route, x.status, x.ignored ?? false])).eql([["approve", 200, false]]);
    should(ensono.inspect.ticket("dev", n)!.change!.approval).equal("approved");
    // and a decision the instance made while Node-RED was dead
    const second = await normalChange([{ name: "CAB", email: "cab.approver@client.example" }]);
    await red.kill();
    snow.agent("cab.approver").reject(second.approvals[0].sys_id, "no");
    await red.start();
    await eventually(() => decisions(second.n).length === 1);
    await settle();
    should(decisions(second.n).map((x) => [x.route, x.ignored ?? false])).eql([["reject", false]]);
  });
});
