import should from "should";
import axios from "axios";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { initHelper, ourNodes, type TestHelper, type TestNode } from "../helpers/nodered";
import { eventually } from "../helpers/runtime";

type Msg = Record<string, any>;

const VISIBILITY = 30_000;

describe("ensono-queue-in node (against the bridge simulator)", function () {
  this.timeout(20_000);
  let helper: TestHelper;
  let sb: EnsonoSandbox;

  before(function () {
    helper = initHelper();
  });
  beforeEach(async function () {
    sb = await startEnsonoSandbox({ visibilityTimeoutMs: VISIBILITY });
  });
  afterEach(async function () {
    await helper.unload();
    await sb.close();
  });

  interface Rig {
    q: TestNode;
    out: Msg[];
    failed: Msg[];
    confirm(m: Msg): void;
    fail(m: Msg, how?: "error" | "failed"): void;
    poll(): void;
  }

  async function rig(props: Record<string, unknown> = {}): Promise<Rig> {
    const flow = [
      { id: "bridge", type: "ensono-bridge", url: sb.envUrl("dev"), clientName: "testClient", maxDeliveries: 5 },
      { id: "q", type: "ensono-queue-in", bridge: "bridge", interval: "1", maxConcurrency: 10, handlingTimeout: 60, wires: [["out"], ["failed"]], ...props },
      { id: "out", type: "helper" },
      { id: "failed", type: "helper" },
    ];
    await helper.load(ourNodes("ensono-bridge", "ensono-queue-in"), flow, { bridge: { apiKey: "test-api-key" } });
    const q = helper.getNode("q")!;
    const out: Msg[] = [];
    const failed: Msg[] = [];
    helper.getNode("out")!.on("input", (m: Msg) => out.push(m));
    helper.getNode("failed")!.on("input", (m: Msg) => failed.push(m));
    return {
      q,
      out,
      failed,
      confirm: (m) => q.receive({ payload: m.payload, topic: m.topic, ensono: { ...m.ensono } }),
      fail: (m, how = "error") =>
        q.receive(how === "error" ? { ensono: { ...m.ensono }, error: { message: "ServiceNow said no", code: "SNOW_HTTP_400" } } : { ensono: { ...m.ensono, failed: "no such group" } }),
      poll: () => q.receive({ action: "poll" }),
    };
  }

  const queue = () => sb.inspect.queue("dev");
  const deletes = () => sb.inspect.calls("dev").filter((c) => c.method === "DELETE");

  /** confirms every message as it arrives, and returns them in arrival order once `n` came */
  async function drainConfirming(r: Rig, n: number): Promise<Msg[]> {
    let seen = 0;
    await eventually(() => {
      while (seen < r.out.length) r.confirm(r.out[seen++]);
      return r.out.length >= n;
    }, 15_000, 20);
    return r.out.slice(0, n);
  }

  it("emits each incident transaction in order with the payload the flow should apply", async function () {
    const number = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "disk full", description: "the disk is full", priority: "3" });
    sb.agent.comment("dev", number, "adding comment");
    sb.agent.update("dev", number, { status: "pending", statusNextAction: "pending-caller" });
    sb.agent.addPublicAttachment("dev", number, "log.txt", Buffer.from("hello"), "text/plain");
    sb.agent.resolve("dev", number, "resolved", "fixed it");
    const r = await rig();
    const msgs = await drainConfirming(r, 5);
    should(msgs.map((m) => m.ensono.transactionType)).eql(["Create", "Notes", "Update", "Attachment", "Closure"]);
    for (const m of msgs) {
      should(m.topic).equal(number);
      should(m.ensono).match({ ticketNumber: number, ticketType: "Incident", clientReferenceAvailable: false, receiveCount: 1 });
      should(m.ensono.messageId).be.a.String();
      should(m.ensono.sentTimestamp).be.a.Number();
      should(m.ensono.attributes.MessageGroupId).equal(number);
    }
    const [create, notes, update, attachment, closure] = msgs;
    should(create.payload).match({ ticketNumber: number, status: "open", shortDescription: "disk full" });
    should(notes.payload).match({ type: "comment", body: "adding comment" });
    should(notes.payload).not.have.property("ticketNumber");
    should(notes.ensono.body.notes.body).equal("adding comment");
    should(update.payload).match({ status: "pending", statusNextAction: "pending-caller" });
    should(update.payload).not.have.property("shortDescription");
    should(update.ensono.body.shortDescription).equal("disk full");
    should(attachment.payload).match({ attachmentName: "log.txt" });
    should(attachment.payload.attachment).match(/^http/);
    should(closure.payload).match({ status: "resolved", closeCode: "resolved", closeNotes: "fixed it" });
    await eventually(() => queue().messages.length === 0 && queue().inFlight === 0);
  });

  it("emits ReturnEnsonoNum when a create timed out, with the client number", async function () {
    sb.timeoutNextCreate({ env: "dev" });
    await axios
      .post(
        `${sb.envUrl("dev")}/tickets`,
        { payload: { clientName: "testClient", clientTicketNumber: "INC0010001", ticketType: "Incident", shortDescription: "s", description: "d", contactName: "A", contactEmail: "a@example.com", priority: "3" } },
        { headers: { "x-api-key": "test-api-key" }, timeout: 300 },
      )
      .catch(() => undefined);
    sb.clock.advance(10_000);
    sb.tick();
    const r = await rig();
    const [m] = await drainConfirming(r, 1);
    should(m.ensono.transactionType).equal("ReturnEnsonoNum");
    should(m.ensono.clientTicketNumber).equal("INC0010001");
    should(m.ensono.clientReferenceAvailable).be.true();
    should(m.payload).match({ clientTicketNumber: "INC0010001", ticketType: "Incident" });
    should(m.topic).match(/^e-/);
  });

  it("emits each change transaction: Create, Approval Request, Attachment, Update, Notes, Closure and Redraft", async function () {
    const a = sb.agent.createChange("dev", {
      type: "Normal",
      approvers: [{ name: "Default User", email: "noreply@client.com" }],
      attachments: [{ fileName: "rocket.jpg", content: Buffer.from("jpg"), contentType: "image/jpeg" }],
      shortDescription: "patch",
    });
    sb.agent.changeState("dev", a, "Authorize");
    sb.agent.comment("dev", a, "Adding a comment");
    sb.agent.changeState("dev", a, "Closed", { closeCode: "Successful", closeNotes: "done" });
    const b = sb.agent.createChange("dev", { type: "Standard", shortDescription: "standard" });
    sb.agent.redraft("dev", b);
    const r = await rig();
    const msgs = await drainConfirming(r, 8);
    const ofA = msgs.filter((m) => m.topic === a);
    const ofB = msgs.filter((m) => m.topic === b);
    should(ofA.map((m) => m.ensono.transactionType)).eql(["Create", "Approval Request", "Attachment", "Update", "Notes", "Closure"]);
    should(ofB.map((m) => m.ensono.transactionType)).eql(["Create", "Redraft"]);
    for (const m of msgs) should(m.ensono.ticketType).equal("Change");
    should(ofA[0].payload).match({ state: "Assess", type: "Normal" });
    should(ofA[1].payload).match({ approverEmail: "noreply@client.com", approvalState: "Requested" });
    should(ofA[1].payload.approvalId).be.a.String().and.not.be.empty();
    should(ofA[2].payload).match({ attachmentName: "rocket.jpg" });
    should(ofA[2].ensono.body.ensonoGroup).be.a.String(); // the guide's `ensonogroup` spelling, made canonical
    should(ofA[2].ensono.body).not.have.property("ensonogroup");
    should(ofA[3].payload).match({ state: "Authorize" });
    should(ofA[4].payload).match({ body: "Adding a comment" });
    should(ofA[5].payload).match({ state: "Closed", closeCode: "Successful", closeNotes: "done" });
    should(ofB[1].payload).match({ state: "New" });
  });

  it("deletes a transaction only once the flow confirms it", async function () {
    sb.agent.openTicket("dev", { ticketType: "Request", shortDescription: "laptop", description: "new laptop" });
    const r = await rig();
    await eventually(() => r.out.length === 1);
    should(deletes()).have.length(0);
    should(queue().inFlight).equal(1);
    r.confirm(r.out[0]);
    await eventually(() => queue().messages.length === 0);
    should(deletes()).have.length(1);
    should(deletes()[0].url).containEql(encodeURIComponent("AQEB"));
  });

  it("does not delete a failed transaction (msg.error from a Catch node): it comes back after the visibility timeout", async function () {
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const r = await rig();
    await eventually(() => r.out.length === 1);
    r.fail(r.out[0], "error");
    await new Promise((res) => setTimeout(res, 50));
    sb.clock.advance(VISIBILITY + 1000);
    r.poll();
    await eventually(() => r.out.length === 2);
    should(r.out[1].ensono.messageId).equal(r.out[0].ensono.messageId);
    should(r.out[1].ensono.receiveCount).equal(2);
    should(deletes()).have.length(0);
    r.confirm(r.out[1]);
    await eventually(() => queue().messages.length === 0);
  });

  it("treats msg.ensono.failed as a failure too", async function () {
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const r = await rig();
    await eventually(() => r.out.length === 1);
    r.fail(r.out[0], "failed");
    sb.clock.advance(VISIBILITY + 1000);
    r.poll();
    await eventually(() => r.out.length === 2);
    should(r.out[1].ensono.receiveCount).equal(2);
    should(deletes()).have.length(0);
  });

  it("treats a transaction not confirmed within the handling timeout as failed and sends it again later", async function () {
    const number = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    sb.agent.comment("dev", number, "second");
    const r = await rig({ handlingTimeout: 1 });
    await eventually(() => r.out.length === 1);
    // the node's own 1 s handling timeout (node time, not bridge time) gives the transaction up for now
    await eventually(() => r.q.warn.args?.some((a: unknown[]) => /not confirmed within 1 s/.test(String(a[0]))) ?? false);
    should(r.out).have.length(1); // the ticket's next transaction waits
    should(deletes()).have.length(0);
    sb.clock.advance(VISIBILITY + 1000);
    r.poll();
    await eventually(() => r.out.length === 2);
    should(r.out[1].ensono.transactionType).equal("Create");
    should(r.out[1].ensono.receiveCount).equal(2);
  });

  it("gives up on a transaction that failed on its 5th delivery: second output with the reason, deleted, and the ticket's next one flows", async function () {
    const number = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    sb.agent.comment("dev", number, "after the failure");
    const r = await rig();
    for (let delivery = 1; delivery <= 5; delivery++) {
      await eventually(() => r.out.length === delivery);
      const m = r.out[delivery - 1];
      should(m.ensono.transactionType).equal("Create");
      should(m.ensono.receiveCount).equal(delivery);
      r.fail(m, "error");
      if (delivery < 5) {
        await new Promise((res) => setTimeout(res, 50));
        sb.clock.advance(VISIBILITY + 1000);
        r.poll();
      }
    }
    await eventually(() => r.failed.length === 1);
    should(r.failed[0].ensono.transactionType).equal("Create");
    should(r.failed[0].ensono.failureReason).match(/delivery 5 of 5/).and.match(/SNOW_HTTP_400: ServiceNow said no/);
    should(r.failed[0].topic).equal(number);
    await eventually(() => r.out.length === 6);
    should(r.out[5].ensono.transactionType).equal("Notes");
    should(r.out[5].payload.body).equal("after the failure");
    r.confirm(r.out[5]);
    await eventually(() => queue().messages.length === 0);
    should(queue().failed).have.length(0);
  });

  it("deletes out-of-scope transactions without emitting them", async function () {
    sb.agent.openTicket("dev", { ticketType: "Request", shortDescription: "r", description: "r" });
    const inc = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "i", description: "i" });
    sb.agent.comment("dev", inc, "not wanted");
    sb.agent.update("dev", inc, { priority: "2" });
    const r = await rig({ ticketTypes: ["Incident", "Change"], transactionTypes: ["Create", "Update", "Closure"] });
    await drainConfirming(r, 2);
    await eventually(() => queue().messages.length === 0);
    should(r.out.map((m) => `${m.ensono.ticketType} ${m.ensono.transactionType}`)).eql(["Incident Create", "Incident Update"]);
    should(r.failed).have.length(0);
    should(deletes()).have.length(4);
  });

  it("sends bad transactions out of the second output with the reason and deletes them, and keeps going", async function () {
    const base = (id: string, handle: string, body: unknown, type = "Create", extra: Record<string, unknown> = {}) => ({
      MessageId: id,
      ReceiptHandle: handle,
      Body: body,
      Attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(Date.now()), SequenceNumber: "1", MessageGroupId: "e-CS1", ClientReferenceAvailable: false, TransactionType: type, ...extra },
    });
    const good = { clientName: "testClient", ticketNumber: "e-CS1", clientTicketNumber: "", ticketType: "Incident", status: "open" };
    sb.faults.add({
      kind: "status",
      method: "GET",
      pathPrefix: "/queue",
      status: 200,
      count: 1,
      body: {
        ReceiveMessageResponse: {
          ReceiveMessageResult: {
            messages: [
              base("m1", "AQEBone", "{this is not json"),
              base("m2", "AQEBtwo", { ...good, ticketNumber: undefined, ticketType: 7 }),
              base("m3", "AQEBthree", good, "Escalate"),
              base("m4", "AQEBfour", { ...good, changed: "status" }, "Update"),
            ],
          },
        },
      },
    });
    sb.faults.add({ kind: "status", method: "DELETE", pathPrefix: "/queue/AQEB", status: 200, count: 4, body: { DeleteMessageResponse: { ResponseMetadata: { RequestId: "x" } } } });
    const r = await rig();
    await eventually(() => r.failed.length === 4);
    const reasons = Object.fromEntries(r.failed.map((m) => [m.ensono.messageId, m.ensono.failureReason]));
    should(reasons.m1).match(/Body is not JSON/);
    should(r.failed.find((m) => m.ensono.messageId === "m1")!.payload).equal("{this is not json");
    should(reasons.m2).match(/ticketType/);
    should(reasons.m3).match(/unknown transaction type "Escalate"/);
    should(reasons.m4).match(/changed is not an object/);
    // fault-answered calls are recorded without an environment
    const faultDeletes = () => sb.inspect.calls().filter((c) => c.method === "DELETE");
    await eventually(() => faultDeletes().length === 4);
    should(faultDeletes().map((c) => c.url.split("/").pop()).sort()).eql(["AQEBfour", "AQEBone", "AQEBthree", "AQEBtwo"]);
    should(r.out).have.length(0);
    // still reading
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "after", description: "after" });
    await eventually(() => r.out.length === 1);
  });

  it("accepts the guide's other shapes: flat envelope, [] when empty, updatedAt, ensonogroup", async function () {
    Object.assign(sb.variants, { queueShape: "flat", emptyMessages: "empty-array", updatedKey: "updatedAt", ensonoGroupKey: "ensonogroup" });
    const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    sb.agent.update("dev", n, { priority: "2" });
    const r = await rig();
    const [, update] = await drainConfirming(r, 2);
    should(update.payload.updatedOn).be.a.String();
    should(update.payload).not.have.property("updatedAt");
    should(update.ensono.body.ensonoGroup).be.a.String();
    await eventually(() => queue().messages.length === 0);
  });

  it("deletes on the next delivery a transaction confirmed after its receipt handle expired, without emitting it again", async function () {
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const r = await rig();
    await eventually(() => r.out.length === 1);
    sb.clock.advance(VISIBILITY + 1000); // the handle the node holds is now expired
    r.confirm(r.out[0]);
    await eventually(() => deletes().length >= 1);
    should(deletes()[0].status).equal(400); // ENSONO_RECEIPT_EXPIRED
    r.poll();
    await eventually(() => queue().messages.length === 0);
    should(deletes()).have.length(2);
    should(r.out).have.length(1);
  });

  it("keeps strict per-ticket order with 20 tickets × 5 transactions interleaved, confirmed in random order", async function () {
    const tickets: string[] = [];
    for (let t = 0; t < 20; t++) tickets.push(sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: `t${t}`, description: "d" }));
    for (let step = 1; step <= 4; step++) for (const n of tickets) sb.agent.comment("dev", n, `step ${step}`);
    const r = await rig({ maxConcurrency: 5 });
    const inFlight: Msg[] = [];
    let maxInFlight = 0;
    let seen = 0;
    const timer = setInterval(() => {
      while (seen < r.out.length) inFlight.push(r.out[seen++]);
      maxInFlight = Math.max(maxInFlight, inFlight.length);
      should(new Set(inFlight.map((m) => m.topic)).size).equal(inFlight.length);
      // confirm one or two, chosen at random
      for (let k = 0; k < 2 && inFlight.length; k++) r.confirm(inFlight.splice(Math.floor(Math.random() * inFlight.length), 1)[0]);
    }, 5);
    try {
      await eventually(() => r.out.length >= 100 && queue().messages.length === 0, 15_000, 50);
    } finally {
      clearInterval(timer);
    }
    should(r.out).have.length(100);
    should(maxInFlight).be.belowOrEqual(5);
    for (const n of tickets) {
      const steps = r.out.filter((m) => m.topic === n).map((m) => (m.ensono.transactionType === "Create" ? "create" : m.payload.body));
      should(steps).eql(["create", "step 1", "step 2", "step 3", "step 4"]);
    }
  });

  it("pauses, resumes and polls on control messages, and rejects an unknown action", async function () {
    const r = await rig({ interval: "3600" });
    await eventually(() => sb.inspect.calls("dev").some((c) => c.method === "GET"));
    r.q.receive({ action: "pause" });
    await eventually(() => r.q.status.args?.some((a: any[]) => a[0].text?.startsWith("paused")) ?? false);
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const errors: any[] = [];
    r.q.on("call:error", (call: any) => errors.push(call));
    r.poll(); // refused while paused
    await eventually(() => errors.length === 1);
    should(String(errors[0].args[0])).match(/paused/);
    should(r.out).have.length(0);
    r.q.receive({ action: "resume" });
    await eventually(() => r.out.length === 1);
    r.confirm(r.out[0]);
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x2", description: "y2" });
    await new Promise((res) => setTimeout(res, 100));
    r.poll();
    await eventually(() => r.out.length === 2);
    r.q.receive({ action: "explode" });
    await eventually(() => errors.length === 2);
    should(String(errors[1].args[0])).match(/pause.*resume.*poll/);
  });

  it("shows the last poll and the in-flight count, and warns when its context store is not persistent", async function () {
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const r = await rig();
    await eventually(() => r.out.length === 1);
    await eventually(() => r.q.status.args?.some((a: any[]) => /polled \d\d:\d\d:\d\d · 1 in flight · store not persistent/.test(a[0].text ?? "")) ?? false);
    const last = r.q.status.args!.filter((a: any[]) => /polled/.test((a[0] as any).text ?? "")).pop()![0] as any;
    should(last.fill).equal("yellow");
  });

  it("shows the error code on its status when the bridge refuses the key", async function () {
    const flow = [
      { id: "bridge", type: "ensono-bridge", url: sb.envUrl("dev"), clientName: "testClient" },
      { id: "q", type: "ensono-queue-in", bridge: "bridge", interval: "1", wires: [[], []] },
    ];
    await helper.load(ourNodes("ensono-bridge", "ensono-queue-in"), flow, { bridge: { apiKey: "wrong-key" } });
    const q = helper.getNode("q")!;
    await eventually(() => q.status.args?.some((a: any[]) => a[0].fill === "red" && /ENSONO_FORBIDDEN/.test(a[0].text)) ?? false);
    // reported to Catch nodes once per run of failures, not once a poll
    await eventually(() => sb.inspect.calls().filter((c) => c.method === "GET").length >= 3, 10_000);
    const reported = (q.error.args ?? []).filter((a: any[]) => /Forbidden/i.test(String(a[0]?.message ?? a[0])));
    should(reported).have.length(1);
    should(String(reported[0][0].message)).not.containEql("wrong-key");
  });

  it("says it is not configured without a usable bridge, and refuses input with a clear error", async function () {
    const flow = [{ id: "q", type: "ensono-queue-in", bridge: "", wires: [[], []] }];
    await helper.load(ourNodes("ensono-bridge", "ensono-queue-in"), flow);
    const q = helper.getNode("q")!;
    should(q.status.args![0][0]).match({ fill: "red", shape: "ring" });
    const errors: any[] = [];
    q.on("call:error", (c: any) => errors.push(c));
    q.receive({ ensono: { messageId: "x" } });
    await eventually(() => errors.length === 1);
    should(errors[0].args[0].code ?? String(errors[0].args[0])).match(/INPUT_INVALID|ensono-bridge/);
  });
});
