import should from "should";
import type { EnsonoSandbox } from "../../../sandbox/ensono";
import { md5 } from "../../../sandbox/ensono/queue";
import { START, call, del, receive, startFrozen } from "./helpers";

function open(sb: EnsonoSandbox, title: string): string {
  return sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: title, description: title });
}

describe("ensono sandbox: the queue", function () {
  let sb: EnsonoSandbox;
  afterEach(async function () {
    await sb.close();
  });

  describe("with default settings", function () {
    beforeEach(async function () {
      sb = await startFrozen();
    });

    it("answers an empty queue with messages: null in the nested shape", async function () {
      const r = await call(`${sb.envUrl()}/queue`);
      should(r.status).equal(200);
      should(r.json.ReceiveMessageResponse.ReceiveMessageResult.ResponseMetadata.RequestId).be.a.String();
      should(r.json.ReceiveMessageResponse.ReceiveMessageResult.ReceiveMessageResult).eql({ messages: null });
    });

    it("delivers a Create shaped like the guide's example, with attributes as strings and a matching MD5OfBody", async function () {
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "test", description: "test", priority: "4" });
      const r = await call(`${sb.envUrl()}/queue`);
      const [m] = r.json.ReceiveMessageResponse.ReceiveMessageResult.ReceiveMessageResult.messages;
      should(Object.keys(m)).eql(["MessageId", "ReceiptHandle", "MD5OfBody", "Body", "Attributes"]);
      should(m.Body).eql({
        clientName: "testClient",
        ticketNumber: n,
        clientTicketNumber: "",
        ticketType: "Incident",
        status: "open",
        description: "test",
        shortDescription: "test",
        group: "Ensono Support",
        ensonoGroup: "CS - 1st Line",
        priority: "4",
        impact: "3",
        urgency: "3",
        openedTime: "2023-01-27T22:24:53Z",
        category: "Private Cloud",
        origin: "Web",
        cis: "",
      });
      should(m.MD5OfBody).equal(md5(JSON.stringify(m.Body)));
      should(m.Attributes).match({
        ApproximateReceiveCount: "1",
        ApproximateFirstReceiveTimestamp: String(START),
        SentTimestamp: String(START),
        MessageGroupId: n,
        ClientReferenceAvailable: false,
        TransactionType: "Create",
      });
      should(m.Attributes.SequenceNumber).match(/^\d{20}$/);
      should(m.Attributes.MessageDeduplicationId).match(/^[0-9a-f]{64}$/);
    });

    it("holds FIFO per ticket with interleaved tickets: nothing later of a ticket while an earlier one is in flight", async function () {
      const a = open(sb, "A");
      const b = open(sb, "B");
      sb.agent.comment("dev", a, "A1");
      sb.agent.comment("dev", b, "B1");
      sb.agent.update("dev", a, { priority: "1" });
      const first = await receive(sb);
      should(first.map((m) => [m.Attributes.MessageGroupId, m.Attributes.TransactionType])).eql([
        [a, "Create"],
        [b, "Create"],
        [a, "Notes"],
        [b, "Notes"],
        [a, "Update"],
      ]);
      sb.agent.comment("dev", a, "A2");
      should(await receive(sb)).have.length(0);
      // delete b's messages only: b has nothing more, a stays blocked
      for (const m of first.filter((x) => x.Attributes.MessageGroupId === b)) should((await del(sb, m.ReceiptHandle)).status).equal(200);
      should(await receive(sb)).have.length(0);
      for (const m of first.filter((x) => x.Attributes.MessageGroupId === a)) await del(sb, m.ReceiptHandle);
      const next = await receive(sb);
      should(next.map((m) => m.Body.notes.body)).eql(["A2"]);
      should(Number(next[0].Attributes.SentTimestamp)).be.aboveOrEqual(Number(first[4].Attributes.SentTimestamp));
    });

    it("returns at most 10 messages a read", async function () {
      for (let i = 0; i < 12; i++) open(sb, `T${i}`);
      should(await receive(sb)).have.length(10);
      should(await receive(sb)).have.length(2);
      should(sb.inspect.queue("dev")).match({ visible: 0, inFlight: 12 });
    });

    it("redelivers an undeleted message after the 30 s visibility timeout with ApproximateReceiveCount + 1", async function () {
      const a = open(sb, "A");
      const [m1] = await receive(sb);
      sb.clock.advance(29_999);
      should(await receive(sb)).have.length(0);
      sb.clock.advance(1);
      const [m2] = await receive(sb);
      should(m2.Attributes).match({ MessageGroupId: a, ApproximateReceiveCount: "2", ApproximateFirstReceiveTimestamp: m1.Attributes.ApproximateFirstReceiveTimestamp });
      should(m2.ReceiptHandle).not.equal(m1.ReceiptHandle);
      should(m2.MessageId).equal(m1.MessageId);
    });

    it("answers a handle from an earlier receive with the guide's 'receipt handle has expired' error", async function () {
      open(sb, "A");
      const [m1] = await receive(sb);
      sb.clock.advance(30_000);
      const [m2] = await receive(sb);
      const r = await del(sb, m1.ReceiptHandle);
      should(r.status).equal(400);
      should(r.json.Error).eql({
        Code: "InvalidParameterValue",
        Message: `Value ${m1.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
        Type: "Sender",
      });
      should(r.json.RequestId).be.a.String();
      should((await del(sb, m2.ReceiptHandle)).status).equal(200);
      should(sb.inspect.queue("dev").messages).have.length(0);
    });

    it("answers a handle whose visibility ran out (not yet re-received) as expired, and keeps the message", async function () {
      open(sb, "A");
      const [m1] = await receive(sb);
      sb.clock.advance(31_000);
      should((await del(sb, m1.ReceiptHandle)).json.Error.Code).equal("InvalidParameterValue");
      should(sb.inspect.queue("dev").visible).equal(1);
    });

    it("answers garbage, and an unencoded handle, with ReceiptHandleIsInvalid", async function () {
      const r = await del(sb, "not-a-handle");
      should(r.status).equal(400);
      should(r.json.Error).eql({ Code: "ReceiptHandleIsInvalid", Message: 'The input receipt handle "not-a-handle" is not a valid receipt handle.', Type: "Sender" });
      open(sb, "A");
      let [m] = await receive(sb);
      while (!m.ReceiptHandle.includes("+")) {
        sb.clock.advance(30_000);
        [m] = await receive(sb);
      }
      const raw = await call(`${sb.envUrl()}/queue/${m.ReceiptHandle}`, "DELETE");
      should(raw.json.Error.Code).equal("ReceiptHandleIsInvalid");
      should((await del(sb, m.ReceiptHandle)).status).equal(200);
    });

    it("deletes with 200 and the DeleteMessageResponse body, and a repeated delete with the same handle succeeds", async function () {
      open(sb, "A");
      const [m] = await receive(sb);
      const r = await del(sb, m.ReceiptHandle);
      should(r.status).equal(200);
      should(r.json.DeleteMessageResponse.ResponseMetadata.RequestId).be.a.String();
      should((await del(sb, m.ReceiptHandle)).status).equal(200);
    });

    it("drops messages after the 4-day retention", async function () {
      open(sb, "old");
      sb.clock.advance(2 * 86_400_000);
      open(sb, "young");
      sb.clock.advance(2 * 86_400_000);
      const msgs = await receive(sb);
      should(msgs.map((m) => m.Body.shortDescription)).eql(["young"]);
    });

    it("has no /echo/queue", async function () {
      const r = await call(`${sb.envUrl("echo")}/queue`);
      should(r.status).equal(403);
      should(r.json).eql({ message: "Missing Authentication Token" });
    });

    it("keeps one queue per environment", async function () {
      sb.agent.openTicket("cert", { ticketType: "Request", shortDescription: "c", description: "c" });
      should(await receive(sb, "dev")).have.length(0);
      const [m] = await receive(sb, "cert");
      should(m.Body.ticketType).equal("Request");
    });
  });

  describe("redrive", function () {
    beforeEach(async function () {
      sb = await startFrozen({ maxReceiveCount: 3 });
    });

    it("moves a message to the failure queue after maxReceiveCount receives, and the ticket's next message flows", async function () {
      const a = open(sb, "A");
      sb.agent.comment("dev", a, "after");
      for (let i = 1; i <= 3; i++) {
        const msgs = await receive(sb);
        should(msgs.map((m) => m.Attributes.ApproximateReceiveCount)).eql([String(i), String(i)]);
        sb.clock.advance(30_000);
      }
      const next = await receive(sb);
      should(next).have.length(0);
      const q = sb.inspect.queue("dev");
      should(q.failed.map((m) => m.transactionType)).eql(["Create", "Notes"]);
      should(q.failed[0].receiveCount).equal(3);
      sb.agent.comment("dev", a, "later");
      const later = await receive(sb);
      should(later.map((m) => m.Body.notes.body)).eql(["later"]);
    });

    it("redrives only the head of a group, letting its successor come in the same read", async function () {
      const a = open(sb, "A");
      for (let i = 1; i <= 3; i++) {
        await receive(sb);
        sb.clock.advance(30_000);
      }
      sb.agent.comment("dev", a, "next");
      const msgs = await receive(sb);
      should(msgs.map((m) => m.Attributes.TransactionType)).eql(["Notes"]);
      should(msgs[0].Attributes.ApproximateReceiveCount).equal("1");
    });
  });

  describe("variants", function () {
    beforeEach(async function () {
      sb = await startFrozen();
    });

    it("produces the flat shape, the mixed shape, [] and an absent messages key on request", async function () {
      sb.variants.queueShape = "flat";
      sb.variants.emptyMessages = "empty-array";
      let r = await call(`${sb.envUrl()}/queue`);
      should(r.json.ReceiveMessageResponse.ReceiveMessageResult).eql({ messages: [] });
      should(r.json.ReceiveMessageResponse.ResponseMetadata.RequestId).be.a.String();
      sb.variants.emptyMessages = "absent";
      r = await call(`${sb.envUrl()}/queue`);
      should(r.json.ReceiveMessageResponse.ReceiveMessageResult).eql({});
      sb.variants.queueShape = "mixed";
      sb.variants.emptyMessages = "null";
      r = await call(`${sb.envUrl()}/queue`);
      should(r.json.ReceiveMessageResponse.ReceiveMessageResult.ReceiveMessageResult).eql({ messages: null });
      open(sb, "A");
      r = await call(`${sb.envUrl()}/queue`);
      should(r.json.ReceiveMessageResponse.ReceiveMessageResult.messages).have.length(1);
    });
  });
});
