import should from "should";
import {
  AddAttachmentsToSetCommand,
  AddCommunicationToCaseCommand,
  CaseIdNotFound,
  CreateCaseCommand,
  DescribeAttachmentCommand,
  DescribeCasesCommand,
  DescribeCommunicationsCommand,
  DescribeServicesCommand,
  DescribeSeverityLevelsCommand,
  ResolveCaseCommand,
  paginateDescribeCases,
  paginateDescribeCommunications,
  type Communication,
  type SupportClient,
} from "@aws-sdk/client-support";
import type { AwsSupportSandbox } from "../../../sandbox/aws-support";
import { ACCOUNT_A, NEW_CASE, clientFor, rejectionOf, startFrozen } from "./support-fixture";

describe("AWS Support sandbox: operations through the real SDK", function () {
  let sandbox: AwsSupportSandbox;
  let client: SupportClient;

  beforeEach(async function () {
    sandbox = await startFrozen();
    client = clientFor(sandbox, ACCOUNT_A);
  });

  afterEach(async function () {
    client.destroy();
    await sandbox.close();
  });

  async function createCase(overrides: Record<string, unknown> = {}): Promise<string> {
    const { caseId } = await client.send(new CreateCaseCommand({ ...NEW_CASE, ...overrides }));
    return caseId!;
  }

  it("creates a case with an AWS-shaped case id and numeric display id, status unassigned", async function () {
    const caseId = await createCase({ ccEmailAddresses: ["ops@example.com"] });
    should(caseId).match(/^case-111111111111-[a-z]{4}-\d{4}-[0-9a-f]{16}$/);
    const { cases } = await client.send(new DescribeCasesCommand({ caseIdList: [caseId] }));
    should(cases).have.length(1);
    const c = cases![0];
    should(c).containEql({ caseId, subject: NEW_CASE.subject, status: "unassigned", serviceCode: "aws-lambda", categoryCode: "general-guidance", severityCode: "high", language: "en" });
    should(c.displayId).match(/^\d{10}$/);
    should(c.ccEmailAddresses).eql(["ops@example.com"]);
    should(c.timeCreated).equal("2025-03-01T09:00:00.000Z");
    should(c.submittedBy).equal("sim-user (IAM User) <aws-111111111111@example.com>");
    should(c.recentCommunications!.communications).have.length(1);
    should(c.recentCommunications!.communications![0]).containEql({ caseId, body: NEW_CASE.communicationBody, submittedBy: c.submittedBy });
  });

  it("refuses a case without a subject and a service code unknown to DescribeServices", async function () {
    const missing = await rejectionOf(client.send(new CreateCaseCommand({ ...NEW_CASE, subject: undefined as unknown as string })));
    should(missing.name).equal("ValidationException");
    const unknown = await rejectionOf(createCase({ serviceCode: "amazon-nothing" }));
    should(unknown.name).equal("InvalidParameterValueException");
    should(unknown.$metadata!.httpStatusCode).equal(400);
  });

  it("finds cases by display id and filters timeCreated with afterTime and beforeTime", async function () {
    const first = await createCase({ subject: "first" });
    sandbox.clock.advance(60 * 60_000);
    const second = await createCase({ subject: "second" });
    const all = await client.send(new DescribeCasesCommand({}));
    should(all.cases!.map((c) => c.caseId)).eql([second, first]); // newest first
    const display = all.cases![1].displayId!;
    const byDisplay = await client.send(new DescribeCasesCommand({ displayId: display }));
    should(byDisplay.cases!.map((c) => c.caseId)).eql([first]);
    const after = await client.send(new DescribeCasesCommand({ afterTime: "2025-03-01T09:30:00Z" }));
    should(after.cases!.map((c) => c.caseId)).eql([second]);
    const before = await client.send(new DescribeCasesCommand({ beforeTime: "2025-03-01T09:30:00Z" }));
    should(before.cases!.map((c) => c.caseId)).eql([first]);
  });

  it("leaves resolved cases out unless includeResolvedCases, and communications out when includeCommunications is false", async function () {
    const open = await createCase({ subject: "open" });
    const done = await createCase({ subject: "done" });
    await client.send(new ResolveCaseCommand({ caseId: done }));
    const def = await client.send(new DescribeCasesCommand({}));
    should(def.cases!.map((c) => c.caseId)).eql([open]);
    const withResolved = await client.send(new DescribeCasesCommand({ includeResolvedCases: true, includeCommunications: false }));
    should(withResolved.cases!.map((c) => c.caseId)).eql([done, open]);
    should(withResolved.cases![0].status).equal("resolved");
    should(withResolved.cases![0].recentCommunications).be.undefined();
  });

  it("pages DescribeCases with maxResults and nextToken (the SDK paginator sees every case once)", async function () {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push(await createCase({ subject: `case ${i}` }));
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of paginateDescribeCases({ client, pageSize: 10 }, {})) {
      pages.push(page.cases!.length);
      seen.push(...page.cases!.map((c) => c.caseId!));
    }
    should(pages).eql([10, 10, 3]);
    should(seen).eql([...ids].reverse());
    const tooSmall = await rejectionOf(client.send(new DescribeCasesCommand({ maxResults: 5 })));
    should(tooSmall.name).equal("ValidationException");
  });

  it("shows the latest 5 communications per case with a nextToken that DescribeCommunications continues", async function () {
    const caseId = await createCase();
    for (let i = 1; i <= 11; i++) {
      sandbox.clock.advance(1000);
      await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: `reply ${i}` }));
    }
    const { cases } = await client.send(new DescribeCasesCommand({ caseIdList: [caseId] }));
    const recent = cases![0].recentCommunications!;
    should(recent.communications!.map((m) => m.body)).eql(["reply 11", "reply 10", "reply 9", "reply 8", "reply 7"]);
    should(recent.nextToken).be.a.String();
    const rest = await client.send(new DescribeCommunicationsCommand({ caseId, nextToken: recent.nextToken }));
    should(rest.communications!.map((m) => m.body)).eql(["reply 6", "reply 5", "reply 4", "reply 3", "reply 2", "reply 1", NEW_CASE.communicationBody]);
    should(rest.nextToken).be.undefined();
  });

  it("pages DescribeCommunications newest first and filters by afterTime", async function () {
    const caseId = await createCase();
    for (let i = 1; i <= 14; i++) {
      sandbox.clock.advance(60_000);
      await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: `reply ${i}` }));
    }
    const all: Communication[] = [];
    for await (const page of paginateDescribeCommunications({ client, pageSize: 10 }, { caseId })) all.push(...page.communications!);
    should(all).have.length(15);
    should(all[0].body).equal("reply 14");
    should(all[14].body).equal(NEW_CASE.communicationBody);
    const recent = await client.send(new DescribeCommunicationsCommand({ caseId, afterTime: "2025-03-01T09:12:00.000Z" }));
    should(recent.communications!.map((m) => m.body)).eql(["reply 14", "reply 13", "reply 12"]);
  });

  it("resolves a case and reports the initial and final status", async function () {
    const caseId = await createCase();
    sandbox.engineer.setStatus(caseId, "work-in-progress");
    const r = await client.send(new ResolveCaseCommand({ caseId }));
    should(r).containEql({ initialCaseStatus: "work-in-progress", finalCaseStatus: "resolved" });
    should(sandbox.inspect.cases(ACCOUNT_A.accountId)[0]).containEql({ status: "resolved", resolvedBy: "customer" });
  });

  it("answers CaseIdNotFound, as a typed SDK exception, for an unknown case", async function () {
    const err = await rejectionOf(client.send(new AddCommunicationToCaseCommand({ caseId: "case-111111111111-abcd-2025-0123456789abcdef", communicationBody: "hi" })));
    should(err).be.instanceOf(CaseIdNotFound);
    should(err.message).match(/case-111111111111-abcd-2025-0123456789abcdef/);
    should(err.$metadata!.httpStatusCode).equal(400);
  });

  it("carries attachments from a set into a communication and back out through DescribeAttachment", async function () {
    const caseId = await createCase();
    const set = await client.send(
      new AddAttachmentsToSetCommand({ attachments: [{ fileName: "trace.log", data: Buffer.from("line 1\nline 2\n") }, { fileName: "shot.png", data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }] }),
    );
    should(set.attachmentSetId).match(/^as-/);
    should(set.expiryTime).equal("2025-03-01T10:00:00.000Z");
    await client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "logs attached", attachmentSetId: set.attachmentSetId }));
    const { communications } = await client.send(new DescribeCommunicationsCommand({ caseId }));
    const refs = communications![0].attachmentSet!;
    should(refs.map((a) => a.fileName)).eql(["trace.log", "shot.png"]);
    const { attachment } = await client.send(new DescribeAttachmentCommand({ attachmentId: refs[1].attachmentId }));
    should(attachment!.fileName).equal("shot.png");
    should(Buffer.from(attachment!.data!)).eql(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const missing = await rejectionOf(client.send(new DescribeAttachmentCommand({ attachmentId: "attachment-nope" })));
    should(missing.name).equal("AttachmentIdNotFound");
  });

  it("opens a case with an attachment set on its first communication", async function () {
    const set = await client.send(new AddAttachmentsToSetCommand({ attachments: [{ fileName: "a.txt", data: Buffer.from("a") }] }));
    const caseId = await createCase({ attachmentSetId: set.attachmentSetId });
    const [view] = sandbox.inspect.cases(ACCOUNT_A.accountId);
    should(view.caseId).equal(caseId);
    should(view.communications[0].attachmentSet.map((a) => a.fileName)).eql(["a.txt"]);
  });

  it("lists services with categories, general-guidance where AWS has it, filtered by serviceCodeList", async function () {
    const { services } = await client.send(new DescribeServicesCommand({}));
    should(services!.length).be.aboveOrEqual(15);
    const codes = services!.map((s) => s.code);
    should(codes).containEql("amazon-elastic-compute-cloud-linux");
    should(codes).containEql("amazon-simple-storage-service");
    should(codes).containEql("amazon-dynamodb");
    for (const s of services!) should(s.categories!.length).be.above(0);
    const lambda = services!.find((s) => s.code === "aws-lambda")!;
    should(lambda.categories!.map((c) => c.code)).containEql("general-guidance");
    should(services!.some((s) => !s.categories!.some((c) => c.code === "general-guidance"))).be.true();
    const some = await client.send(new DescribeServicesCommand({ serviceCodeList: ["amazon-dynamodb", "aws-lambda"] }));
    should(some.services!.map((s) => s.code).sort()).eql(["amazon-dynamodb", "aws-lambda"]);
  });

  it("lists the severity levels of a business plan (no critical)", async function () {
    const { severityLevels } = await client.send(new DescribeSeverityLevelsCommand({}));
    should(severityLevels).eql([
      { code: "low", name: "Low" },
      { code: "normal", name: "Normal" },
      { code: "high", name: "High" },
      { code: "urgent", name: "Urgent" },
    ]);
    const critical = await rejectionOf(createCase({ severityCode: "critical" }));
    should(critical.name).equal("InvalidParameterValueException");
  });
});
