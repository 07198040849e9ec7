import should from "should";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { initHelper, ourNodes, type TestHelper, type TestNode } from "../helpers/nodered";
import { eventually } from "../helpers/runtime";

type Msg = Record<string, any>;

const VISIBILITY = 30_000;
const INCIDENT_TYPES = ["Create", "Update", "Notes", "Closure", "Attachment", "ReturnEnsonoNum"];
const CHANGE_TYPES = [...INCIDENT_TYPES, "Approval Request", "Redraft"];

/**
 * Two ensono-queue-in nodes reading the same queue, as when both example
 * flows are imported: one takes incidents and requests, the other changes,
 * each through its own ensono-bridge config node with equal settings. They
 * must share one reader and never delete each other's transactions.
 */
describe("ensono-queue-in nodes that read the same queue (against the bridge simulator)", function () {
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

  interface Reader {
    q: TestNode;
    out: Msg[];
    failed: Msg[];
    confirm(m: Msg): void;
    fail(m: Msg): void;
    warnings(): string[];
    statusTexts(): string[];
  }

  /** The test helper spies on the Node prototype: keep the calls made on this node. */
  function callsOf(q: TestNode, method: "warn" | "status"): any[][] {
    return (q[method].getCalls?.() ?? []).filter((c: any) => c.thisValue === q).map((c: any) => c.args);
  }

  function reader(id: string): Reader {
    const q = helper.getNode(id)!;
    const out: Msg[] = [];
    const failed: Msg[] = [];
    helper.getNode(`${id}-out`)!.on("input", (m: Msg) => out.push(m));
    helper.getNode(`${id}-failed`)!.on("input", (m: Msg) => failed.push(m));
    return {
      q,
      out,
      failed,
      confirm: (m) => q.receive({ payload: m.payload, topic: m.topic, ensono: { ...m.ensono } }),
      fail: (m) => q.receive({ ensono: { ...m.ensono }, error: { message: "ServiceNow said no", code: "SNOW_HTTP_400" } }),
      warnings: () => callsOf(q, "warn").map((a) => String(a[0])),
      statusTexts: () => callsOf(q, "status").map((a) => String(a[0]?.text ?? "")),
    };
  }

  /** Two bridges with equal settings, an incident/request reader on one and a change reader on the other. */
  async function load(inc: Record<string, unknown> = {}, chg: Record<string, unknown> = {}, chgBridge: Record<string, unknown> = {}): Promise<{ inc: Reader; chg: Reader }> {
    const flow = [
      { id: "bridge-a", type: "ensono-bridge", url: sb.envUrl("dev"), clientName: "testClient", maxDeliveries: 5 },
      { id: "bridge-b", type: "ensono-bridge", url: `${sb.envUrl("dev")}/`, clientName: "testClient", maxDeliveries: 5, ...chgBridge },
      { id: "inc", type: "ensono-queue-in", name: "incidents", bridge: "bridge-a", interval: "1", maxConcurrency: 10, handlingTimeout: 60, ticketTypes: ["Incident", "Request"], transactionTypes: INCIDENT_TYPES, wires: [["inc-out"], ["inc-failed"]], ...inc },
      { id: "chg", type: "ensono-queue-in", name: "changes", bridge: "bridge-b", interval: "1", maxConcurrency: 10, handlingTimeout: 60, ticketTypes: ["Change"], transactionTypes: CHANGE_TYPES, wires: [["chg-out"], ["chg-failed"]], ...chg },
      { id: "inc-out", type: "helper" },
      { id: "inc-failed", type: "helper" },
      { id: "chg-out", type: "helper" },
      { id: "chg-failed", type: "helper" },
    ];
    await helper.load(ourNodes("ensono-bridge", "ensono-queue-in"), flow, { "bridge-a": { apiKey: "test-api-key" }, "bridge-b": { apiKey: "test-api-key" } });
    return { inc: reader("inc"), chg: reader("chg") };
  }

  const queue = () => sb.inspect.queue("dev");
  const gets = () => sb.inspect.calls("dev").filter((c) => c.method === "GET" && c.url.endsWith("/queue"));
  const deletes = () => sb.inspect.calls("dev").filter((c) => c.method === "DELETE" && c.status === 200);
  const settle = (ms = 300) => new Promise((res) => setTimeout(res, ms));

  /** confirms every message either reader emits, as it arrives */
  function confirmAll(...readers: Reader[]): () => void {
    const seen = new Map<Reader, number>(readers.map((r) => [r, 0]));
    const timer = setInterval(() => {
      for (const r of readers) {
        let n = seen.get(r)!;
        while (n < r.out.length) r.confirm(r.out[n++]);
        seen.set(r, n);
      }
    }, 5);
    return () => clearInterval(timer);
  }

  it("gives each node exactly its own transactions, in each ticket's order, and deletes every one once confirmed", async function () {
    const incidents: string[] = [];
    const changes: string[] = [];
    for (let i = 0; i < 4; i++) {
      incidents.push(sb.agent.openTicket("dev", { ticketType: i % 2 ? "Request" : "Incident", shortDescription: `inc ${i}`, description: "d" }));
      changes.push(sb.agent.createChange("dev", { type: "Standard", shortDescription: `chg ${i}` }));
    }
    for (let step = 1; step <= 3; step++) {
      for (const n of incidents) sb.agent.comment("dev", n, `inc step ${step}`);
      for (const n of changes) sb.agent.comment("dev", n, `chg step ${step}`);
    }
    const { inc, chg } = await load({ interval: "5" }, { interval: "1" });
    const stop = confirmAll(inc, chg);
    try {
      await eventually(() => inc.out.length >= 16 && chg.out.length >= 16 && queue().messages.length === 0 && queue().inFlight === 0, 15_000, 20);
    } finally {
      stop();
    }
    should(inc.out).have.length(16);
    should(chg.out).have.length(16);
    for (const m of inc.out) should(["Incident", "Request"]).containEql(m.ensono.ticketType);
    for (const m of chg.out) should(m.ensono.ticketType).equal("Change");
    const steps = (r: Reader, n: string) => r.out.filter((m) => m.topic === n).map((m) => (m.ensono.transactionType === "Create" ? "create" : m.payload.body));
    for (const [i, n] of incidents.entries()) should(steps(inc, n)).eql(["create", "inc step 1", "inc step 2", "inc step 3"], `incident ${i}`);
    for (const [i, n] of changes.entries()) should(steps(chg, n)).eql(["create", "chg step 1", "chg step 2", "chg step 3"], `change ${i}`);
    // every delete was of a confirmed transaction: none was deleted as out of scope
    should(deletes()).have.length(32);
    should(inc.failed.concat(chg.failed)).have.length(0);
    should(queue().failed).have.length(0);
    should([...inc.warnings(), ...chg.warnings()].filter((w) => /also takes/.test(w))).have.length(0);
  });

  it("reads the queue once per poll for both nodes", async function () {
    const { inc, chg } = await load({ interval: "3600" }, { interval: "3600" });
    await eventually(() => gets().length >= 1 && inc.statusTexts().some((t) => /^polled/.test(t)) && chg.statusTexts().some((t) => /^polled/.test(t)));
    await settle();
    should(gets()).have.length(1); // two readers would each have read at start
    chg.q.receive({ action: "poll" });
    await eventually(() => gets().length >= 2);
    await settle();
    should(gets()).have.length(2);
    inc.q.receive({ action: "poll" });
    await eventually(() => gets().length >= 3);
    await settle();
    should(gets()).have.length(3);
  });

  it("deletes a transaction that no node takes, and only that one", async function () {
    const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    sb.agent.comment("dev", n, "nobody wants incident notes");
    sb.agent.update("dev", n, { priority: "2" });
    const c = sb.agent.createChange("dev", { type: "Standard", shortDescription: "c" });
    sb.agent.comment("dev", c, "change notes are wanted");
    const { inc, chg } = await load({ transactionTypes: ["Create", "Update"] });
    const stop = confirmAll(inc, chg);
    try {
      await eventually(() => inc.out.length >= 2 && chg.out.length >= 2 && queue().messages.length === 0, 15_000, 20);
    } finally {
      stop();
    }
    should(inc.out.map((m) => m.ensono.transactionType)).eql(["Create", "Update"]);
    should(chg.out.map((m) => m.ensono.transactionType)).eql(["Create", "Notes"]);
    should(chg.out[1].payload.body).equal("change notes are wanted");
    should(deletes()).have.length(5); // 4 confirmed + the incident's Notes, out of scope of both
  });

  it("takes a confirmation through either node, and gives up through the owner's second output with the owner's max deliveries", async function () {
    const c = sb.agent.createChange("dev", { type: "Standard", shortDescription: "c" });
    const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const { inc, chg } = await load({}, {}, { maxDeliveries: 2 });
    await eventually(() => inc.out.length === 1 && chg.out.length === 1);
    chg.confirm(inc.out[0]); // the incident's confirmation wired into the change node
    await eventually(() => deletes().length === 1);
    should(inc.out[0].topic).equal(n);
    chg.fail(chg.out[0]);
    await settle(50);
    sb.clock.advance(VISIBILITY + 1000);
    inc.q.receive({ action: "poll" });
    await eventually(() => chg.out.length === 2);
    should(chg.out[1].ensono.receiveCount).equal(2);
    inc.fail(chg.out[1]); // a failure may come back through the other node too
    await eventually(() => chg.failed.length === 1);
    should(chg.failed[0].topic).equal(c);
    should(chg.failed[0].ensono.failureReason).match(/delivery 2 of 2/);
    should(inc.failed).have.length(0);
    await eventually(() => queue().messages.length === 0);
  });

  it("keeps the other node working when one is removed, and then deletes what only the removed one took", async function () {
    const { inc, chg } = await load();
    await eventually(() => gets().length >= 1);
    await inc.q.close(true);
    const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const c = sb.agent.createChange("dev", { type: "Standard", shortDescription: "c" });
    await eventually(() => chg.out.length === 1);
    should(chg.out[0].topic).equal(c);
    chg.confirm(chg.out[0]);
    await eventually(() => queue().messages.length === 0);
    should(inc.out).have.length(0);
    should(deletes()).have.length(2); // the change, confirmed, and the incident, out of scope now that nobody takes it
    should(sb.inspect.ticket("dev", n)).be.ok();
  });

  it("leaves a restarting node's transactions in the queue instead of deleting them", async function () {
    const { inc, chg } = await load();
    await eventually(() => gets().length >= 1);
    await inc.q.close(false); // what a redeploy that restarts the node does
    sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    const c = sb.agent.createChange("dev", { type: "Standard", shortDescription: "c" });
    await eventually(() => chg.out.length === 1);
    should(chg.out[0].topic).equal(c);
    chg.confirm(chg.out[0]);
    await eventually(() => deletes().length === 1);
    await settle();
    should(deletes()).have.length(1);
    should(queue().messages).have.length(1); // the incident is still there for the node when it comes back
    should(inc.out).have.length(0);
  });

  it("pauses and resumes the shared reader from either node", async function () {
    const { inc, chg } = await load();
    await eventually(() => gets().length >= 1);
    inc.q.receive({ action: "pause" });
    await eventually(() => chg.statusTexts().some((t) => t.startsWith("paused")) && inc.statusTexts().some((t) => t.startsWith("paused")));
    const readsWhenPaused = gets().length;
    sb.agent.createChange("dev", { type: "Standard", shortDescription: "c" });
    await settle(1500); // longer than the 1 s interval
    should(gets()).have.length(readsWhenPaused);
    should(chg.out).have.length(0);
    chg.q.receive({ action: "resume" });
    await eventually(() => chg.out.length === 1);
  });

  it("warns when two nodes of one queue take the same types, and gives those to the one that subscribed first", async function () {
    const { inc, chg } = await load({}, { ticketTypes: ["Change", "Incident"], transactionTypes: ["Create", "Notes"] });
    const overlap = (r: Reader) => r.warnings().filter((w) => /also takes Incident Create, Incident Notes/.test(w));
    await eventually(() => overlap(inc).length === 1 && overlap(chg).length === 1);
    should(overlap(chg)[0]).match(/they go to "incidents"/);
    should(overlap(inc)[0]).match(/this node receives them/);
    await eventually(() => chg.statusTexts().some((t) => /overlaps incidents/.test(t)) && inc.statusTexts().some((t) => /overlaps changes/.test(t)));
    const last = callsOf(chg.q, "status").filter((a) => /overlaps/.test(a[0].text ?? "")).pop()![0];
    should(last.fill).equal("yellow");
    const n = sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: "x", description: "y" });
    await eventually(() => inc.out.length === 1);
    should(inc.out[0].topic).equal(n);
    await settle();
    should(chg.out).have.length(0);
  });
});
