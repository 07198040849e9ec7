import should from "should";
import * as http from "node:http";
import { listen, sendJson, sendText, type RunningServer } from "../../../sandbox/common/http";
import { createEnsonoConnection } from "../../../nodes/lib/ensono/connection";
import {
  createEnsonoQueueClient,
  normaliseMessage,
  parseReceiveResponse,
  transactionPayload,
  canonicalTransactionType,
} from "../../../nodes/lib/ensono/queue";

/** The guide's incident Create message ("Reading from the Queue"). */
function guideCreate(): Record<string, any> {
  return {
    MessageId: "0eb49bcf-53a7-4769-b37a-2342b3658a00",
    ReceiptHandle: "AQEBD4eNzuQjJoBJ+TRMwOo5Ub/VvF/AmGYEVooeBKrkEwUh+o9fOpYRpTJL0QhcOhOii+HM9xT41o5P0=",
    MD5OfBody: "385b136e9129e7f0b282ed0657772ff5",
    Body: {
      clientName: "testClient",
      ticketNumber: "e-CS0879727",
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
    },
    Attributes: {
      SenderId: "AROAYCQITFFPPLPIRNUQG:envxsn2qdev1SN2QBridge",
      ApproximateFirstReceiveTimestamp: "1674858487529",
      ApproximateReceiveCount: "3",
      SentTimestamp: "1674858334956",
      SequenceNumber: "18875507807458288128",
      MessageDeduplicationId: "fb1cf0cacb6943d49cf62593e60d7ecbb4b6baff0edaba7984d8d3ecaf41801c",
      MessageGroupId: "e-CS0879727",
      ClientReferenceAvailable: false,
      TransactionType: "Create",
    },
  };
}

function withBody(type: string, body: Record<string, unknown>, ticketType = "Incident"): Record<string, any> {
  const m = guideCreate();
  m.Body = { ...m.Body, ticketType, ...body };
  m.Attributes.TransactionType = type;
  return m;
}

describe("ensono queue: reading the answer", function () {
  it("finds the messages under ReceiveMessageResponse → ReceiveMessageResult", function () {
    const msgs = parseReceiveResponse({ ReceiveMessageResponse: { ResponseMetadata: { RequestId: "x" }, ReceiveMessageResult: { messages: [guideCreate()] } } });
    should(msgs).have.length(1);
  });

  it("finds the messages under the doubly nested ReceiveMessageResult of the guide's outbound section", function () {
    const msgs = parseReceiveResponse({ ReceiveMessageResponse: { ReceiveMessageResult: { ResponseMetadata: {}, ReceiveMessageResult: { messages: [guideCreate(), guideCreate()] } } } });
    should(msgs).have.length(2);
  });

  it("reads messages: null, [] and a missing list as an empty queue", function () {
    should(parseReceiveResponse({ ReceiveMessageResponse: { ReceiveMessageResult: { ResponseMetadata: {}, ReceiveMessageResult: { messages: null } } } })).eql([]);
    should(parseReceiveResponse({ ReceiveMessageResponse: { ReceiveMessageResult: { messages: [] } } })).eql([]);
    should(parseReceiveResponse({ ReceiveMessageResponse: { ResponseMetadata: {} } })).eql([]);
  });

  it("accepts the answer as JSON text", function () {
    should(parseReceiveResponse(JSON.stringify({ ReceiveMessageResponse: { ReceiveMessageResult: { messages: [guideCreate()] } } }))).have.length(1);
  });

  it("rejects an answer that is not the queue JSON with ENSONO_BAD_RESPONSE", function () {
    should(() => parseReceiveResponse("<html>gateway error</html>")).throw({ code: "ENSONO_BAD_RESPONSE" });
    should(() => parseReceiveResponse({ something: "else" })).throw({ code: "ENSONO_BAD_RESPONSE" });
    should(() => parseReceiveResponse({ ReceiveMessageResponse: { ReceiveMessageResult: { messages: "x" } } })).throw({ code: "ENSONO_BAD_RESPONSE" });
  });
});

