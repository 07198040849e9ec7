import should from "should";
import { TicketDispatcher, compareItems, type DispatchItem } from "../../../nodes/lib/ensono/dispatcher";

interface Item extends DispatchItem {
  handle?: string;
}

function item(group: string, ts: number, seq?: string, id = `${group}#${ts}#${seq ?? ""}`): Item {
  return { messageId: id, group, sentTimestamp: ts, sequenceNumber: seq };
}

/** seeded pseudo-random numbers, so a failing order can be replayed */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("ensono dispatcher", function () {
  it("orders a ticket's transactions by SentTimestamp, then SequenceNumber", function () {
    should(compareItems(item("A", 1), item("A", 2))).be.below(0);
    should(compareItems(item("A", 5, "18875507830846191616"), item("A", 5, "18875507830779119616"))).be.above(0);
    should(compareItems(item("A", 5, "9"), item("A", 5, "10"))).be.below(0);
  });

  it("hands out one transaction per ticket and the next only after completion", function () {
    const d = new TicketDispatcher<Item>({ maxConcurrency: 10 });
    d.offer([item("A", 3), item("A", 1), item("B", 2), item("A", 2)]);
    should(d.take().map((i) => i.messageId)).eql(["A#1#", "B#2#"]);
    should(d.take()).eql([]);
    d.complete("A#1#");
    should(d.take().map((i) => i.messageId)).eql(["A#2#"]);
    d.complete("B#2#");
    should(d.take()).eql([]);
    d.complete("A#2#");
    should(d.take().map((i) => i.messageId)).eql(["A#3#"]);
  });

  it("never has more tickets in flight than the concurrency limit, oldest tickets first", function () {
    const d = new TicketDispatcher<Item>({ maxConcurrency: 2 });
    d.offer([item("C", 30), item("A", 10), item("B", 20)]);
    should(d.take().map((i) => i.group)).eql(["A", "B"]);
    should(d.inFlightCount).equal(2);
    d.complete("A#10#");
    should(d.take().map((i) => i.group)).eql(["C"]);
  });

  it("refreshes a redelivered transaction instead of queueing it twice", function () {
    const d = new TicketDispatcher<Item>();
    d.offer([{ ...item("A", 1), handle: "h1" }, { ...item("A", 2), handle: "h1b" }]);
    const [first] = d.take();
    should(first.handle).equal("h1");
    const r = d.offer([{ ...item("A", 1), handle: "h2" }, { ...item("A", 2), handle: "h2b" }]);
    should(r.added).have.length(0);
    should(r.refreshed).have.length(2);
    should(d.get("A#1#")!.handle).equal("h2");
    should(d.isInFlight("A#1#")).be.true();
    d.complete("A#1#");
    should(d.take()[0].handle).equal("h2b");
  });

  it("drops a failed transaction and the rest of its ticket, leaving other tickets alone", function () {
    const d = new TicketDispatcher<Item>();
    d.offer([item("A", 1), item("A", 2), item("B", 1)]);
    d.take();
    const dropped = d.abandon("A#1#");
    should(dropped.map((i) => i.messageId)).eql(["A#1#", "A#2#"]);
    should(d.inFlightCount).equal(1);
    should(d.size).equal(1);
    d.offer([item("A", 1)]);
    should(d.take().map((i) => i.messageId)).eql(["A#1#"]);
  });

  it("keeps strict per-ticket order with 50 tickets × 8 transactions read in shuffled batches and completed in random order", function () {
    const random = rng(42);
    // what the bridge still holds, per ticket, in order
    const remaining = new Map<string, Item[]>();
    for (let t = 0; t < 50; t++) {
      const list: Item[] = [];
      for (let k = 0; k < 8; k++) list.push(item(`T${t}`, 1000 + k * 7 + (t % 3), String(10_000 + k)));
      remaining.set(`T${t}`, list);
    }
    const d = new TicketDispatcher<Item>({ maxConcurrency: 7 });
    const handled = new Map<string, number[]>();
    let inFlight: Item[] = [];
    let maxSeen = 0;
    while ([...remaining.values()].some((l) => l.length) || d.size) {
      if (random() < 0.5) {
        // a read: up to 10 messages, consecutive ones of a few tickets, in shuffled array order
        const batch: Item[] = [];
        for (const [, list] of [...remaining].sort(() => random() - 0.5)) {
          if (batch.length >= 10) break;
          batch.push(...list.splice(0, Math.min(list.length, 1 + Math.floor(random() * 3), 10 - batch.length)));
        }
        d.offer(batch.sort(() => random() - 0.5));
      }
      inFlight.push(...d.take());
      maxSeen = Math.max(maxSeen, inFlight.length);
      should(new Set(inFlight.map((i) => i.group)).size).equal(inFlight.length); // one per ticket
      if (inFlight.length && random() < 0.7) {
        const pick = inFlight[Math.floor(random() * inFlight.length)];
        inFlight = inFlight.filter((i) => i !== pick);
        d.complete(pick.messageId);
        handled.set(pick.group, [...(handled.get(pick.group) ?? []), pick.sentTimestamp]);
      }
    }
    should(maxSeen).equal(7);
    should(handled.size).equal(50);
    for (const [, list] of handled) {
      should(list).have.length(8);
      should(list).eql([...list].sort((a, b) => a - b));
    }
  });

  it("removes a pending transaction but never one in flight", function () {
    const d = new TicketDispatcher<Item>();
    d.offer([item("A", 1), item("A", 2)]);
    d.take();
    should(d.remove("A#1#")).be.undefined();
    should(d.remove("A#2#")!.messageId).equal("A#2#");
    should(d.pendingCount).equal(0);
  });
});
