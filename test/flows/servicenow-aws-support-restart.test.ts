/**
 * flows/servicenow-aws-support.json across restarts in the middle of a sync:
 * graceful (red.restart()) and hard (red.kill(); red.start()). No duplicate
 * case, comment, communication or attachment; nothing lost.
 */
import should from "should";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { RUNTIME } from "../helpers/paths";
import { envFor, flowFile, kit, settle } from "./servicenow-aws-support-kit";

describe(`flows/servicenow-aws-support.json across restarts mid-sync (${RUNTIME})`, function () {
  this.timeout(90_000);
  let snow: SnowSandbox;
  let aws: AwsSupportSandbox;
  let red: RunningNodeRed;
  let k: ReturnType<typeof kit>;

  before(async function () {
    [snow, aws] = await Promise.all([startSnowSandbox(), startAwsSupportSandbox()]);
    k = kit(snow, aws);
    red = await startNodeRed({ flows: flowFile(), env: envFor(snow, aws) });
    await settle(2_500);
  });
  afterEach(function () {
    snow.faults.clear();
    aws.faults.clear();
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
    await Promise.all([snow?.close(), aws?.close()]);
  });

  /** every item crossed exactly once */
  function once(caseId: string, sysId: string, toAws: string[], toSnow: string[]) {
    const comms = k.caseOf(sysId)!.communications;
    for (const t of toAws) should(comms.filter((m) => m.body.includes(t))).have.length(1, `${t} on the case`);
    const comments = k.comments(sysId);
    for (const t of toSnow) should(comments.filter((e) => e.value.includes(t))).have.length(1, `${t} on the incident`);
    should(k.ours(caseId).length).be.above(0);
  }

  it("graceful restart while comments, replies, attachments and a new case are in flight", async function () {
    const i = k.incident({ short_description: "Aurora failover", subcategory: "amazon-relational-database-service-aurora" });
    const caseId = (await k.bonded(i.sys_id)).correlation_id;
    for (const n of [1, 2, 3]) k.agent.comment("incident", i.sys_id, `agent comment ${n}`);
    k.agent.attach("incident", i.sys_id, "slowlog.txt", Buffer.from("select 1;"));
    aws.engineer.reply(caseId, "engineer reply A", { status: "work-in-progress", attachments: [{ fileName: "tuning.md", data: Buffer.from("# tune") }] });
    aws.engineer.reply(caseId, "engineer reply B", { status: "work-in-progress" });
    const j = k.incident({ short_description: "Lambda cold starts", subcategory: "aws-lambda" });
    await eventually(() => k.ours(caseId).some((m) => m.body.includes("agent comment")) || k.comments(i.sys_id).length > 0, 10_000);
    await red.restart();
    // replies made while it restarted
    aws.engineer.reply(caseId, "engineer reply C", { status: "work-in-progress" });
    await eventually(() => {
      const comms = k.caseOf(i.sys_id)!.communications;
      return [1, 2, 3].every((n) => comms.some((m) => m.body.includes(`agent comment ${n}`))) && comms.some((m) => m.attachmentSet.some((a) => a.fileName === "slowlog.txt"));
    }, 30_000);
    await eventually(() => ["A", "B", "C"].every((x) => k.comments(i.sys_id).some((e) => e.value.includes(`engineer reply ${x}`))) && snow.attachments(i.sys_id).some((a) => a.file_name === "tuning.md"), 30_000);
    await k.bonded(j.sys_id);
    await settle(4_000);
    once(caseId, i.sys_id, ["agent comment 1", "agent comment 2", "agent comment 3", "engineer reply A", "engineer reply B", "engineer reply C"], ["engineer reply A", "engineer reply B", "engineer reply C"]);
    should(k.caseOf(i.sys_id)!.communications.flatMap((m) => m.attachmentSet.map((a) => a.fileName)).sort()).eql(["slowlog.txt", "tuning.md"]);
    should(snow.attachments(i.sys_id).map((a) => a.file_name).sort()).eql(["slowlog.txt", "tuning.md"]);
    should(k.casesFor(i.number)).have.length(1);
    should(k.casesFor(j.number)).have.length(1);
    should(k.get(i.sys_id).state).equal("2");
  });

  it("hard kill between opening a case and bonding the incident: after the start it is bonded to that case, not a second one", async function () {
    // the bond's PATCH never gets an answer (nor takes effect): Node-RED dies waiting for it
    snow.faults.add({ kind: "timeout", method: "PATCH", pathPrefix: "/api/now/table/incident", count: 1 });
    const i = k.incident({ short_description: "VPC peering down", subcategory: "amazon-virtual-private-cloud" });
    await eventually(() => k.casesFor(i.number).length === 1, 20_000);
    await settle(500);
    await red.kill();
    should(k.get(i.sys_id).correlation_id).equal("");
    snow.faults.clear();
    await red.start();
    const b = await k.bonded(i.sys_id);
    await settle(3_000);
    should(k.casesFor(i.number)).have.length(1);
    should(b.correlation_id).equal(k.casesFor(i.number)[0].caseId);
    const notes = k.workNotes(i.sys_id).map((e) => e.value).filter((v) => /AWS Support case/.test(v));
    should(notes).have.length(1);
    should(notes[0]).startWith("Bonded to AWS Support case");
  });

  it("hard kill while a communication is on its way and replies arrive: each crosses once after the start", async function () {
    const i = k.incident({ short_description: "ELB 502s", subcategory: "amazon-elastic-load-balancing" });
    const caseId = (await k.bonded(i.sys_id)).correlation_id;
    // the first communication reaches AWS but its answer never comes back
    aws.faults.add({ kind: "timeout", pathPrefix: "/AddCommunicationToCase", count: 1, process: true });
    k.agent.comment("incident", i.sys_id, "first: 502 on /checkout");
    await eventually(() => k.ours(caseId).some((m) => m.body.includes("first: 502")), 20_000);
    k.agent.comment("incident", i.sys_id, "second: since 10:00");
    await red.kill();
    aws.faults.clear();
    // while Node-RED is down: more on both sides
    k.agent.comment("incident", i.sys_id, "third: only in eu-west-1");
    aws.engineer.reply(caseId, "engineer: which target group?", { status: "work-in-progress" });
    await red.start();
    await eventually(() => ["first: 502", "second: since", "third: only"].every((t) => k.caseOf(i.sys_id)!.communications.some((m) => m.body.includes(t))), 30_000);
    await eventually(() => k.comments(i.sys_id).some((e) => e.value.includes("engineer: which target group?")), 30_000);
    await settle(4_000);
    once(caseId, i.sys_id, ["first: 502", "second: since", "third: only", "engineer: which target group?"], ["engineer: which target group?"]);
    should(k.casesFor(i.number)).have.length(1);
    should(k.get(i.sys_id).state).equal("2");
  });
});
