import should from "should";
import {
  AddAttachmentsToSetCommand,
  AddCommunicationToCaseCommand,
  AttachmentSetExpired,
  AttachmentSetIdNotFound,
  AttachmentSetSizeLimitExceeded,
  CreateCaseCommand,
  DescribeAttachmentCommand,
  DescribeCommunicationsCommand,
  DescribeSeverityLevelsCommand,
  ThrottlingException,
  type SupportClient,
} from "@aws-sdk/client-support";
import { throttleRule, type AwsSupportSandbox, type AwsSupportSandboxOptions } from "../../../sandbox/aws-support";
import { ACCOUNT_A, ACCOUNT_B, NEW_CASE, clientFor, rejectionOf, startFrozen } from "./support-fixture";

const MB = 1024 * 1024;
const file = (name: string, size = 10) => ({ fileName: name, data: Buffer.alloc(size, 0x61) });

describe("AWS Support sandbox: limits, expiry and throttling", function () {
  let sandbox: AwsSupportSandbox | undefined;
  const clients: SupportClient[] = [];

  async function start(options: AwsSupportSandboxOptions = {}, clientOptions: Parameters<typeof clientFor>[2] = {}): Promise<{ sb: AwsSupportSandbox; client: SupportClient }> {
    sandbox = await startFrozen(options);
    const client = clientFor(sandbox, ACCOUNT_A, clientOptions);
    clients.push(client);
    return { sb: sandbox, client };
  }

  afterEach(async function () {
    for (const c of clients.splice(0)) c.destroy();
    await sandbox?.close();
    sandbox = undefined;
  });

  describe("attachment sets", function () {
    it("takes three attachments in a set, across calls, and refuses a fourth (AttachmentSetSizeLimitExceeded)", async function () {
      const { client } = await start();
      const first = await client.send(new AddAttachmentsToSetCommand({ attachments: [file("1.txt"), file("2.txt")] }));
      const again = await client.send(new AddAttachmentsToSetCommand({ attachmentSetId: first.attachmentSetId, attachments: [file("3.txt")] }));
      should(again.attachmentSetId).equal(first.attachmentSetId);
      const over = await rejectionOf(client.send(new AddAttachmentsToSetCommand({ attachmentSetId: first.attachmentSetId, attachments: [file("4.txt")] })));
      should(over).be.instanceOf(AttachmentSetSizeLimitExceeded);
      const fourAtOnce = await rejectionOf(client.send(new AddAttachmentsToSetCommand({ attachments: [file("a"), file("b"), file("c"), file("d")] })));
      should(fourAtOnce.name).equal("AttachmentSetSizeLimitExceeded");
    });

    it("takes an attachment of exactly 5 MB and refuses one byte more", async function () {
      const { client } = await start();
      const ok = await client.send(new AddAttachmentsToSetCommand({ attachments: [file("max.bin", 5 * MB)] }));
      should(ok.attachmentSetId).match(/^as-/);
      const big = await rejectionOf(client.send(new AddAttachmentsToSetCommand({ attachments: [file("big.bin", 5 * MB + 1)] })));
      should(big).be.instanceOf(AttachmentSetSizeLimitExceeded);
      should(big.message).match(/5 MB per attachment/);
    });

    it("expires a set an hour after it was created (AttachmentSetExpired), on the simulated clock", async function () {
      const { sb, client } = await start();
      const { caseId } = await client.send(new CreateCaseCommand(NEW_CASE));
      const set = await client.send(new AddAttachmentsToSetCommand({ attachments: [file("late.txt")] }));
      sb.clock.advance(3_600_000);
      const add = await rejectionOf(client.send(new AddAttachmentsToSetCommand({ attachmentSetId: set.attachmentSetId, attachments: [file("x")] })));
      should(add).be.instanceOf(AttachmentSetExpired);
      const use = await rejectionOf(client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "too late", attachmentSetId: set.attachmentSetId })));
      should(use.name).equal("AttachmentSetExpired");
    });

    it("honours a configured set lifetime", async function () {
      const { sb, client } = await start({ attachmentSetTtlMs: 60_000 });
      const set = await client.send(new AddAttachmentsToSetCommand({ attachments: [file("a")] }));
      should(set.expiryTime).equal("2025-03-01T09:01:00.000Z");
      sb.clock.advance(59_999);
      await client.send(new AddAttachmentsToSetCommand({ attachmentSetId: set.attachmentSetId, attachments: [file("b")] }));
      sb.clock.advance(1);
      should((await rejectionOf(client.send(new AddAttachmentsToSetCommand({ attachmentSetId: set.attachmentSetId, attachments: [file("c")] })))).name).equal("AttachmentSetExpired");
    });

    it("answers AttachmentSetIdNotFound for an unknown set, another account's set, and a set already attached", async function () {
      const { sb, client } = await start();
      const other = clientFor(sb, ACCOUNT_B);
      clients.push(other);
      const unknown = await rejectionOf(client.send(new AddAttachmentsToSetCommand({ attachmentSetId: "as-nope", attachments: [file("a")] })));
      should(unknown).be.instanceOf(AttachmentSetIdNotFound);
      const theirs = await other.send(new AddAttachmentsToSetCommand({ attachments: [file("b")] }));
      should((await rejectionOf(client.send(new CreateCaseCommand({ ...NEW_CASE, attachmentSetId: theirs.attachmentSetId })))).name).equal("AttachmentSetIdNotFound");
      const mine = await client.send(new AddAttachmentsToSetCommand({ attachments: [file("c")] }));
      const { caseId } = await client.send(new CreateCaseCommand({ ...NEW_CASE, attachmentSetId: mine.attachmentSetId }));
      const reuse = await rejectionOf(client.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: "again", attachmentSetId: mine.attachmentSetId })));
      should(reuse.name).equal("AttachmentSetIdNotFound");
    });

    it("answers AttachmentLimitExceeded when too many sets are created in a period", async function () {
      const { sb, client } = await start({ attachmentSetRateLimit: { sets: 2, perMs: 60_000 } });
      await client.send(new AddAttachmentsToSetCommand({ attachments: [file("1")] }));
      await client.send(new AddAttachmentsToSetCommand({ attachments: [file("2")] }));
      should((await rejectionOf(client.send(new AddAttachmentsToSetCommand({ attachments: [file("3")] })))).name).equal("AttachmentLimitExceeded");
      sb.clock.advance(60_000);
      await client.send(new AddAttachmentsToSetCommand({ attachments: [file("4")] }));
    });

    it("answers DescribeAttachmentLimitExceeded past the configured DescribeAttachment rate", async function () {
      const { sb, client } = await start({ describeAttachmentLimit: { requests: 2, perMs: 300_000 } });
      const set = await client.send(new AddAttachmentsToSetCommand({ attachments: [file("a.txt")] }));
      const { caseId } = await client.send(new CreateCaseCommand({ ...NEW_CASE, attachmentSetId: set.attachmentSetId }));
      const { communications } = await client.send(new DescribeCommunicationsCommand({ caseId }));
      const attachmentId = communications![0].attachmentSet![0].attachmentId;
      await client.send(new DescribeAttachmentCommand({ attachmentId }));
      await client.send(new DescribeAttachmentCommand({ attachmentId }));
      should((await rejectionOf(client.send(new DescribeAttachmentCommand({ attachmentId })))).name).equal("DescribeAttachmentLimitExceeded");
      sb.clock.advance(300_000);
      should((await client.send(new DescribeAttachmentCommand({ attachmentId }))).attachment!.fileName).equal("a.txt");
    });
  });

  it("answers CaseCreationLimitExceeded past the daily case limit, and again allows cases a day later", async function () {
    const { sb, client } = await start({ caseCreationLimit: 2 });
    await client.send(new CreateCaseCommand(NEW_CASE));
    await client.send(new CreateCaseCommand(NEW_CASE));
    const err = await rejectionOf(client.send(new CreateCaseCommand(NEW_CASE)));
    should(err.name).equal("CaseCreationLimitExceeded");
    sb.clock.advance(24 * 3_600_000);
    should((await client.send(new CreateCaseCommand(NEW_CASE))).caseId).startWith("case-");
  });

  describe("throttling", function () {
    it("answers ThrottlingException (400) past the per-account rate and recovers when the window passes", async function () {
      const { sb, client } = await start({ throttle: { requests: 2, perMs: 1000 } }, { maxAttempts: 1 });
      const b = clientFor(sb, ACCOUNT_B, { maxAttempts: 1 });
      clients.push(b);
      await client.send(new DescribeSeverityLevelsCommand({}));
      await client.send(new DescribeSeverityLevelsCommand({}));
      const err = await rejectionOf(client.send(new DescribeSeverityLevelsCommand({})));
      should(err).be.instanceOf(ThrottlingException);
      should(err.message).equal("Rate exceeded");
      should(err.$metadata!.httpStatusCode).equal(400);
      await b.send(new DescribeSeverityLevelsCommand({})); // the other account has its own budget
      sb.clock.advance(1000);
      await client.send(new DescribeSeverityLevelsCommand({}));
    });

    it("is absorbed by the SDK's own retry (the SDK classifies it as throttling)", async function () {
      const { sb, client } = await start();
      sb.faults.add(throttleRule(1, "DescribeSeverityLevels"));
      const out = await client.send(new DescribeSeverityLevelsCommand({}));
      should(out.$metadata.attempts).equal(2);
      should(sb.inspect.calls.map((c) => [c.operation, c.status, c.error])).eql([
        ["DescribeSeverityLevels", 400, "ThrottlingException"],
        ["DescribeSeverityLevels", 200, undefined],
      ]);
    });

    it("surfaces persistent throttling once the SDK's attempts are spent", async function () {
      const { sb, client } = await start({}, { maxAttempts: 2 });
      sb.faults.add(throttleRule(5));
      const err = await rejectionOf(client.send(new DescribeSeverityLevelsCommand({})));
      should(err.name).equal("ThrottlingException");
      should(err.$metadata!.attempts).equal(2);
      should(sb.inspect.calls.filter((c) => c.error === "ThrottlingException")).have.length(2);
    });

    it("can be switched on at run time and off again", async function () {
      const { sb, client } = await start({}, { maxAttempts: 1 });
      sb.setThrottle({ requests: 1, perMs: 60_000 });
      await client.send(new DescribeSeverityLevelsCommand({}));
      should((await rejectionOf(client.send(new DescribeSeverityLevelsCommand({})))).name).equal("ThrottlingException");
      sb.setThrottle(undefined);
      await client.send(new DescribeSeverityLevelsCommand({}));
    });
  });

  describe("faults", function () {
    it("answers InternalServerError with 500 and the SDK retries it as a server error", async function () {
      const { sb, client } = await start();
      sb.faults.add({ kind: "status", status: 500, body: { __type: "InternalServerError", message: "boom" }, count: 1 });
      const out = await client.send(new DescribeSeverityLevelsCommand({}));
      should(out.$metadata.attempts).equal(2);
    });

    it("can take a CreateCase in and never answer it (the case exists, the client times out)", async function () {
      const { sb, client } = await start({}, { maxAttempts: 1, requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });
      sb.faults.add({ kind: "timeout", process: true, pathPrefix: "/CreateCase", count: 1 });
      const err = await rejectionOf(client.send(new CreateCaseCommand(NEW_CASE)));
      should(err.name).match(/TimeoutError/);
      should(sb.inspect.cases(ACCOUNT_A.accountId)).have.length(1);
    });
  });
});
