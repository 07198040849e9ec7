import should from "should";
import { MAX_ATTACHMENT_BYTES, planAttachmentSets } from "../../../nodes/lib/aws-support/attachments";
import { isOwnBody, markerOf, newMarkerId, stripMarker, withMarker } from "../../../nodes/lib/aws-support/marker";

const file = (name: string, bytes = 10) => ({ fileName: name, data: Buffer.alloc(bytes, 1) });

describe("AWS Support attachment sets", () => {
  it("puts up to three attachments in one set", () => {
    const sets = planAttachmentSets([file("a"), file("b"), file("c")]);
    sets.should.have.length(1);
    sets[0].map((f) => f.fileName).should.eql(["a", "b", "c"]);
  });

  it("splits seven attachments into sets of 3, 3 and 1 in order", () => {
    const sets = planAttachmentSets(["1", "2", "3", "4", "5", "6", "7"].map((n) => file(n)));
    sets.map((s) => s.map((f) => f.fileName)).should.eql([["1", "2", "3"], ["4", "5", "6"], ["7"]]);
  });

  it("gives no set for no attachments", () => {
    planAttachmentSets([]).should.eql([]);
  });

  it("accepts a file of exactly 5 MB", () => {
    planAttachmentSets([file("exact.bin", MAX_ATTACHMENT_BYTES)])[0][0].data.length.should.equal(MAX_ATTACHMENT_BYTES);
  });

  it("refuses a file one byte over 5 MB before anything is uploaded, naming the file", () => {
    try {
      planAttachmentSets([file("ok.txt"), file("big.bin", MAX_ATTACHMENT_BYTES + 1)], { caseId: "case-1", accountId: "111111111111" });
      should.fail(false, true, "expected a refusal");
    } catch (err) {
      const e = err as { code: string; message: string };
      e.code.should.equal("AWS_SUPPORT_ATTACHMENT_TOO_LARGE");
      e.message.should.match(/big\.bin/).and.match(/case-1/).and.match(/111111111111/);
      e.message.should.not.match(/ok\.txt/);
    }
  });

  it("reads strings, base64 and serialised Buffers", () => {
    const [set] = planAttachmentSets([
      { fileName: "t.txt", data: "hello" },
      { fileName: "b.bin", data: Buffer.from("hi").toString("base64"), encoding: "base64" },
      { fileName: "j.bin", data: JSON.parse(JSON.stringify(Buffer.from("yo"))) },
    ]);
    set.map((f) => f.data.toString()).should.eql(["hello", "hi", "yo"]);
  });

  it("refuses an attachment without a file name", () => {
    should.throws(() => planAttachmentSets([{ data: "x" }]), /fileName/);
  });
});

describe("the [cx:…] marker of our own communications", () => {
  it("adds a reference line after the unchanged text and reads it back", () => {
    const id = newMarkerId();
    const body = withMarker("Line one\nLine two", id);
    body.startsWith("Line one\nLine two").should.be.true();
    markerOf(body)!.should.equal(id);
    isOwnBody(body).should.be.true();
    stripMarker(body).should.equal("Line one\nLine two");
  });

  it("does not see a marker in an engineer's text", () => {
    isOwnBody("Hello, we looked at your instance [cx:notahexid!]").should.be.false();
    isOwnBody(undefined).should.be.false();
  });
});
