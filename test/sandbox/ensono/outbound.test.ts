import should from "should";
import type { EnsonoSandbox } from "../../../sandbox/ensono";
import { call, createPayload, createTicket, del, payload, receive, startFrozen } from "./helpers";

async function drain(sb: EnsonoSandbox): Promise<any[]> {
  const all: any[] = [];
  for (;;) {
    const msgs = await receive(sb);
    if (msgs.length === 0) return all;
    for (const m of msgs) {
      all.push(m);
      await del(sb, m.ReceiptHandle);
    }
  }
}

describe("ensono sandbox: outbound transactions, echo, timeouts and faults", function () {
  let sb: EnsonoSandbox;
  beforeEach(async function () {
    sb = await startFrozen({ returnNumberDelayMs: 5_000 });
  });
  afterEach(async function () {
    await sb.close();
  });

  describe("the agent", function () {
    it("sends Notes with a notes object and updatedOn", async function () {
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "s", description: "d" });
      sb.clock.advance(60_000);
      sb.agent.comment("dev", n, "adding comment", { commenter: "Ensono User", commenterEmail: "Ensono.User@Ensono.com" });
      const [, notes] = await drain(sb);
      should(notes.Attributes.TransactionType).equal("Notes");
      should(notes.Body.updatedOn).equal("2023-01-27T22:25:53Z");
      should(notes.Body.notes).match({ type: "comment", body: "adding comment", commenter: "Ensono User", commenterEmail: "Ensono.User@Ensono.com" });
      should(notes.Body.notes.id).match(/^[0-9a-f]{32}$/);
      should(Object.keys(notes.Body).slice(-2)).eql(["updatedOn", "notes"]);
    });

    it("sends Update whose changed holds only what changed plus updatedOn; pending carries statusNextAction", async function () {
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "s", description: "d", priority: "4" });
      sb.agent.update("dev", n, { status: "pending", priority: "4" });
      sb.agent.update("dev", n, { priority: "2", group: "Ensono Network Support" });
      sb.agent.update("dev", n, { priority: "2" }); // nothing changed: no transaction
      const [, pending, prio, ...rest] = await drain(sb);
      should(rest).have.length(0);
      should(pending.Attributes.TransactionType).equal("Update");
      should(pending.Body.changed).eql({
        updatedOn: "2023-01-27T22:24:53Z",
        status: "pending",
        statusNextAction: "pending-caller",
        offHoldDate: "2023-01-28T22:24:53Z",
      });
      should(pending.Body).match({ status: "pending", statusNextAction: "pending-caller", offHoldDate: "2023-01-28T22:24:53Z" });
      should(prio.Body.changed).eql({ updatedOn: "2023-01-27T22:24:53Z", group: "Ensono Network Support", priority: "2" });
      should(prio.Body.ensonoGroup).equal("CS - Network Support");
      should(Object.keys(prio.Body).slice(-2)).eql(["changed", "updatedOn"]);
    });

    it("sends Closure on resolve with closeCode and closeNotes, then auto-closes after 7 days", async function () {
      const n = sb.agent.openTicket("dev", { ticketType: "Request", shortDescription: "s", description: "d" });
      sb.agent.resolve("dev", n, "resolved*", "test close notes");
      const msgs = await drain(sb);
      sb.clock.advance(7 * 86_400_000 - 1);
      should(await receive(sb)).have.length(0);
      sb.clock.advance(1);
      msgs.push(...(await drain(sb)));
      should(msgs.map((m) => m.Attributes.TransactionType)).eql(["Create", "Closure", "Closure"]);
      should(msgs[1].Body.changed).eql({ updatedOn: "2023-01-27T22:24:53Z", status: "resolved", closeCode: "resolved*", closeNotes: "test close notes" });
      should(msgs[1].Body).match({ closeNotes: "test close notes", closeCode: "resolved*" });
      should(msgs[2].Body).match({ status: "closed", changed: { status: "closed" } });
      should(sb.inspect.ticket("dev", n)!.status).equal("closed");
      should(() => sb.agent.comment("dev", n, "late")).throw(/no more updates/);
    });

    it("does not auto-close a ticket reopened before the 7 days", async function () {
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "s", description: "d" });
      sb.agent.resolve("dev", n, "resolved", "done");
      sb.clock.advance(86_400_000);
      sb.agent.update("dev", n, { status: "open" });
      sb.clock.advance(7 * 86_400_000);
      sb.tick();
      should(sb.inspect.ticket("dev", n)!.status).equal("open");
    });

    it("produces the other guide variants: pending-client, updatedAt", async function () {
      sb.variants.pendingAction = "pending-client";
      sb.variants.updatedKey = "updatedAt";
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "s", description: "d" });
      sb.agent.update("dev", n, { status: "pending" });
      const [, u] = await drain(sb);
      should(u.Body.statusNextAction).equal("pending-client");
      should(u.Body.changed).have.property("updatedAt");
      should(u.Body).have.property("updatedAt");
      should(u.Body).not.have.property("updatedOn");
    });

    it("reports ClientReferenceAvailable once the client number came back", async function () {
      const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "s", description: "d" });
      await call(`${sb.envUrl()}/tickets/${n}/returnptn`, "PUT", payload({ clientTicketNumber: "INC7" }));
      sb.agent.comment("dev", n, "x");
      const [create, notes] = await drain(sb);
      should(create.Attributes.ClientReferenceAvailable).equal(false);
      should(notes.Attributes.ClientReferenceAvailable).equal(true);
      should(notes.Body.clientTicketNumber).equal("INC7");
    });
  });

  describe("echo", function () {
    it("sends each inbound incident call back to the dev queue as an Ensono user's transaction", async function () {
      const n = await createTicket(sb, "echo", { comments: [{ body: "before bridging" }] });
      should(sb.inspect.ticket("dev", n)).be.ok();
      await call(`${sb.envUrl("echo")}/tickets/${n}`, "PUT", payload({ priority: "1", comments: [{ body: "with update" }] }));
      await call(`${sb.envUrl("echo")}/tickets/${n}/notes`, "PUT", payload({ comments: [{ body: "note" }] }));
      await call(`${sb.envUrl("echo")}/tickets/${n}`, "PUT", payload({ status: "resolved", closeNotes: "fixed" }));
      const msgs = await drain(sb);
      should(msgs.map((m) => m.Attributes.TransactionType)).eql(["Create", "Notes", "Update", "Notes", "Notes", "Closure"]);
      should(msgs[0].Body).match({ ticketNumber: n, clientTicketNumber: "INC0010001", status: "open", priority: "2" });
      should(msgs[0].Attributes.ClientReferenceAvailable).equal(true);
      should(msgs[2].Body.changed).eql({ updatedOn: "2023-01-27T22:24:53Z", priority: "1" });
      should(msgs.slice(3, 5).map((m) => m.Body.notes.body)).eql(["with update", "note"]);
      should(msgs[5].Body.changed).match({ status: "resolved", closeNotes: "fixed", closeCode: "resolved" });
    });

    it("echoes an upload as an Attachment with a working download URL", async function () {
      const n = await createTicket(sb, "echo");
      const r = await call(`${sb.envUrl("echo")}/tickets/${n}/attachments/log.txt`);
      await fetch(r.json.Response.body, { method: "PUT", body: "hello", headers: { "content-type": "text/plain" } });
      const msgs = await drain(sb);
      const att = msgs.find((m) => m.Attributes.TransactionType === "Attachment");
      should(att.Body).match({ attachmentName: "log.txt", attachmentType: "text/plain", attachmentSize: "5" });
      should(await (await fetch(att.Body.attachment)).text()).equal("hello");
    });

    it("sends nothing to the queue for calls made on dev", async function () {
      const n = await createTicket(sb, "dev");
      await call(`${sb.envUrl()}/tickets/${n}`, "PUT", payload({ priority: "1" }));
      should(await receive(sb)).have.length(0);
    });
  });

  describe("a create that times out", function () {
    it("creates the ticket, never answers, and queues ReturnEnsonoNum after the delay", async function () {
      sb.timeoutNextCreate();
      const ac = new AbortController();
      const pending = fetch(`${sb.envUrl()}/tickets`, {
        method: "POST",
        body: JSON.stringify(createPayload({ clientTicketNumber: "INC1235678" })),
        headers: { "x-api-key": "test-api-key", "content-type": "application/json" },
        signal: ac.signal,
      }).catch((e: Error) => e);
      for (let i = 0; i < 50 && sb.inspect.tickets("dev").length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const [t] = sb.inspect.tickets("dev");
      should(t.clientTicketNumber).equal("INC1235678");
      should(sb.inspect.calls()[0]).match({ route: "create", hung: true });
      should(await receive(sb)).have.length(0);
      sb.clock.advance(5_000);
      const [m] = await receive(sb);
      should(m.Body).eql({ clientName: "testClient", ticketNumber: t.number, clientTicketNumber: "INC1235678", ticketType: "Incident" });
      should(m.Attributes).match({ TransactionType: "ReturnEnsonoNum", ClientReferenceAvailable: true, MessageGroupId: t.number });
      ac.abort();
      should(await pending).be.an.Error();
      const next = await call(`${sb.envUrl()}/tickets`, "POST", createPayload());
      should(next.status).equal(200);
    });

    it("can answer API Gateway's 504 instead, only in the environment named", async function () {
      sb.timeoutNextCreate({ env: "cert", answer: "504" });
      should((await call(`${sb.envUrl()}/tickets`, "POST", createPayload())).status).equal(200);
      const r = await call(`${sb.envUrl("cert")}/tickets`, "POST", createPayload());
      should(r.status).equal(504);
      should(r.json).eql({ message: "Endpoint request timed out" });
      sb.clock.advance(5_000);
      const [m] = await receive(sb, "cert");
      should(m.Attributes.TransactionType).equal("ReturnEnsonoNum");
    });
  });

  describe("fault injection", function () {
    it("answers a 5xx for the matching route only, counted", async function () {
      sb.faults.add({ kind: "status", status: 503, pathPrefix: "/queue", count: 1, body: { message: "Service Unavailable" } });
      const r = await call(`${sb.envUrl()}/queue`);
      should(r.status).equal(503);
      should(r.json).eql({ message: "Service Unavailable" });
      should((await call(`${sb.envUrl()}/queue`)).status).equal(200);
      should(sb.inspect.calls()[0]).match({ fault: "status", status: 503 });
    });

    it("leaves a request unanswered and unprocessed on a timeout fault; with process it still takes effect", async function () {
      sb.faults.add({ kind: "timeout", pathPrefix: "/tickets", method: "POST", count: 1 });
      const ac = new AbortController();
      const lost = fetch(`${sb.envUrl()}/tickets`, { method: "POST", body: JSON.stringify(createPayload()), headers: { "x-api-key": "test-api-key" }, signal: ac.signal }).catch((e: Error) => e);
      for (let i = 0; i < 50 && sb.inspect.calls().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      await lost;
      should(sb.inspect.tickets("dev")).have.length(0);
      sb.faults.add({ kind: "timeout", pathPrefix: "/tickets", method: "POST", count: 1, process: true });
      const ac2 = new AbortController();
      const lost2 = fetch(`${sb.envUrl()}/tickets`, { method: "POST", body: JSON.stringify(createPayload()), headers: { "x-api-key": "test-api-key" }, signal: ac2.signal }).catch((e: Error) => e);
      for (let i = 0; i < 50 && sb.inspect.tickets("dev").length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      ac2.abort();
      await lost2;
      should(sb.inspect.tickets("dev")).have.length(1);
      should(sb.inspect.calls().every((c) => c.hung)).be.true();
    });

    it("adds latency and resets connections", async function () {
      sb.faults.add({ kind: "latency", ms: 20, count: 1 });
      should((await call(`${sb.envUrl()}/queue`)).status).equal(200);
      sb.faults.add({ kind: "reset", count: 1 });
      const err = await fetch(`${sb.envUrl()}/queue`, { headers: { "x-api-key": "test-api-key" } }).catch((e: Error) => e);
      should(err).be.an.Error();
      should(sb.inspect.calls().map((c) => c.fault)).eql([undefined, "reset"]);
    });
  });
});
