import should from "should";
import type { EnsonoQueueClient, EnsonoTransaction } from "../../../nodes/lib/ensono/queue";
import { overlapOf, queueKey, sharedQueues, subscribeQueue, type QueueSubscriber, type QueueSubscription } from "../../../nodes/lib/ensono/shared-queue";
import { TicketDispatcher } from "../../../nodes/lib/ensono/dispatcher";

function tx(id: string, ticket: string, ticketType: string, transactionType = "Create", ts = 1): EnsonoTransaction {
  return {
    transactionType,
    ticketNumber: ticket,
    ticketType,
    clientTicketNumber: "",
    clientReferenceAvailable: false,
    body: { ticketNumber: ticket, ticketType },
    attributes: {},
    receiptHandle: `rh-${id}`,
    messageId: id,
    sentTimestamp: ts,
    sequenceNumber: String(ts),
    receiveCount: 1,
    group: ticket,
  };
}

/** A queue without visibility timeout: a read returns what is not in flight, a delete removes it. */
function fakeQueue(items: EnsonoTransaction[]) {
  const inFlight = new Set<string>();
  const deleted: string[] = [];
  let reads = 0;
  const client: EnsonoQueueClient = {
    async receive() {
      reads++;
      const out = items.filter((t) => !inFlight.has(t.messageId)).slice(0, 10);
      for (const t of out) inFlight.add(t.messageId);
      return out;
    },
    async delete(handle) {
      const i = items.findIndex((t) => t.receiptHandle === handle);
      if (i >= 0) deleted.push(items.splice(i, 1)[0].messageId);
    },
  };
  return { client, deleted, reads: () => reads };
}

