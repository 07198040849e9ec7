import should from "should";
import { startAwsSupportSandbox, type AwsSupportSandbox } from "../../../sandbox/aws-support";
import { AwsSupportAccountClient } from "../../../nodes/lib/aws-support/client";

const CASE = { subject: "Disk full", communicationBody: "Volume vol-1 is full", serviceCode: "amazon-elastic-compute-cloud-linux", categoryCode: "general-guidance", severityCode: "low" };

describe("AwsSupportAccountClient: writes are never re-sent blindly", function () {
  this.timeout(15_000);
  let sb: AwsSupportSandbox;
  let client: AwsSupportAccountClient;

  beforeEach(async () => {
    sb = await startAwsSupportSandbox();
    client = new AwsSupportAccountClient({
      accountId: "111111111111",
      endpoint: sb.endpoint,
      credentials: { mode: "keys", accessKeyId: "AKIASIM111111111111", secretAccessKey: "sim-secret-1" },
      requestTimeoutMs: 800,
    });
  });
  afterEach(async () => {
    client.destroy();
    await sb.close();
  });

  const creates = () => sb.inspect.calls.filter((c) => c.operation === "CreateCase").length;

  it("finds the case instead of creating a second one when CreateCase's answer is lost", async () => {
    sb.faults.add({ kind: "timeout", process: true, count: 1, pathPrefix: "/CreateCase" });
    const r = await client.createCase(CASE);
    r.recovered.should.be.true();
    sb.inspect.cases("111111111111").should.have.length(1);
    sb.inspect.cases("111111111111")[0].caseId.should.equal(r.caseId);
    creates().should.equal(1);
  });

  it("sends again after a 5xx only when the lookup shows no case", async () => {
    sb.faults.add({ kind: "status", status: 503, count: 1, pathPrefix: "/CreateCase" });
    const r = await client.createCase(CASE);
    r.recovered.should.be.false();
    sb.inspect.cases("111111111111").should.have.length(1);
    creates().should.equal(2);
    const ops = sb.inspect.calls.map((c) => c.operation);
    ops.indexOf("DescribeCases").should.be.within(ops.indexOf("CreateCase") + 1, ops.lastIndexOf("CreateCase") - 1);
  });

  it("gives AWS_SUPPORT_CREATE_UNCERTAIN and sends nothing more when the lookup fails too", async () => {
    sb.faults.add({ kind: "timeout", process: true, count: 1, pathPrefix: "/CreateCase" });
    sb.faults.add({ kind: "status", status: 500, body: { __type: "InternalServerError", message: "boom" }, count: 10, pathPrefix: "/DescribeCases" });
    try {
      await client.createCase(CASE);
      should.fail(false, true, "expected an error");
    } catch (err) {
      (err as { code: string }).code.should.equal("AWS_SUPPORT_CREATE_UNCERTAIN");
      (err as Error).message.should.match(/111111111111/).and.match(/\[cx:[0-9a-f]+\]/);
    }
    creates().should.equal(1);
    sb.inspect.cases("111111111111").should.have.length(1);
  });

  it("finds a communication whose answer was lost instead of adding it twice", async () => {
    const { caseId } = await client.createCase(CASE);
    sb.faults.add({ kind: "timeout", process: true, count: 1, pathPrefix: "/AddCommunicationToCase" });
    const r = await client.addCommunication({ caseId, communicationBody: "any news?" });
    r.recovered.should.be.true();
    sb.inspect.cases("111111111111")[0].communications.filter((m) => m.body.startsWith("any news?")).should.have.length(1);
  });

  it("refuses an oversized file before creating the case", async () => {
    await client.createCase({ ...CASE, attachments: [{ fileName: "dump.bin", data: Buffer.alloc(5 * 1024 * 1024 + 1) }] }).should.be.rejectedWith({ code: "AWS_SUPPORT_ATTACHMENT_TOO_LARGE" });
    creates().should.equal(0);
  });

  it("creates a case with five attachments: a set of three on the case, two in a follow-up", async () => {
    const files = [1, 2, 3, 4, 5].map((i) => ({ fileName: `log${i}.txt`, data: `log ${i}` }));
    const r = await client.createCase({ ...CASE, attachments: files });
    r.attachmentSetIds.should.have.length(2);
    const c = sb.inspect.cases("111111111111")[0];
    c.communications.map((m) => m.attachmentSet.length).should.eql([3, 2]);
  });
});
