import should from "should";
import {
  AddCommunicationToCaseCommand,
  CreateCaseCommand,
  DescribeAttachmentCommand,
  DescribeCasesCommand,
  DescribeCommunicationsCommand,
  DescribeSeverityLevelsCommand,
  type SupportClient,
} from "@aws-sdk/client-support";
import type { AwsSupportSandbox } from "../../../sandbox/aws-support";
import { ACCOUNT_A, NEW_CASE, clientFor, rejectionOf, startFrozen } from "./support-fixture";

async function control(sandbox: AwsSupportSandbox, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(sandbox.endpoint + path, { method, headers: body === undefined ? {} : { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe("AWS Support sandbox: the engineer, status transitions and the control API", function () {
  let sandbox: AwsSupportSandbox;
  let client: SupportClient;
  let caseId: string;

  beforeEach(async function () {
    sandbox = await startFrozen();
    client = clientFor(sandbox, ACCOUNT_A);
    caseId = (await client.send(new CreateCaseCommand(NEW_CASE))).caseId!;
  });

  afterEach(async function () {
    client.destroy();
    await sandbox.close();
  });

  async function status(): Promise<string> {
    const { cases } = await client.send(new DescribeCasesCommand({ caseIdList: [caseId], includeResolvedCases: true }));
    return cases![0].status!;
  }

  it("shows an engineer's reply as submitted by Amazon Web Services and waits on the customer", async function () {
    sandbox.clock.advance(5 * 60_000);
    sandbox.engineer.reply(caseId, "Could you send the request id?");
    const { communications } = await client.send(new DescribeCommunicationsCommand({ caseId }));
    should(communications![0]).containEql({ body: "Could you send the request id?", submittedBy: "Amazon Web Services", timeCreated: "2025-03-01T09:05:00.000Z" });
    should(await status()).equal("pending-customer-action");
  });

  it("moves pending-customer-action to customer-action-completed on a customer reply", async function () {
    sandbox.engineer.reply(caseId, "Need logs");
    await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "Here they are" }));
    should(await status()).equal("customer-action-completed");
  });

  it("leaves other statuses as they are on a customer reply", async function () {
    sandbox.engineer.setStatus(caseId, "work-in-progress");
    await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "Any news?" }));
    should(await status()).equal("work-in-progress");
  });

  it("reopens a resolved case on a customer reply, whoever resolved it", async function () {
    sandbox.engineer.resolve(caseId, "operator");
    should(await status()).equal("resolved");
    should(sandbox.inspect.cases(ACCOUNT_A.accountId)[0].resolvedBy).equal("operator");
    await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "It happened again" }));
    should(await status()).equal("reopened");
  });

  it("has the auto-resolver leave a note from Amazon Web Services when it resolves", async function () {
    sandbox.engineer.resolve(caseId, "auto-resolver");
    const { communications } = await client.send(new DescribeCommunicationsCommand({ caseId }));
    should(communications![0].submittedBy).equal("Amazon Web Services");
    should(communications![0].body).match(/resolving it/);
    should(sandbox.inspect.cases(ACCOUNT_A.accountId)[0]).containEql({ status: "resolved", resolvedBy: "auto-resolver" });
  });

  it("attaches an engineer's files so DescribeAttachment returns them", async function () {
    sandbox.engineer.reply(caseId, "See the attached analysis", { attachments: [{ fileName: "analysis.txt", data: Buffer.from("root cause") }], status: "work-in-progress" });
    const { communications } = await client.send(new DescribeCommunicationsCommand({ caseId }));
    const [ref] = communications![0].attachmentSet!;
    const { attachment } = await client.send(new DescribeAttachmentCommand({ attachmentId: ref.attachmentId }));
    should(Buffer.from(attachment!.data!).toString()).equal("root cause");
    should(await status()).equal("work-in-progress");
  });

  it("refuses an unknown status or case from the engineer", async function () {
    should(() => sandbox.engineer.setStatus(caseId, "pending")).throw(/unknown case status/);
    should(() => sandbox.engineer.reply("case-nope", "hi")).throw(/no case/);
  });

  describe("over HTTP", function () {
    it("replies, changes status and resolves through /_sandbox/cases/…", async function () {
      const reply = await control(sandbox, "POST", `/_sandbox/cases/${caseId}/reply`, { body: "From the control API", attachments: [{ fileName: "x.txt", data: Buffer.from("xyz").toString("base64") }] });
      should(reply.status).equal(200);
      should(reply.json.status).equal("pending-customer-action");
      should(reply.json.communications[1]).containEql({ body: "From the control API", submittedBy: "Amazon Web Services" });
      should(reply.json.communications[1].attachmentSet[0].fileName).equal("x.txt");
      should((await control(sandbox, "POST", `/_sandbox/cases/${caseId}/status`, { status: "work-in-progress" })).json.status).equal("work-in-progress");
      should(await status()).equal("work-in-progress");
      const resolved = await control(sandbox, "POST", `/_sandbox/cases/${caseId}/resolve`, { by: "auto-resolver" });
      should(resolved.json).containEql({ status: "resolved", resolvedBy: "auto-resolver" });
      should((await control(sandbox, "POST", `/_sandbox/cases/${caseId}/status`, { status: "bogus" })).status).equal(400);
      should((await control(sandbox, "POST", "/_sandbox/cases/case-nope/reply", { body: "x" })).status).equal(404);
    });

    it("lists accounts and cases, and advances the clock", async function () {
      const root = await control(sandbox, "GET", "/_sandbox");
      should(root.json.accounts.map((a: { accountId: string }) => a.accountId)).eql(["111111111111", "222222222222"]);
      const cases = await control(sandbox, "GET", "/_sandbox/accounts/111111111111/cases");
      should(cases.json.map((c: { caseId: string }) => c.caseId)).eql([caseId]);
      const clock = await control(sandbox, "POST", "/_sandbox/clock/advance", { ms: 3_600_000 });
      should(clock.json.now).equal("2025-03-01T10:00:00.000Z");
      should(sandbox.clock.now()).equal(Date.parse("2025-03-01T10:00:00.000Z"));
    });

    it("throttles, injects faults and changes a plan for other processes", async function () {
      const limited = clientFor(sandbox, ACCOUNT_A, { maxAttempts: 1 });
      try {
        await control(sandbox, "POST", "/_sandbox/throttle/next", { count: 1 });
        should((await rejectionOf(limited.send(new DescribeSeverityLevelsCommand({})))).name).equal("ThrottlingException");
        await control(sandbox, "POST", "/_sandbox/faults", { kind: "status", status: 503, count: 1 });
        should((await rejectionOf(limited.send(new DescribeSeverityLevelsCommand({})))).$metadata!.httpStatusCode).equal(503);
        await control(sandbox, "PUT", "/_sandbox/accounts/111111111111/plan", { supportPlan: "developer" });
        should((await rejectionOf(limited.send(new DescribeSeverityLevelsCommand({})))).name).equal("SubscriptionRequiredException");
        await control(sandbox, "PUT", "/_sandbox/accounts/111111111111/plan", { supportPlan: "business" });
        await control(sandbox, "POST", "/_sandbox/throttle", { requests: 1, perMs: 60_000 });
        await limited.send(new DescribeSeverityLevelsCommand({}));
        should((await rejectionOf(limited.send(new DescribeSeverityLevelsCommand({})))).name).equal("ThrottlingException");
        await control(sandbox, "DELETE", "/_sandbox/throttle");
        await limited.send(new DescribeSeverityLevelsCommand({}));
        const calls = await control(sandbox, "GET", "/_sandbox/calls");
        should(calls.json.map((c: { status: number }) => c.status)).eql([200, 400, 503, 400, 200, 400, 200]);
      } finally {
        limited.destroy();
      }
    });
  });
});