function memoryStore(initial?: Record<string, number>, delayMs = 0) {
  const saved: Array<Record<string, number>> = [];
  return {
    saved,
    store: {
      load: () => new Promise<Record<string, number> | undefined>((res) => setTimeout(() => res(initial), delayMs)),
      save: async (r: Record<string, number>) => void saved.push(r),
    },
  };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

let n = 0;
function subscriber(over: Partial<QueueSubscriber> & { out?: EnsonoTransaction[] } = {}): QueueSubscriber & { out: EnsonoTransaction[] } {
  const out = over.out ?? [];
  return {
    id: `sub-${++n}`,
    label: `sub ${n}`,
    ticketTypes: ["Incident", "Request"],
    transactionTypes: ["Create", "Notes"],
    intervalMs: 3_600_000,
    maxConcurrency: 10,
    handlingTimeoutMs: 60_000,
    maxDeliveries: 5,
    store: memoryStore().store,
    emit: (t) => out.push(t),
    reject: () => undefined,
    ...over,
    out,
  };
}

describe("ensono shared queue reader", function () {
  const open: QueueSubscription[] = [];
  let url = 0;
  const target = (q: EnsonoQueueClient) => ({ envUrl: `https://bridge.example/c${++url}/dev`, clientName: "testClient", createQueue: () => q });
  afterEach(async function () {
    await Promise.all(open.splice(0).map((s) => s.close(true)));
  });

  it("identifies a queue by its environment URL and client name, whatever the trailing slash or host case", function () {
    should(queueKey("https://Bridge.Example/c/dev/", "x")).equal(queueKey("https://bridge.example/c/dev", "x"));
    should(queueKey("https://bridge.example/c/dev", "x")).not.equal(queueKey("https://bridge.example/c/cert", "x"));
    should(queueKey("https://bridge.example/c/dev", "x")).not.equal(queueKey("https://bridge.example/c/dev", "y"));
  });

  it("lists the types two subscribers both take", function () {
    should(overlapOf({ ticketTypes: ["Incident", "Change"], transactionTypes: ["Create", "Notes"] }, { ticketTypes: ["Change"], transactionTypes: ["Notes", "Redraft"] })).eql(["Change Notes"]);
    should(overlapOf({ ticketTypes: ["Incident"], transactionTypes: ["Create"] }, { ticketTypes: ["Change"], transactionTypes: ["Create"] })).eql([]);
  });

  it("gives lanes their own concurrency limit in the dispatcher", function () {
    const d = new TicketDispatcher<{ messageId: string; group: string; sentTimestamp: number; lane: string }>({
      maxConcurrency: 10,
      laneOf: (i) => i.lane,
      laneLimit: (lane) => (lane === "a" ? 1 : 2),
    });
    d.offer([1, 2, 3].map((i) => ({ messageId: `a${i}`, group: `A${i}`, sentTimestamp: i, lane: "a" })));
    d.offer([1, 2, 3].map((i) => ({ messageId: `b${i}`, group: `B${i}`, sentTimestamp: i, lane: "b" })));
    should(d.take().map((i) => i.messageId).sort()).eql(["a1", "b1", "b2"]);
    should(d.inFlightCountOf("a")).equal(1);
    d.complete("a1");
    should(d.take().map((i) => i.messageId)).eql(["a2"]);
  });

  it("shares one reader among the subscribers of one queue and stops it when the last one closes", async function () {
    const q = fakeQueue([]);
    const t = target(q.client);
    const a = subscribeQueue(t, subscriber());
    const b = subscribeQueue({ ...t, envUrl: `${t.envUrl}/` }, subscriber({ ticketTypes: ["Change"] }));
    open.push(a, b);
    should(a.key).equal(b.key);
    should(sharedQueues().filter((s) => s.key === a.key)).have.length(1);
    should(a.subscriberCount).equal(2);
    await until(() => q.reads() >= 1);
    await a.close(true);
    should(b.subscriberCount).equal(1);
    await b.close(true);
    should(sharedQueues().filter((s) => s.key === a.key)).have.length(0);
  });

  it("reads through the connection of the subscriber that subscribed last, and back when it leaves", async function () {
    const q1 = fakeQueue([]);
    const q2 = fakeQueue([]);
    const t = target(q1.client);
    const a = subscribeQueue(t, subscriber());
    const b = subscribeQueue({ ...t, createQueue: () => q2.client }, subscriber({ ticketTypes: ["Change"] }));
    open.push(a, b);
    await until(() => q2.reads() >= 1);
    should(q1.reads()).equal(0);
    await b.close(true);
    a.pollNow();
    await until(() => q1.reads() >= 1);
  });

  it("routes each transaction to the subscriber that takes it and deletes only what none takes", async function () {
    const q = fakeQueue([tx("i1", "e-CS1", "Incident"), tx("c1", "e-CHG1", "Change"), tx("x1", "e-CS2", "Incident", "Update")]);
    const a = subscriber();
    const b = subscriber({ ticketTypes: ["Change"] });
    const t = target(q.client);
    open.push(subscribeQueue(t, a), subscribeQueue(t, b));
    await until(() => a.out.length === 1 && b.out.length === 1 && q.deleted.length === 1);
    should(a.out[0].messageId).equal("i1");
    should(b.out[0].messageId).equal("c1");
    should(q.deleted).eql(["x1"]);
  });

  it("gives every subscriber its own concurrency", async function () {
    const items = [1, 2, 3].flatMap((i) => [tx(`i${i}`, `e-CS${i}`, "Incident", "Create", i), tx(`c${i}`, `e-CHG${i}`, "Change", "Create", i)]);
    const q = fakeQueue(items);
    const a = subscriber({ maxConcurrency: 1 });
    const b = subscriber({ ticketTypes: ["Change"], maxConcurrency: 2 });
    const t = target(q.client);
    const [sa, sb] = [subscribeQueue(t, a), subscribeQueue(t, b)];
    open.push(sa, sb);
    await until(() => a.out.length === 1 && b.out.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    should(a.out).have.length(1);
    should(b.out).have.length(2);
    should(sa.inFlightCount).equal(1);
    should(sb.inFlightCount).equal(2);
    await sa.confirm(a.out[0].messageId);
    await until(() => a.out.length === 2);
  });

  it("loads every subscriber's stored confirmations before it looks at a read, and saves the whole record to each", async function () {
    const q = fakeQueue([tx("c1", "e-CHG1", "Change"), tx("i1", "e-CS1", "Incident")]);
    const storeA = memoryStore(undefined);
    const storeB = memoryStore({ c1: Date.now() }, 100); // confirmed before a restart, in the other node's context, read slowly
    const a = subscriber({ store: storeA.store });
    const b = subscriber({ ticketTypes: ["Change"], store: storeB.store });
    const t = target(q.client);
    const sa = subscribeQueue(t, a);
    const sb = subscribeQueue(t, b);
    open.push(sa, sb);
    await Promise.all([sa.ready, sb.ready]);
    await until(() => q.deleted.includes("c1") && a.out.length === 1);
    should(b.out).have.length(0); // deleted, never handed out again
    await sa.confirm("i1");
    should(storeA.saved.pop()).have.property("i1");
    should(storeB.saved.pop()).have.property("i1");
  });
});
