import should from "should";
import type { EnsonoSandbox } from "../../../sandbox/ensono";
import { call, createPayload, del, receive, startFrozen } from "./helpers";

describe("ensono sandbox: the /_sandbox control API", function () {
  let sb: EnsonoSandbox;
  let ctl: (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;
  beforeEach(async function () {
    sb = await startFrozen();
    ctl = async (method, path, body) => {
      const r = await call(`${sb.origin}/_sandbox${path}`, method, body, { "x-api-key": "" });
      return { status: r.status, json: r.json };
    };
  });
  afterEach(async function () {
    await sb.close();
  });

  it("lists its routes", async function () {
    const r = await ctl("GET", "");
    should(r.status).equal(200);
    should(r.json.routes.map((x: any) => x.route)).containEql("POST /_sandbox/clock/advance {ms}");
  });

  it("acts as an Ensono agent on incidents over HTTP", async function () {
    const opened = await ctl("POST", "/dev/tickets", { ticketType: "Incident", shortDescription: "from curl", description: "d", priority: 2 });
    should(opened.status).equal(201);
    const n = opened.json.ticketNumber;
    should((await ctl("POST", `/dev/tickets/${n}/comments`, { body: "hi", commenter: "Agent" })).status).equal(200);
    should((await ctl("POST", `/dev/tickets/${n}/update`, { status: "pending", statusNextAction: "pending-vendor" })).status).equal(200);
    const att = await ctl("POST", `/dev/tickets/${n}/attachments`, { fileName: "a.txt", contentType: "text/plain", content: "abc" });
    should(att.json.url).startWith(`${sb.origin}/_s3/`);
    should((await ctl("POST", `/dev/tickets/${n}/resolve`, { closeCode: "resolved", closeNotes: "fixed" })).status).equal(200);
    should((await ctl("POST", `/dev/tickets/${n}/close`)).status).equal(200);
    const q = await ctl("GET", "/dev/queue");
    should(q.json.messages.map((m: any) => m.transactionType)).eql(["Create", "Notes", "Update", "Attachment", "Closure", "Closure"]);
    const t = await ctl("GET", `/dev/tickets/${n}`);
    should(t.json.ticket).match({ status: "closed", priority: "2" });
    should(t.json.ticket.attachments[0].contentBase64).equal(Buffer.from("abc").toString("base64"));
    should((await ctl("GET", "/dev/tickets")).json.tickets).have.length(1);
    const refused = await ctl("POST", `/dev/tickets/${n}/comments`, { body: "late" });
    should(refused.status).equal(409);
    should(refused.json.error).match(/no more updates/);
  });

  it("acts as an Ensono agent on changes over HTTP", async function () {
    const c = await ctl("POST", "/dev/changes", {
      type: "Normal",
      approvers: [{ name: "A", email: "a@client.com" }],
      attachments: [{ fileName: "p.txt", contentType: "text/plain", contentBase64: Buffer.from("plan").toString("base64") }],
    });
    const n = c.json.ticketNumber;
    should(n).match(/^e-CHG\d{7}$/);
    should((await ctl("POST", `/dev/changes/${n}/approval-requests`, { name: "B", email: "b@client.com" })).json.approvalId).match(/^[0-9a-f]{32}$/);
    should((await ctl("POST", `/dev/changes/${n}/redraft`)).status).equal(200);
    should((await ctl("POST", `/dev/changes/${n}/state`, { state: "Assess" })).status).equal(200);
    should((await ctl("POST", `/dev/changes/${n}/state`, { state: "Closed", closeCode: "Unsuccessful", closeNotes: "rolled back" })).status).equal(200);
    const types = (await ctl("GET", "/dev/queue")).json.messages.map((m: any) => m.transactionType);
    should(types).eql(["Create", "Approval Request", "Attachment", "Approval Request", "Redraft", "Update", "Approval Request", "Approval Request", "Closure"]);
    should((await ctl("POST", `/dev/changes/${n}/state`, { state: "Bogus" })).status).equal(400);
  });

  it("advances the clock, injects faults, times out creates, switches variants and lists calls", async function () {
    const before = (await ctl("GET", "/clock")).json.now;
    should((await ctl("POST", "/clock/advance", { ms: 30_000 })).json.now).equal(before + 30_000);
    should((await ctl("POST", "/clock/advance", { ms: -1 })).status).equal(400);

    await ctl("POST", "/faults", { kind: "status", status: 502, pathPrefix: "/queue", count: 1 });
    should((await ctl("GET", "/faults")).json.faults).have.length(1);
    should((await call(`${sb.envUrl()}/queue`)).status).equal(502);
    await ctl("POST", "/faults", { kind: "status", status: 500 });
    await ctl("DELETE", "/faults");
    should((await call(`${sb.envUrl()}/queue`)).status).equal(200);

    await ctl("POST", "/timeout-next-create", { answer: "504" });
    should((await call(`${sb.envUrl()}/tickets`, "POST", createPayload())).status).equal(504);
    await ctl("POST", "/clock/advance", { ms: 5_000 });
    const [m] = await receive(sb);
    should(m.Attributes.TransactionType).equal("ReturnEnsonoNum");
    await del(sb, m.ReceiptHandle);

    should((await ctl("POST", "/variants", { emptyMessages: "empty-array" })).json.variants.emptyMessages).equal("empty-array");
    should((await ctl("POST", "/variants", { nope: 1 })).status).equal(400);
    const r = await call(`${sb.envUrl()}/queue`);
    should(r.json.ReceiveMessageResponse.ReceiveMessageResult.ReceiveMessageResult.messages).eql([]);

    const calls = (await ctl("GET", "/calls?env=dev")).json.calls;
    should(calls[0]).match({ route: "none", fault: "status", status: 502 });
    should(calls.slice(1).map((c: any) => c.route)).eql(["receive", "create", "receive", "delete", "receive"]);
    should(JSON.stringify(calls)).not.containEql("test-api-key");
    await ctl("DELETE", "/calls");
    should(sb.inspect.calls()).have.length(0);
  });

  it("answers an unknown control route with 404 and bad JSON with 400", async function () {
    should((await ctl("GET", "/nowhere")).status).equal(404);
    const r = await call(`${sb.origin}/_sandbox/dev/tickets`, "POST", "not json");
    should(r.status).equal(400);
  });
});