describe("ensono queue: one message", function () {
  it("turns the guide's Create into a transaction with numbers for counts and timestamps", function () {
    const tx = normaliseMessage(guideCreate());
    should(tx.problem).be.undefined();
    should(tx).match({
      transactionType: "Create",
      ticketNumber: "e-CS0879727",
      ticketType: "Incident",
      clientTicketNumber: "",
      clientReferenceAvailable: false,
      messageId: "0eb49bcf-53a7-4769-b37a-2342b3658a00",
      sentTimestamp: 1674858334956,
      sequenceNumber: "18875507807458288128",
      receiveCount: 3,
      group: "e-CS0879727",
    });
    should(tx.receiptHandle).startWith("AQEB");
    should(transactionPayload(tx)).equal(tx.body);
  });

  it("accepts a Body sent as a JSON string", function () {
    const m = guideCreate();
    m.Body = JSON.stringify(m.Body);
    const tx = normaliseMessage(m);
    should(tx.problem).be.undefined();
    should(tx.body.shortDescription).equal("test");
  });

  it("makes updatedAt and updateOn updatedOn, in the body and in changed", function () {
    const a = normaliseMessage(withBody("Update", { updatedAt: "2023-01-27T22:26:29Z", changed: { updateOn: "2023-01-27T22:26:29Z", status: "pending" } }));
    should(a.body.updatedOn).equal("2023-01-27T22:26:29Z");
    should(a.body).not.have.property("updatedAt");
    should(a.body.changed).eql({ updatedOn: "2023-01-27T22:26:29Z", status: "pending" });
    const b = normaliseMessage(withBody("Update", { updatedOn: "", updateOn: "2023-02-08T17:20:38Z" }, "Change"));
    should(b.body.updatedOn).equal("2023-02-08T17:20:38Z");
  });

  it("makes ensonogroup ensonoGroup", function () {
    const m = withBody("Attachment", { attachment: "https://x/rocket.jpg", attachmentName: "rocket.jpg", ensonogroup: "Platform BPMDevandSupport" }, "Change");
    delete m.Body.ensonoGroup;
    const tx = normaliseMessage(m);
    should(tx.body.ensonoGroup).equal("Platform BPMDevandSupport");
    should(tx.body).not.have.property("ensonogroup");
  });

  it("reads ClientReferenceAvailable given as text", function () {
    const m = guideCreate();
    m.Attributes.ClientReferenceAvailable = "true";
    should(normaliseMessage(m).clientReferenceAvailable).be.true();
  });

  it("treats a CHG ticket sent with ticketType Incident as a change", function () {
    const m = withBody("Notes", { ticketNumber: "e-CHG0032103", notes: { type: "comment", body: "x" } }, "Incident");
    m.Attributes.MessageGroupId = "e-CHG0032103";
    should(normaliseMessage(m).ticketType).equal("Change");
  });

  it("accepts the transaction type with other spacing or case", function () {
    should(canonicalTransactionType("ApprovalRequest")).equal("Approval Request");
    should(canonicalTransactionType("returnensononum")).equal("ReturnEnsonoNum");
    should(canonicalTransactionType("Escalate")).be.undefined();
  });

  it("gives only the changed fields of an Update and only the notes of a Notes", function () {
    const u = normaliseMessage(withBody("Update", { changed: { status: "pending", statusNextAction: "pending-caller" } }));
    should(transactionPayload(u)).eql({ status: "pending", statusNextAction: "pending-caller" });
    const n = normaliseMessage(withBody("Notes", { notes: { type: "comment", id: "1", body: "adding comment" } }));
    should(transactionPayload(n)).eql({ type: "comment", id: "1", body: "adding comment" });
    const c = normaliseMessage(withBody("Update", { ticketNumber: "e-CHG1", state: "Authorize" }, "Change"));
    should(c.problem).be.undefined();
    should((transactionPayload(c) as Record<string, unknown>).state).equal("Authorize");
  });

  const bad: Array<[string, (m: Record<string, any>) => void, RegExp]> = [
    ["a Body that is not JSON", (m) => (m.Body = "{not json"), /Body is not JSON/],
    ["a missing Body", (m) => delete m.Body, /Body is missing/],
    ["a ticketNumber that is a number", (m) => (m.Body.ticketNumber = 42), /ticketNumber is a number/],
    ["a missing ticketType", (m) => delete m.Body.ticketType, /ticketType is missing/],
    ["an unknown ticket type", (m) => (m.Body.ticketType = "Problem"), /unknown ticket type "Problem"/],
    ["an unknown transaction type", (m) => (m.Attributes.TransactionType = "Escalate"), /unknown transaction type "Escalate"/],
    ["an incident Update without changed", (m) => (m.Attributes.TransactionType = "Update"), /changed is missing/],
    ["an Update whose changed is text", (m) => ((m.Attributes.TransactionType = "Update"), (m.Body.changed = "status")), /changed is not an object/],
    ["Notes without notes", (m) => (m.Attributes.TransactionType = "Notes"), /notes is missing/],
    ["Notes whose notes is text", (m) => ((m.Attributes.TransactionType = "Notes"), (m.Body.notes = "hello")), /notes is not an object/],
    ["an Attachment without its URL", (m) => ((m.Attributes.TransactionType = "Attachment"), (m.Body.attachmentName = "a.txt")), /attachment is missing/],
    ["an Approval Request without approvalId", (m) => ((m.Attributes.TransactionType = "Approval Request"), (m.Body.approverEmail = "a@b")), /approvalId is missing/],
    ["a ReturnEnsonoNum without the client number", (m) => (m.Attributes.TransactionType = "ReturnEnsonoNum"), /clientTicketNumber is empty/],
    ["a SentTimestamp that is not a number", (m) => (m.Attributes.SentTimestamp = "yesterday"), /SentTimestamp/],
    ["a missing ReceiptHandle", (m) => delete m.ReceiptHandle, /ReceiptHandle is missing/],
  ];
  for (const [what, spoil, reason] of bad) {
    it(`says why it cannot handle ${what}`, function () {
      const m = guideCreate();
      spoil(m);
      const tx = normaliseMessage(m);
      should(tx.problem).match(reason);
      should(tx.messageId).be.a.String().and.not.be.empty();
    });
  }

  it("survives a message that is not an object at all", function () {
    const tx = normaliseMessage("garbage");
    should(tx.problem).match(/not an object/);
  });
});

