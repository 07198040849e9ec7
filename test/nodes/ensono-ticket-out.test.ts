import should from "should";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { coreNodes, initHelper, ourNodes, type TestNode } from "../helpers/nodered";

/**
 * ensono-ticket-out in the test helper's runtime, over real HTTP against the
 * bridge simulator: every action, each documented error as its code, the
 * guide's retry rules, and bad input that must end in a clear node error.
 */
const helper = initHelper();
const KEY = "test-api-key";

type Outcome = { ok?: Record<string, any>; err?: Record<string, any> };

describe("ensono-ticket-out against the bridge simulator", function () {
  this.timeout(10_000);
  let sb: EnsonoSandbox;
  let statuses: Array<{ fill?: string; shape?: string; text?: string }>;
  /** the Error objects handed to done(err) (with their details), newest last */
  let errors: Array<Error & { code?: string; details?: Record<string, any> }>;

  beforeEach(async function () {
    sb = await startEnsonoSandbox({
      clients: [
        { clientName: "testClient", slug: "testclient", apiKey: KEY },
        { clientName: "otherClient", slug: "otherclient", apiKey: "other-key" },
      ],
    });
    statuses = [];
    errors = [];
  });
  afterEach(async function () {
    await helper.unload();
    await sb.close();
  });

  async function load(bridge: Record<string, unknown> = {}, out: Record<string, unknown> = {}, apiKey: string | undefined = KEY) {
    const flow = [
      {
        id: "bridge",
        type: "ensono-bridge",
        name: "sim",
        url: sb.envUrl("dev"),
        clientName: "testClient",
        defaultGroup: "Ensono Service Desk",
        genericGroup: "CLIENT - Ensono Other",
        createMode: "priority",
        timeout: 0.5,
        resendWait: 0.05,
        createGiveUp: 24,
        ...bridge,
      },
      { id: "f1", type: "tab", label: "ensono" },
      { id: "out", z: "f1", type: "ensono-ticket-out", bridge: "bridge", action: "msg", wires: [["sink"]], ...out },
      { id: "sink", z: "f1", type: "helper" },
      { id: "catcher", z: "f1", type: "catch", scope: ["out"], uncaught: false, wires: [["caught"]] },
      { id: "caught", z: "f1", type: "helper" },
    ];
    await helper.load([...ourNodes("ensono-bridge", "ensono-ticket-out"), ...coreNodes("catch")], flow, apiKey === undefined ? {} : { bridge: { apiKey } });
    const node = helper.getNode("out")!;
    node.on("call:status", (call: { args: unknown[] }) => statuses.push(call.args[0] as never));
    node.on("call:error", (call: { args: unknown[] }) => errors.push(call.args[0] as never));
    return node;
  }

  function send(node: TestNode, msg: Record<string, unknown>): Promise<Outcome> {
    const sink = helper.getNode("sink")!;
    const caught = helper.getNode("caught")!;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("neither an output nor a caught error within 8 s")), 8000);
      const onOk = (m: Record<string, any>) => finish({ ok: m });
      const onErr = (m: Record<string, any>) => finish({ err: m });
      function finish(o: Outcome) {
        clearTimeout(t);
        // Node-RED's own input-listener bookkeeping does not undo once(): clear both
        sink.removeAllListeners("input");
        caught.removeAllListeners("input");
        resolve(o);
      }
      sink.once("input", onOk);
      caught.once("input", onErr);
      node.receive(msg);
    });
  }

  async function ok(node: TestNode, msg: Record<string, unknown>): Promise<Record<string, any>> {
    const o = await send(node, msg);
    if (o.err) throw new Error(`expected success, got ${o.err.error.code}: ${o.err.error.message}`);
    return o.ok!;
  }

  async function fails(node: TestNode, msg: Record<string, unknown>, code: string): Promise<Record<string, any>> {
    const o = await send(node, msg);
    should.exist(o.err, `expected ${code}, the message went out instead`);
    should(o.err!.error.code).equal(code, o.err!.error.message);
    should(o.err!.error.message).not.containEql(KEY);
    const e = errors[errors.length - 1];
    should(e.code).equal(code);
    return { ...o.err!.error, details: e.details ?? {} };
  }

  const incident = (extra: Record<string, unknown> = {}) => ({
    ticketType: "Incident",
    clientTicketNumber: "INC0010001",
    priority: 2,
    group: "Ensono Network Support",
    contactName: "John Doe",
    contactEmail: "hello@world.com",
    shortDescription: "Printer on fire",
    description: "It burns.",
    ...extra,
  });

  async function created(node: TestNode, extra: Record<string, unknown> = {}): Promise<string> {
    const m = await ok(node, { action: "create", payload: incident(extra) });
    return m.ensono.ticketNumber;
  }

  const id = (n: string) => ({ ticketNumber: n, ticketType: "Incident", clientTicketNumber: "INC0010001" });
  const putsTo = (suffix: string) => sb.inspect.calls("dev").filter((c) => c.method === "PUT" && c.url.endsWith(suffix));

  describe("every action", function () {
    it("creates a ticket and sends the Ensono number out", async function () {
      const out = await load();
      const m = await ok(out, { action: "create", payload: incident() });
      should(m.payload.Response).match(/^e-CS\d+$/);
      should(m.ensono).containEql({ action: "create", ticketNumber: m.payload.Response, clientTicketNumber: "INC0010001", status: 200 });
      const t = sb.inspect.ticket("dev", m.ensono.ticketNumber)!;
      should(t).containEql({ clientTicketNumber: "INC0010001", priority: "2", group: "Ensono Network Support", shortDescription: "Printer on fire", contactName: "John Doe" });
      should(statuses[statuses.length - 1]).eql({ fill: "green", shape: "dot", text: `create ${m.ensono.ticketNumber}` });
    });

    it("sends priority only, or impact and urgency only, as the bridge's create mode says", async function () {
      let out = await load();
      await created(out, { impact: 1, urgency: 1 });
      should(sb.inspect.calls("dev")[0].body).have.propertyByPath("payload", "priority").equal("2");
      should((sb.inspect.calls("dev")[0].body as any).payload).not.have.properties("impact", "urgency");
      await helper.unload();
      out = await load({ createMode: "impact-urgency" });
      const n = await created(out, { impact: 1, urgency: 2 });
      const body = (sb.inspect.calls("dev")[1].body as any).payload;
      should(body).containEql({ impact: "1", urgency: "2" });
      should(body).not.have.property("priority");
      should(sb.inspect.ticket("dev", n)!.priority).equal("2");
    });

    it("double-escapes free text on the wire", async function () {
      const out = await load();
      await created(out, { description: 'line one\nline "two"\tend' });
      should((sb.inspect.calls("dev")[0].body as any).payload.description).equal('line one\\nline \\"two\\"\\tend');
    });

    it("updates only the fields given", async function () {
      const out = await load();
      const n = await created(out);
      const m = await ok(out, { action: "update", payload: { ...id(n), priority: 3, shortDescription: "still burning" } });
      should(m.payload).eql({ Response: "Update Successful" });
      should(m.ensono.status).equal(202);
      should((putsTo(`/tickets/${n}`)[0].body as any).payload).eql({ clientName: "testClient", ticketType: "Incident", clientTicketNumber: "INC0010001", priority: "3", shortDescription: "still burning" });
      should(sb.inspect.ticket("dev", n)).containEql({ priority: "3", shortDescription: "still burning", group: "Ensono Network Support" });
    });

    it("adds comments with notes", async function () {
      const out = await load();
      const n = await created(out);
      const m = await ok(out, { action: "notes", payload: { ...id(n), comments: [{ body: "first", commenter: "Jason Doe" }, "second"] } });
      should(m.payload).eql({ Response: "Comments added" });
      should(sb.inspect.ticket("dev", n)!.comments.map((c) => c.body)).eql(["first", "second"]);
    });

    it("returns the client ticket number with returnptn", async function () {
      const out = await load();
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "from Ensono", description: "d" });
      const m = await ok(out, { action: "returnptn", payload: { ticketNumber: n, ticketType: "Incident", clientTicketNumber: "INC0020002" } });
      should(m.payload).eql({ Response: "PTN added" });
      should(sb.inspect.ticket("dev", n)!.clientTicketNumber).equal("INC0020002");
    });

    it("resolves, then closes; and cancels another ticket", async function () {
      const out = await load();
      const n = await created(out);
      const r = await ok(out, { action: "resolve", payload: { ...id(n), closeNotes: "fixed" } });
      should(r.payload).eql({ Response: "Ticket Closed Successfully" });
      should(r.ensono.ticketStatus).equal("resolved");
      should(sb.inspect.ticket("dev", n)).containEql({ status: "resolved", closeNotes: "fixed" });
      await ok(out, { action: "close", payload: { ...id(n), closeNotes: "closed by client" } });
      should(sb.inspect.ticket("dev", n)!.status).equal("closed");
      const c = await created(out, { clientTicketNumber: "INC0010002" });
      await ok(out, { action: "cancel", payload: { ticketNumber: c, ticketType: "Incident", clientTicketNumber: "INC0010002", closeNotes: "not needed" } });
      should(sb.inspect.ticket("dev", c)!.status).equal("cancelled");
    });

    it("takes the action from the dialog when one is set", async function () {
      const out = await load({}, { action: "create" });
      const m = await ok(out, { action: "close", payload: incident() });
      should(m.ensono.action).equal("create");
    });

    it("approves one change and rejects another", async function () {
      const out = await load();
      const a = sb.agent.createChange("dev", { type: "Normal", approvers: [{ name: "Default User", email: "cab@client.com" }] });
      const b = sb.agent.createChange("dev", { type: "Normal", approvers: [{ name: "Default User", email: "cab@client.com" }] });
      const approvalOf = (n: string) => sb.inspect.ticket("dev", n)!.change!.approvals[0].approvalId;
      const yes = await ok(out, { action: "approve", payload: { ticketNumber: a, clientTicketNumber: "CHG0030001", approver: "cab@client.com", approvalId: approvalOf(a), comments: [{ body: "approved via Email", commenter: "Jason Doe" }] } });
      should(yes.payload).eql({ Response: "Approval Received Successfully" });
      const no = await ok(out, { action: "reject", payload: { ticketNumber: b, clientTicketNumber: "CHG0030002", approver: "cab@client.com", approvalId: approvalOf(b), comments: "time conflict" } });
      should(no.payload).eql({ Response: " Rejection Received Successfully" });
      should(sb.inspect.ticket("dev", a)!.change!.approvals[0]).containEql({ state: "approved", decidedBy: "cab@client.com" });
      // the bridge parses free text a second time: the stored comment has a real line break
      should(sb.inspect.ticket("dev", a)!.change!.approvals[0].comment).equal("Jason Doe\napproved via Email");
      should(sb.inspect.ticket("dev", b)!.change!.approvals[0].state).equal("rejected");
    });

    it("uploads a binary attachment with its Content-Type, without the API key", async function () {
      const out = await load();
      const n = await created(out);
      const pdf = Buffer.from("%PDF-1.4 fake pdf bytes");
      const m = await ok(out, { action: "attachment", payload: { ticketNumber: n, filename: "report-1.pdf", content: pdf } });
      should(m.ensono.attachment).containEql({ filename: "report-1.pdf", bytes: pdf.length, contentType: "application/pdf", encoding: "binary", urlRenewed: false });
      const a = sb.inspect.ticket("dev", n)!.attachments;
      should(a).have.length(1);
      should(a[0]).containEql({ fileName: "report-1.pdf", contentType: "application/pdf" });
      should(a[0].content.equals(pdf)).be.true();
      const upload = sb.inspect.calls().find((c) => c.route === "upload")!;
      should(upload.apiKey).equal("missing");
    });

    it("uploads base64 text through the .base64 variant", async function () {
      const out = await load();
      const n = await created(out);
      await ok(out, { action: "attachment", payload: { ticketNumber: n, filename: "notes.txt", content: Buffer.from("hello there").toString("base64"), encoding: "base64" } });
      should(sb.inspect.calls("dev").some((c) => c.url.endsWith("/attachments/notes.txt.base64"))).be.true();
      should(sb.inspect.ticket("dev", n)!.attachments[0].content.toString()).equal("hello there");
    });

    it("asks for a new upload URL when the first has expired", async function () {
      const out = await load();
      const n = await created(out);
      sb.faults.add({ kind: "status", method: "PUT", pathPrefix: "/_s3/", count: 1, status: 403, body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' });
      const m = await ok(out, { action: "attachment", payload: { ticketNumber: n, filename: "a.log", content: Buffer.from("log line") } });
      should(m.ensono.attachment.urlRenewed).be.true();
      should(sb.inspect.calls("dev").filter((c) => c.route === "uploadUrl")).have.length(2);
      should(sb.inspect.ticket("dev", n)!.attachments).have.length(1);
    });

    it("keeps what msg.ensono held (a queue confirmation) and adds its own fields", async function () {
      const out = await load();
      const m = await ok(out, { action: "create", payload: incident(), ensono: { messageId: "m-1", transactionType: "Create" } });
      should(m.ensono).containEql({ messageId: "m-1", transactionType: "Create", action: "create" });
    });
  });

  describe("the guide's errors, each as its code", function () {
    it("ENSONO_PATH_INVALID for an environment typed wrong", async function () {
      const out = await load({ url: sb.envUrl("dev").replace(/\/dev$/, "/Dev") });
      const e = await fails(out, { action: "create", payload: incident() }, "ENSONO_PATH_INVALID");
      should(e.message).match(/Missing Authentication Token/);
    });

    it("ENSONO_FORBIDDEN for a wrong client part of the URL or a wrong key", async function () {
      let out = await load({ url: sb.envUrl("dev").replace("/testclient/", "/Testclient/") });
      await fails(out, { action: "create", payload: incident() }, "ENSONO_FORBIDDEN");
      await helper.unload();
      out = await load({}, {}, "wrong-key");
      await fails(out, { action: "create", payload: incident() }, "ENSONO_FORBIDDEN");
    });

    it("ENSONO_CLIENT_NAME_UNKNOWN for a misspelled clientName", async function () {
      const out = await load({ clientName: "testclient" });
      const e = await fails(out, { action: "create", payload: incident() }, "ENSONO_CLIENT_NAME_UNKNOWN");
      should(e.message).match(/client name/);
    });

    it("ENSONO_TICKET_NOT_AUTHORIZED for another company's ticket", async function () {
      const out = await load();
      const theirs = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "s", description: "d", clientName: "otherClient" });
      await fails(out, { action: "notes", payload: { ...id(theirs), comments: "hi" } }, "ENSONO_TICKET_NOT_AUTHORIZED");
    });

    it("ENSONO_BAD_PATH for approve on an incident, ENSONO_TICKET_NOT_FOUND for an unknown number", async function () {
      const out = await load();
      const n = await created(out);
      await fails(out, { action: "approve", payload: { ticketNumber: n, clientTicketNumber: "1", approver: "a@b.c", approvalId: "x", comments: "ok" } }, "ENSONO_BAD_PATH");
      await fails(out, { action: "update", payload: { ...id("e-CS0999999"), priority: 1 } }, "ENSONO_TICKET_NOT_FOUND");
    });

    it("ENSONO_NOT_RESOLVED when closing a ticket that is not resolved", async function () {
      const out = await load();
      const n = await created(out);
      const e = await fails(out, { action: "close", payload: { ...id(n), closeNotes: "done" } }, "ENSONO_NOT_RESOLVED");
      should(e.message).match(/resolve .*first/);
      should(sb.inspect.ticket("dev", n)!.status).equal("open");
    });

    it("ENSONO_TICKET_CLOSED for an update of a closed ticket", async function () {
      const out = await load();
      const n = await created(out);
      sb.agent.resolve("dev", n, "resolved", "done");
      sb.agent.close("dev", n);
      await fails(out, { action: "notes", payload: { ...id(n), comments: "late" } }, "ENSONO_TICKET_CLOSED");
    });
  });

  describe("retries", function () {
    it("resends a create and an update with the default group when Ensono rejects the group", async function () {
      const out = await load();
      const m = await ok(out, { action: "create", payload: incident({ group: "No Such Group" }) });
      should(m.ensono.groupFallback).eql({ requested: "No Such Group", sent: "Ensono Service Desk" });
      should(sb.inspect.ticket("dev", m.ensono.ticketNumber)!.group).equal("Ensono Service Desk");
      should(sb.inspect.calls("dev").filter((c) => c.route === "create")).have.length(2);
      const u = await ok(out, { action: "update", payload: { ...id(m.ensono.ticketNumber), group: "Bogus" } });
      should(u.ensono.groupFallback.sent).equal("Ensono Service Desk");
    });

    it("fails with ENSONO_GROUP_INVALID when no default group is configured", async function () {
      const out = await load({ defaultGroup: "" });
      await fails(out, { action: "create", payload: incident({ group: "No Such Group" }) }, "ENSONO_GROUP_INVALID");
      should(sb.inspect.calls("dev")).have.length(1);
    });

    it("resends a timed-out update once after the resend wait, and shows it on the status", async function () {
      const out = await load();
      const n = await created(out);
      sb.faults.add({ kind: "timeout", method: "PUT", pathPrefix: "/tickets/", count: 1 });
      const m = await ok(out, { action: "update", payload: { ...id(n), priority: 1 } });
      should(m.ensono.resent).eql({ reason: "ENSONO_TIMEOUT", waitMs: 50 });
      should(putsTo(`/tickets/${n}`)).have.length(2);
      should(sb.inspect.ticket("dev", n)!.priority).equal("1");
      should(statuses.map((s) => s.text)).containEql("timeout: resend in 50 ms");
      should(statuses.find((s) => s.text === "timeout: resend in 50 ms")).containEql({ fill: "yellow", shape: "ring" });
    });

    it("resends a timed-out note; when the first did arrive the note is there twice (documented)", async function () {
      const out = await load();
      const n = await created(out);
      sb.faults.add({ kind: "timeout", method: "PUT", pathPrefix: `/tickets/${n}/notes`, count: 1, process: true });
      const m = await ok(out, { action: "notes", payload: { ...id(n), comments: "hello" } });
      should(m.ensono.resent.waitMs).equal(50);
      should(sb.inspect.ticket("dev", n)!.comments.map((c) => c.body)).eql(["hello", "hello"]);
    });

    it("never resends a create that timed out: ENSONO_CREATE_UNCONFIRMED, and the number comes as ReturnEnsonoNum", async function () {
      const out = await load();
      sb.timeoutNextCreate();
      const e = await fails(out, { action: "create", payload: incident() }, "ENSONO_CREATE_UNCONFIRMED");
      should(e.message).match(/ReturnEnsonoNum/);
      should(e.details).containEql({ clientTicketNumber: "INC0010001", mayArriveAs: "ReturnEnsonoNum", giveUpAfterMs: 24 * 3_600_000 });
      should(sb.inspect.calls("dev").filter((c) => c.route === "create")).have.length(1);
      should(statuses[statuses.length - 1]).eql({ fill: "red", shape: "ring", text: "ENSONO_CREATE_UNCONFIRMED" });
      sb.clock.advance(10_000);
      const q = sb.inspect.queue("dev");
      const ret = q.messages.find((x) => x.transactionType === "ReturnEnsonoNum")!;
      should(ret.body.clientTicketNumber).equal("INC0010001");
    });

    it("stops a waiting resend when the flow is stopped, without sending it", async function () {
      const out = await load({ resendWait: 600 });
      const n = await created(out);
      sb.faults.add({ kind: "timeout", method: "PUT", pathPrefix: "/tickets/", count: 1 });
      const waiting = new Promise<void>((resolve) => out.on("call:status", (c: { args: Array<{ text?: string }> }) => c.args[0]?.text?.startsWith("timeout: resend") && resolve()));
      out.receive({ action: "update", payload: { ...id(n), priority: 1 } });
      await waiting;
      const failed = new Promise<void>((resolve) => out.on("call:error", () => resolve()));
      await out.close(true);
      await failed;
      should(errors.map((e) => e.code)).eql(["ABORTED"]);
      should(putsTo(`/tickets/${n}`)).have.length(1);
    });

    it("fails with ENSONO_TIMEOUT when the resend times out too", async function () {
      const out = await load();
      const n = await created(out);
      sb.faults.add({ kind: "timeout", method: "PUT", pathPrefix: "/tickets/", count: 2 });
      const e = await fails(out, { action: "resolve", payload: { ...id(n), closeNotes: "x" } }, "ENSONO_TIMEOUT");
      should(e.message).match(/also when sent again/);
      should(putsTo(`/tickets/${n}`)).have.length(2);
    });
  });

  describe("bad input gives a clear node error and no crash", function () {
    it("a 5,000-character description is refused before sending, naming the field", async function () {
      const out = await load();
      const e = await fails(out, { action: "create", payload: incident({ description: "d".repeat(5000) }) }, "INPUT_INVALID");
      should(e.message).endWith("description is 5000 characters long; Ensono accepts at most 4000");
      should(sb.inspect.calls("dev")).have.length(0);
      should(statuses[statuses.length - 1]).eql({ fill: "red", shape: "ring", text: "INPUT_INVALID" });
    });

    it("a filename with spaces, and an .exe, are refused", async function () {
      const out = await load();
      const e1 = await fails(out, { action: "attachment", payload: { ticketNumber: "e-CS0000001", filename: "my report.pdf", content: Buffer.from("x") } }, "INPUT_INVALID");
      should(e1.message).match(/contains a space/);
      const e2 = await fails(out, { action: "attachment", payload: { ticketNumber: "e-CS0000001", filename: "setup.exe", content: Buffer.from("x") } }, "INPUT_INVALID");
      should(e2.message).match(/\.exe/);
      should(sb.inspect.calls("dev")).have.length(0);
    });

    it("a non-JSON answer is a clear error, and the node keeps working", async function () {
      const out = await load();
      sb.faults.add({ kind: "status", method: "POST", pathPrefix: "/tickets", count: 1, status: 502, body: "<html><body>Bad Gateway</body></html>" });
      const e = await fails(out, { action: "create", payload: incident() }, "ENSONO_HTTP_502");
      should(e.message).match(/not JSON/);
      sb.faults.add({ kind: "status", method: "POST", pathPrefix: "/tickets", count: 1, status: 200, body: "OK" });
      await fails(out, { action: "create", payload: incident() }, "ENSONO_BAD_RESPONSE");
      const m = await ok(out, { action: "create", payload: incident() });
      should(m.ensono.ticketNumber).match(/^e-CS/);
    });

    it("a missing action, a payload that is not an object, and a missing field are refused", async function () {
      const out = await load();
      should((await fails(out, { payload: incident() }, "INPUT_INVALID")).message).match(/action must be one of/);
      should((await fails(out, { action: "create", payload: "text" }, "INPUT_INVALID")).message).match(/msg\.payload must be an object/);
      const e = await fails(out, { action: "update", payload: { ticketType: "Incident", clientTicketNumber: "1", priority: 1 } }, "INPUT_INVALID");
      should(e.details.field).equal("ticketNumber");
    });

    it("an unusable bridge gives ENSONO_NOT_CONFIGURED and a red ring", async function () {
      const saved = { url: process.env.ENSONO_URL, key: process.env.ENSONO_API_KEY };
      delete process.env.ENSONO_URL;
      delete process.env.ENSONO_API_KEY;
      try {
        const out = await load({ url: "${ENSONO_URL}" }, {}, undefined);
        should(statuses.length === 0 || statuses[0].fill === "red").be.true();
        const e = await fails(out, { action: "create", payload: incident() }, "ENSONO_NOT_CONFIGURED");
        should(e.message).match(/environment URL/);
      } finally {
        if (saved.url !== undefined) process.env.ENSONO_URL = saved.url;
        if (saved.key !== undefined) process.env.ENSONO_API_KEY = saved.key;
      }
    });
  });
});
