/**
 * flows/servicenow-aws-support.json, run from the file alone (no edits, no
 * credentials file) in a real Node-RED whose only configuration is the
 * environment variables of PRODUCT.md's contract, against the ServiceNow and
 * AWS Support simulators. The simulators' agents drive the story; the
 * assertions read the simulators' state (records, journal, attachments,
 * cases, communications, calls).
 */
import should from "should";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../sandbox/aws-support";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";
import { RUNTIME } from "../helpers/paths";
import { ACCOUNT, GROUP, envFor, flowFile, kit, settle } from "./servicenow-aws-support-kit";

describe(`flows/servicenow-aws-support.json from the file alone (${RUNTIME})`, function () {
  this.timeout(90_000);
  let snow: SnowSandbox;
  let aws: AwsSupportSandbox;
  let red: RunningNodeRed;
  let k: ReturnType<typeof kit>;

  before(async function () {
    [snow, aws] = await Promise.all([startSnowSandbox(), startAwsSupportSandbox()]);
    k = kit(snow, aws);
    red = await startNodeRed({ flows: flowFile(), env: envFor(snow, aws) });
    // the first polls record what exists
    await settle(2_500);
  });
  after(async function () {
    await red?.stop();
    red?.cleanup();
    await Promise.all([snow?.close(), aws?.close()]);
  });

  it("two matching incidents open exactly two cases, each bonded with a work note naming it", async function () {
    const a = k.incident({ category: "AWS", short_description: "Lambda timeouts", description: "Since 09:00 UTC every invocation times out.", impact: "1", urgency: "1" });
    const b = k.incident({ subcategory: "amazon-simple-storage-service", short_description: "S3 403s", description: "GetObject answers 403." });
    const ba = await k.bonded(a.sys_id);
    const bb = await k.bonded(b.sys_id);
    await settle();
    should(k.casesFor(a.number)).have.length(1);
    should(k.casesFor(b.number)).have.length(1);
    const ca = k.caseOf(a.sys_id)!;
    should(ba.correlation_display).equal(`AWS Support ${ACCOUNT}`);
    should(ca.subject).equal(`${a.number}: Lambda timeouts`); // production account: no TEST CASE prefix
    should(ca).containDeep({ serviceCode: "aws-lambda", categoryCode: "general-guidance", severityCode: "urgent", issueType: "technical" });
    should(ca.communications[0].body).startWith(`Since 09:00 UTC every invocation times out.\n\n-- ServiceNow incident ${a.number}`);
    const notes = k.workNotes(a.sys_id).map((e) => e.value);
    should(notes).have.length(1);
    should(notes[0]).match(new RegExp(`^Opened AWS Support case ${ca.displayId} \\(${ca.caseId}\\) in account ${ACCOUNT}`));
    should(notes[0]).match(/no severity 'critical'; the case uses 'urgent'/);
    const cb = k.caseOf(b.sys_id)!;
    should(bb.correlation_id).equal(cb.caseId);
    should(cb).containDeep({ serviceCode: "amazon-simple-storage-service", severityCode: "high" });
    should(k.calls("CreateCase")).have.length(2);
  });

  it("a group that is no account's gets one work note; moved to the account's group later, the incident opens one case", async function () {
    const i = k.incident({ assignment_group: "Network", short_description: "EKS nodes NotReady", subcategory: "amazon-elastic-kubernetes-service" });
    const note = await eventually(() => k.workNotes(i.sys_id)[0]);
    should(note.value).startWith('Not sent to AWS Support: the assignment group "Network" is not the group of any AWS account configured in this flow');
    k.agent.update("incident", i.sys_id, { short_description: "EKS nodes NotReady (all AZs)" });
    // not for AWS at all: another category, or a sub-category that is no service code (no note either)
    const other = k.incident({ category: "network", short_description: "Switch down" });
    const noService = k.incident({ assignment_group: "Network", subcategory: "email", short_description: "Mail bounces" });
    await settle(4_000);
    should(k.workNotes(i.sys_id)).have.length(1);
    should(k.casesFor(i.number)).have.length(0);
    // comes to match later: the Assign
    k.agent.update("incident", i.sys_id, { assignment_group: GROUP });
    const bonded = await k.bonded(i.sys_id);
    await settle();
    should(k.casesFor(i.number)).have.length(1);
    should(k.caseOf(i.sys_id)!.subject).equal(`${i.number}: EKS nodes NotReady (all AZs)`);
    should(bonded.correlation_display).equal(`AWS Support ${ACCOUNT}`);
    should(k.workNotes(i.sys_id)).have.length(2);
    for (const x of [other, noService]) {
      should(k.get(x.sys_id).correlation_id).equal("");
      should(k.workNotes(x.sys_id)).have.length(0);
      should(k.casesFor(x.number)).have.length(0);
    }
  });

  it("comments cross both ways with an attribution header and the body verbatim; work notes stay private; nothing echoes", async function () {
    const i = k.incident({ short_description: "DynamoDB throttling", subcategory: "amazon-dynamodb" });
    const caseId = (await k.bonded(i.sys_id)).correlation_id;
    const displayId = k.caseOf(i.sys_id)!.displayId;
    k.agent.comment("incident", i.sys_id, "Table orders, eu-west-1.\n  Consumed 4000 WCU.");
    k.agent.workNote("incident", i.sys_id, "internal: customer is a VIP");
    const sent = await eventually(() => k.ours(caseId).find((m) => m.body.endsWith("\nTable orders, eu-west-1.\n  Consumed 4000 WCU.")));
    should(sent.body).match(new RegExp(`^ServiceNow ${i.number} · comment by agent\\.smith · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC · ref [0-9a-f]{8}\\nTable orders`));
    // the engineer answers: the case waits for the customer → New, group cleared (PRODUCT.md's table)
    aws.engineer.reply(caseId, "Please share the table's ARN.\n\nThanks,\nAWS");
    const c = await eventually(() => k.comments(i.sys_id).find((e) => e.sys_created_by === "integration"));
    should(c.value).match(new RegExp(`^AWS Support case ${displayId} · Amazon Web Services · \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\nPlease share the table's ARN\\.\\n\\nThanks,\\nAWS$`));
    await eventually(() => k.get(i.sys_id).state === "1" && k.get(i.sys_id).assignment_group === "");
    // the group is cleared, the bond holds: the answer reaches the case, which moves on → In Progress
    k.agent.comment("incident", i.sys_id, "arn:aws:dynamodb:eu-west-1:111111111111:table/orders");
    await eventually(() => k.ours(caseId).some((m) => m.body.endsWith("table/orders")));
    await eventually(() => k.get(i.sys_id).state === "2");
    should(k.caseOf(i.sys_id)!.status).equal("customer-action-completed");
    should(k.get(i.sys_id).assignment_group).equal("");
    // several cycles later: each crossed once, no work note crossed, nothing came back
    await settle(5_000);
    const comms = k.caseOf(i.sys_id)!.communications;
    should(comms.filter((m) => m.body.includes("Table orders"))).have.length(1);
    should(comms.filter((m) => m.body.includes("table/orders"))).have.length(1);
    should(comms.filter((m) => m.body.includes("Please share the table's ARN"))).have.length(1);
    should(comms.some((m) => m.body.includes("VIP"))).be.false();
    should(comms).have.length(4); // the case's first body, two comments, one reply
    should(k.comments(i.sys_id)).have.length(3); // two of the agent's, one from AWS
  });

  it("AWS statuses set the incident's state and group as PRODUCT.md's table says", async function () {
    const i = k.incident({ short_description: "EC2 status checks", subcategory: "amazon-elastic-compute-cloud-linux" });
    const caseId = (await k.bonded(i.sys_id)).correlation_id;
    const displayId = k.caseOf(i.sys_id)!.displayId;
    const gid = snow.groupId(GROUP);
    const network = snow.groupId("Network");
    const step = async (status: string, state: string, group: string) => {
      aws.engineer.setStatus(caseId, status);
      await eventually(() => {
        const r = k.get(i.sys_id);
        return r.state === state && r.assignment_group === group;
      });
    };
    await step("work-in-progress", "2", gid);
    await step("pending-customer-action", "1", "");
    await step("customer-action-completed", "2", ""); // group unchanged
    await step("opened", "1", gid);
    k.agent.update("incident", i.sys_id, { assignment_group: "Network" });
    await step("work-in-progress", "2", network); // group unchanged
    await step("unassigned", "1", gid);
    k.agent.update("incident", i.sys_id, { assignment_group: "Network", state: "2" });
    await settle(2_000);
    await step("reopened", "1", gid);
    aws.engineer.resolve(caseId, "operator");
    await eventually(() => k.get(i.sys_id).state === "6");
    should(k.get(i.sys_id)).containDeep({ close_code: "Solution provided", assignment_group: gid });
    should(k.get(i.sys_id).close_notes).containEql(displayId);
    const notes = k.workNotes(i.sys_id).map((e) => e.value);
    should(notes.filter((n) => n.startsWith(`AWS Support case ${displayId}: `))).have.length(8);
    should(notes).containEql(`AWS Support case ${displayId}: reopened → resolved.`);
    await settle();
    should(k.caseOf(i.sys_id)!.resolvedBy).equal("operator"); // the remote resolution did not come back as a ResolveCase
  });

  it("attachments up to 5 MB cross both ways once; a larger one gets a comment saying why it did not", async function () {
    const i = k.incident({ short_description: "CloudWatch alarms missing", subcategory: "amazon-cloudwatch" });
    const caseId = (await k.bonded(i.sys_id)).correlation_id;
    const displayId = k.caseOf(i.sys_id)!.displayId;
    k.agent.attach("incident", i.sys_id, "metrics.csv", Buffer.from("timestamp,value\n1,2\n"), "text/csv");
    k.agent.attach("incident", i.sys_id, "dump-5mb.bin", Buffer.alloc(5 * 1024 * 1024, 7));
    k.agent.attach("incident", i.sys_id, "heap-too-big.bin", Buffer.alloc(5 * 1024 * 1024 + 1, 1));
    aws.engineer.reply(caseId, "Here is the runbook.", { attachments: [{ fileName: "runbook.pdf", data: Buffer.from("%PDF-1.4 runbook") }], status: "work-in-progress" });
    const files = () => k.caseOf(i.sys_id)!.communications.flatMap((m) => m.attachmentSet.map((a) => a.fileName));
    await eventually(() => files().includes("metrics.csv") && files().includes("dump-5mb.bin"), 30_000);
    const refusal = await eventually(() => k.comments(i.sys_id).find((e) => e.value.startsWith("Attachment heap-too-big.bin")));
    should(refusal.value).equal(`Attachment heap-too-big.bin (5242881 bytes) was not sent to AWS Support case ${displayId}: AWS Support accepts attachments of at most 5 MB (5242880 bytes) each.`);
    const up = await eventually(() => snow.attachments(i.sys_id).find((a) => a.file_name === "runbook.pdf"));
    should(up.content.toString()).equal("%PDF-1.4 runbook");
    should(up.sys_created_by).equal("integration");
    const carrier = k.ours(caseId).find((m) => m.attachmentSet.some((a) => a.fileName === "metrics.csv"))!;
    should(carrier.body).match(new RegExp(`^ServiceNow ${i.number} · attachment metrics\\.csv \\(20 bytes\\) by agent\\.smith · `));
    await settle(5_000);
    should(files().sort()).eql(["dump-5mb.bin", "metrics.csv", "runbook.pdf"]);
    should(snow.attachments(i.sys_id).map((a) => a.file_name).sort()).eql(["dump-5mb.bin", "heap-too-big.bin", "metrics.csv", "runbook.pdf"]);
    should(k.comments(i.sys_id).filter((e) => e.value.startsWith("Attachment heap-too-big.bin"))).have.length(1);
    should(k.get(i.sys_id).state).equal("2");
  });

  it("the auto-resolver resolves the incident; a later comment reopens case and incident; resolving then closing locally sends one ResolveCase", async function () {
    const i = k.incident({ short_description: "Route 53 resolution", subcategory: "amazon-route53" });
    const caseId = (await k.bonded(i.sys_id)).correlation_id;
    const displayId = k.caseOf(i.sys_id)!.displayId;
    aws.engineer.resolve(caseId, "auto-resolver");
    await eventually(() => k.get(i.sys_id).state === "6");
    should(k.get(i.sys_id).close_code).equal("Solution provided");
    should(k.get(i.sys_id).close_notes).containEql(displayId);
    await eventually(() => k.comments(i.sys_id).some((e) => e.value.includes("We haven't heard back from you")));
    // a comment after the resolution: sent (AWS reopens the case), the incident goes back to In Progress
    snow.clock.advance(2_000);
    k.agent.comment("incident", i.sys_id, "Still failing for api.example.com");
    await eventually(() => k.caseOf(i.sys_id)!.status === "reopened");
    await eventually(() => k.get(i.sys_id).state === "2");
    await settle(3_000);
    should(k.get(i.sys_id)).containDeep({ state: "2", reopen_count: "1" });
    should(k.ours(caseId).filter((m) => m.body.endsWith("Still failing for api.example.com"))).have.length(1);
    // resolved locally: one ResolveCase; closed afterwards: none more
    const before = k.calls("ResolveCase").length;
    snow.clock.advance(2_000);
    k.agent.update("incident", i.sys_id, { state: "6", close_code: "Solution provided", close_notes: "DNS record fixed" });
    await eventually(() => k.caseOf(i.sys_id)!.status === "resolved");
    await settle(3_000);
    should(k.get(i.sys_id)).containDeep({ state: "6", close_notes: "DNS record fixed" }); // the agent's resolution stays
    snow.setRoles("agent.smith", ["itil", "itil_admin"]);
    k.agent.update("incident", i.sys_id, { state: "7" });
    await eventually(() => k.get(i.sys_id).state === "7");
    await settle(3_000);
    should(k.calls("ResolveCase").length - before).equal(1);
    should(k.caseOf(i.sys_id)!.resolvedBy).equal("customer");
    snow.setRoles("agent.smith", ["itil"]);
  });

  it("canceling an incident resolves its case", async function () {
    const i = k.incident({ short_description: "SQS backlog", subcategory: "amazon-simple-queue-service" });
    await k.bonded(i.sys_id);
    const before = k.calls("ResolveCase").length;
    k.agent.update("incident", i.sys_id, { state: "8", close_notes: "Raised by mistake" });
    await eventually(() => k.caseOf(i.sys_id)!.status === "resolved");
    await settle();
    should(k.calls("ResolveCase").length - before).equal(1);
    should(k.get(i.sys_id).state).equal("8");
  });
});
