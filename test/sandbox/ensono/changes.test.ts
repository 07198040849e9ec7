import should from "should";
import type { EnsonoSandbox } from "../../../sandbox/ensono";
import { call, createTicket, del, receive, startFrozen } from "./helpers";

async function drain(sb: EnsonoSandbox): Promise<any[]> {
  const all: any[] = [];
  for (;;) {
    const msgs = await receive(sb);
    if (msgs.length === 0) return all;
    for (const m of msgs) {
      all.push(m);
      await del(sb, m.ReceiptHandle);
    }
  }
}

function decision(approvalId: string, approver: string, body = "Jason Doe approved via Email") {
  return { payload: { clientName: "testClient", ticketType: "Change", clientTicketNumber: "CHG0001", approver, approvalId, comments: [{ body }] } };
}

const approvers = [
  { name: "Default User", email: "noreply@client.com" },
  { name: "Second User", email: "second@client.com" },
];

describe("ensono sandbox: changes", function () {
  let sb: EnsonoSandbox;
  beforeEach(async function () {
    sb = await startFrozen();
  });
  afterEach(async function () {
    await sb.close();
  });

  it("opens a Normal change at Assess with one Approval Request per approver and one Attachment per public attachment", async function () {
    const n = sb.agent.createChange("dev", {
      type: "Normal",
      approvers,
      attachments: [{ fileName: "plan.pdf", content: Buffer.from("%PDF"), contentType: "application/pdf" }],
      shortDescription: "patch",
      risk: "High",
    });
    const msgs = await drain(sb);
    should(msgs.map((m) => m.Attributes.TransactionType)).eql(["Create", "Approval Request", "Approval Request", "Attachment"]);
    should(msgs.every((m) => m.Attributes.MessageGroupId === n)).be.true();
    should(Object.keys(msgs[0].Body)).eql([
      "clientName", "ticketType", "clientTicketNumber", "ticketNumber", "group", "ensonoGroup", "openedAt", "updatedOn", "requestedByName",
      "shortDescription", "type", "category", "approval", "startDate", "endDate", "risk", "impact", "description", "justification",
      "preChangeChecks", "implementationPlan", "testPlan", "backoutPlan", "state", "priority", "cis",
    ]);
    should(msgs[0].Body).match({ ticketType: "Change", ticketNumber: n, group: "CLIENT - Ensono Other", ensonoGroup: "Platform BPMDevandSupport", type: "Normal", state: "Assess", approval: "requested", risk: "High" });
    should(msgs[1].Body).match({ ticketNumber: n, state: "Assess", approvalState: "Requested", approverName: "Default User", approverEmail: "noreply@client.com" });
    should(msgs[1].Body.approvalId).match(/^[0-9a-f]{32}$/);
    should(msgs[3].Body).match({ ticketType: "Change", attachmentName: "plan.pdf", ensonogroup: "Platform BPMDevandSupport" });
  });

  it("opens Standard at Scheduled and Emergency at Authorize, with no approval requests", async function () {
    sb.agent.createChange("dev", { type: "Standard", approvers });
    sb.agent.createChange("dev", { type: "Emergency", approvers });
    const msgs = await drain(sb);
    should(msgs.map((m) => [m.Body.type, m.Body.state, m.Attributes.TransactionType])).eql([
      ["Standard", "Scheduled", "Create"],
      ["Emergency", "Authorize", "Create"],
    ]);
  });

  it("counts only the first approve/reject; later ones are answered but not considered", async function () {
    const n = sb.agent.createChange("dev", { type: "Normal", approvers });
    const [, a1, a2] = await drain(sb);
    const first = await call(`${sb.envUrl()}/tickets/${n}/approve`, "PUT", decision(a1.Body.approvalId, "noreply@client.com"));
    should(first.status).equal(200);
    should(first.json).eql({ Response: "Approval Received Successfully" });
    const second = await call(`${sb.envUrl()}/tickets/${n}/reject`, "PUT", decision(a2.Body.approvalId, "second@client.com", "rejected: time conflict"));
    should(second.status).equal(200);
    should(second.json).eql({ Response: " Rejection Received Successfully" });
    const again = await call(`${sb.envUrl()}/tickets/${n}/approve`, "PUT", decision(a1.Body.approvalId, "noreply@client.com"));
    should(again.status).equal(200);
    const c = sb.inspect.ticket("dev", n)!.change!;
    should(c.decision).match({ action: "approve", approvalId: a1.Body.approvalId, approver: "noreply@client.com" });
    should(c.approval).equal("approved");
    should(c.approvals.map((a) => a.state)).eql(["approved", "cancelled"]);
    should(c.ignoredDecisions).equal(2);
    should(sb.inspect.calls("dev").filter((x) => x.route === "approve" || x.route === "reject").map((x) => !!x.ignored)).eql([false, true, true]);
    should(sb.inspect.ticket("dev", n)!.comments.map((x) => x.value)).eql(["Jason Doe approved via Email"]);
  });

  it("refuses an unknown approvalId, approve on an incident, and field updates on a change", async function () {
    const n = sb.agent.createChange("dev", { type: "Normal", approvers });
    const unknown = await call(`${sb.envUrl()}/tickets/${n}/approve`, "PUT", decision("0".repeat(32), "x@y.z"));
    should(unknown.status).equal(400);
    should(unknown.json.Response[0]).startWith("No approval record found");
    const inc = await createTicket(sb);
    const onIncident = await call(`${sb.envUrl()}/tickets/${inc}/approve`, "PUT", decision("x", "x@y.z"));
    should(onIncident.json).eql({ Response: "Bad Path" });
    const update = await call(`${sb.envUrl()}/tickets/${n}`, "PUT", { payload: { clientName: "testClient", ticketType: "Change", clientTicketNumber: "1", shortDescription: "x" } });
    should(update.json).eql({ Response: "Bad Path" });
  });

  it("takes returnptn and notes on a change (notes even with the guide's ticketType Incident); strictTicketType refuses that", async function () {
    const n = sb.agent.createChange("dev", { type: "Standard" });
    const ptn = await call(`${sb.envUrl()}/tickets/${n}/returnptn`, "PUT", { payload: { clientName: "testClient", ticketType: "Change", clientTicketNumber: "CHG0030001" } });
    should(ptn.json).eql({ Response: "PTN added" });
    const notes = { payload: { clientName: "testClient", ticketType: "Incident", clientTicketNumber: "123456", comments: [{ body: "moving to different group" }] } };
    should((await call(`${sb.envUrl()}/tickets/${n}/notes`, "PUT", notes)).json).eql({ Response: "Comments added" });
    sb.variants.strictTicketType = true;
    should((await call(`${sb.envUrl()}/tickets/${n}/notes`, "PUT", notes)).status).equal(400);
    sb.agent.comment("dev", n, "Adding a comment");
    const msgs = await drain(sb);
    should(msgs[1].Body).match({ ticketType: "Change", clientTicketNumber: "CHG0030001", notes: { type: "comment", body: "Adding a comment" } });
    should(msgs[1].Attributes.ClientReferenceAvailable).equal(true);
  });

  it("closes with a Closure carrying closeCode and closeNotes, after which the change is immutable", async function () {
    const n = sb.agent.createChange("dev", { type: "Normal", approvers: [approvers[0]] });
    const [, req] = await drain(sb);
    sb.agent.changeState("dev", n, "Implement");
    sb.agent.changeState("dev", n, "Review");
    sb.agent.changeState("dev", n, "Closed", { closeCode: "Successful Outside Change Window", closeNotes: "close notes text" });
    const msgs = await drain(sb);
    should(msgs.map((m) => [m.Attributes.TransactionType, m.Body.state])).eql([
      ["Update", "Implement"],
      ["Update", "Review"],
      ["Closure", "Closed"],
    ]);
    should(msgs[2].Body).match({ closeCode: "Successful Outside Change Window", closeNotes: "close notes text" });
    should(msgs[0].Body).not.have.property("closeCode");
    const late = await call(`${sb.envUrl()}/tickets/${n}/approve`, "PUT", decision(req.Body.approvalId, "noreply@client.com"));
    should(late.status).equal(400);
    should(() => sb.agent.changeState("dev", n, "Review")).throw(/no more updates/);
  });

  it("redrafts to New, and a return to Assess asks for approval again with new approvalIds", async function () {
    const n = sb.agent.createChange("dev", { type: "Normal", approvers: [approvers[0]] });
    const [, first] = await drain(sb);
    await call(`${sb.envUrl()}/tickets/${n}/reject`, "PUT", decision(first.Body.approvalId, "noreply@client.com", "rejected"));
    sb.agent.redraft("dev", n);
    sb.agent.changeState("dev", n, "Assess");
    const msgs = await drain(sb);
    should(msgs.map((m) => [m.Attributes.TransactionType, m.Body.state])).eql([
      ["Redraft", "New"],
      ["Update", "Assess"],
      ["Approval Request", "Assess"],
    ]);
    should(msgs[0].Body.approval).equal("not requested");
    should(msgs[1].Body.approval).equal("requested");
    const stale = await call(`${sb.envUrl()}/tickets/${n}/approve`, "PUT", decision(first.Body.approvalId, "noreply@client.com"));
    should(stale.status).equal(200);
    should(sb.inspect.ticket("dev", n)!.change!.decision).be.undefined();
    const fresh = await call(`${sb.envUrl()}/tickets/${n}/approve`, "PUT", decision(msgs[2].Body.approvalId, "noreply@client.com"));
    should(fresh.status).equal(200);
    should(sb.inspect.ticket("dev", n)!.change!.decision).match({ action: "approve" });
  });

  it("requests another approval on demand", async function () {
    const n = sb.agent.createChange("dev", { type: "Normal" });
    const id = sb.agent.requestApproval("dev", n, { name: "Late User", email: "late@client.com" });
    const msgs = await drain(sb);
    should(msgs[1].Body).match({ approvalId: id, approverEmail: "late@client.com" });
  });

  it("produces the other guide variants: Draft, title-case approval, Create on re-Assess, ensonogroup everywhere", async function () {
    Object.assign(sb.variants, { redraftState: "Draft", approvalCase: "title", approvalStateCase: "lower", reassessTransactionType: "Create", ensonoGroupKey: "ensonogroup", approvalRequestType: "ApprovalRequest", updatedKey: "updateOn" });
    const n = sb.agent.createChange("dev", { type: "Normal", approvers: [approvers[0]] });
    sb.agent.redraft("dev", n);
    sb.agent.changeState("dev", n, "Assess");
    const msgs = await drain(sb);
    should(msgs.map((m) => m.Attributes.TransactionType)).eql(["Create", "ApprovalRequest", "Redraft", "Create", "ApprovalRequest"]);
    should(msgs[0].Body).match({ approval: "Requested", ensonogroup: "Platform BPMDevandSupport" });
    should(msgs[0].Body).have.property("updateOn");
    should(msgs[1].Body.approvalState).equal("requested");
    should(msgs[2].Body).match({ state: "Draft", approval: "Not Yet Requested" });
  });
});