describe("ensono queue client over HTTP", function () {
  let server: RunningServer;
  const seen: string[] = [];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;

  before(async function () {
    server = await listen((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers["x-api-key"]}`);
      answer(req, res);
    });
  });
  after(async function () {
    await server.close();
  });
  beforeEach(function () {
    seen.length = 0;
  });

  function client() {
    const connection = createEnsonoConnection({ envUrl: `${server.origin}/testclient/dev`, clientName: "testClient", apiKey: "test-api-key", sleep: async () => undefined });
    return createEnsonoQueueClient(connection);
  }

  it("reads GET /queue with the api key and returns transactions", async function () {
    answer = (_req, res) => sendJson(res, 200, { ReceiveMessageResponse: { ReceiveMessageResult: { messages: [guideCreate()] } } });
    const txs = await client().receive();
    should(txs).have.length(1);
    should(txs[0].ticketNumber).equal("e-CS0879727");
    should(seen).eql(["GET /testclient/dev/queue test-api-key"]);
  });

  it("deletes with the receipt handle URL-encoded", async function () {
    answer = (_req, res) => sendJson(res, 200, { DeleteMessageResponse: { ResponseMetadata: { RequestId: "8d9a" } } });
    await client().delete("AQEB+/a=b");
    should(seen[0]).equal("DELETE /testclient/dev/queue/AQEB%2B%2Fa%3Db test-api-key");
  });

  it("turns the guide's expired-handle answer into ENSONO_RECEIPT_EXPIRED", async function () {
    answer = (_req, res) =>
      sendJson(res, 400, {
        Error: { Code: "InvalidParameterValue", Message: "Value AQEB for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", Type: "Sender" },
        RequestId: "377e",
      });
    await should(client().delete("AQEBold")).be.rejectedWith({ code: "ENSONO_RECEIPT_EXPIRED" });
  });

  it("turns a non-JSON read into ENSONO_BAD_RESPONSE", async function () {
    answer = (_req, res) => sendText(res, 200, "<html>oops</html>", "text/html");
    await should(client().receive()).be.rejectedWith({ code: "ENSONO_BAD_RESPONSE" });
  });

  it("turns Forbidden into ENSONO_FORBIDDEN without the key in the message", async function () {
    answer = (_req, res) => sendJson(res, 403, { message: "Forbidden" });
    const err = await client().receive().then(() => undefined, (e: Error & { code: string }) => e);
    should(err).match({ code: "ENSONO_FORBIDDEN" });
    should(err!.message).not.containEql("test-api-key");
  });
});
