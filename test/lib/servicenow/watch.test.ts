import should from "should";
import type { AttachmentMeta, PageResult, SnowRecord } from "../../../nodes/lib/servicenow/client";
import { WriteMemo } from "../../../nodes/lib/servicenow/echo";
import type { JournalEntry } from "../../../nodes/lib/servicenow/journal";
import { SnowWatcher, type WatchSource, type WatchState } from "../../../nodes/lib/servicenow/watch";

/**
 * A stub source: the test says which rows the next record query returns
 * (the watch's query itself is exercised against the simulator in
 * test/nodes/snow-incident-watch.test.ts); journal and attachment reads
 * return what the test put there.
 */
class StubSource implements WatchSource {
  userName = "integration";
  memo = new WriteMemo();
  rows: SnowRecord[] = [];
  journal: JournalEntry[] = [];
  attachments: AttachmentMeta[] = [];
  queries: string[] = [];
  async queryPage(_table: string, q: string): Promise<PageResult> {
    this.queries.push(q);
    return { records: this.rows.map((r) => ({ ...r })), headers: {} };
  }
  async journalFor(ids: string[], o: { since?: string } = {}): Promise<JournalEntry[]> {
    return this.journal.filter((e) => ids.includes(e.element_id) && (!o.since || e.sys_created_on >= o.since));
  }
  async attachmentQuery(): Promise<AttachmentMeta[]> {
    return this.attachments.map((a) => ({ ...a }));
  }
}

const A = "a".repeat(32);
const B = "b".repeat(32);

function rec(sysId: string, mod: number, on: string, by: string, fields: Record<string, string> = {}): SnowRecord {
  return { sys_id: sysId, number: sysId === A ? "INC0010001" : "INC0010002", sys_mod_count: String(mod), sys_updated_on: on, sys_updated_by: by, sys_created_on: "2024-01-01 10:00:00", sys_created_by: "agent.smith", state: "1", priority: "4", ...fields };
}

function entry(id: string, element: string, on: string, by: string, value = "text", parent = A): JournalEntry {
  return { sys_id: id.padEnd(32, "0"), element, element_id: parent, name: "incident", value, sys_created_on: on, sys_created_by: by };
}

async function started(src: StubSource, w: SnowWatcher): Promise<WatchState> {
  const first = await w.poll(undefined);
  should(first.initial).be.true();
  return first.state;
}

describe("servicenow watch logic", () => {
  let src: StubSource;
  let w: SnowWatcher;
  beforeEach(() => {
    src = new StubSource();
    src.rows = [rec(A, 1, "2024-01-01 10:00:05", "agent.smith")];
    w = new SnowWatcher(src, { table: "incident", fields: ["state", "priority"] });
  });

  it("emits nothing for history on the first start", async () => {
    const first = await w.poll(undefined);
    should(first.events).have.length(0);
    should(first.state.pos).equal("2024-01-01 10:00:05");
  });

  it("emits every existing record once on the first start when asked", async () => {
    const ex = new SnowWatcher(src, { table: "incident", fields: ["state"], emitExisting: true });
    const first = await ex.poll(undefined);
    should(first.events.map((e) => [e.event, e.existing, e.changes])).eql([["changed", true, { state: { from: null, to: "1" } }]]);
    const again = await ex.poll(first.state);
    should(again.events).have.length(0);
  });

  it("emits the fields an agent changed, against what it saw last", async () => {
    let state = await started(src, w);
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "agent.smith", { state: "2" })];
    const r = await w.poll(state);
    should(r.events).have.length(1);
    should(r.events[0]).containDeep({ event: "changed", number: "INC0010001", by: "agent.smith", changes: { state: { from: "1", to: "2" } } });
    should(r.events[0].changes).not.have.property("priority");
    state = r.state;
    should(state.pos).equal("2024-01-01 10:01:00");
  });

  it("does not repeat a record read again at the same timestamp with the same sys_mod_count", async () => {
    const state = await started(src, w);
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "agent.smith", { state: "2" })];
    const r1 = await w.poll(state);
    const r2 = await w.poll(r1.state);
    should(r2.events).have.length(0);
  });

  it("sees a second update within the same second by its sys_mod_count", async () => {
    const state = await started(src, w);
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "agent.smith", { state: "2" })];
    const r1 = await w.poll(state);
    src.rows = [rec(A, 3, "2024-01-01 10:01:00", "agent.smith", { state: "2", priority: "1" })];
    const r2 = await w.poll(r1.state);
    should(r2.events.map((e) => e.changes)).eql([{ priority: { from: "4", to: "1" } }]);
  });

  it("reads from the position minus the overlap, inclusive", async () => {
    const state = await started(src, w);
    src.queries = [];
    await w.poll(state);
    should(src.queries[0]).equal("sys_updated_on>=2024-01-01 10:00:04^ORDERBYsys_updated_on^ORDERBYsys_id");
  });

  it("does not emit a value the integration user wrote itself", async () => {
    const state = await started(src, w);
    src.memo.record("incident", A, { state: "6" }, 2);
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "integration", { state: "6" })];
    const r = await w.poll(state);
    should(r.events).have.length(0);
    should(r.state.recs[A].v).eql(["6", "4"]);
  });

  it("still emits an agent's change to another field made in the same poll", async () => {
    const state = await started(src, w);
    src.memo.record("incident", A, { state: "6" }, 3);
    // the agent changed priority (mod 2), then the integration wrote state (mod 3)
    src.rows = [rec(A, 3, "2024-01-01 10:01:00", "integration", { state: "6", priority: "2" })];
    const r = await w.poll(state);
    should(r.events.map((e) => e.changes)).eql([{ priority: { from: "4", to: "2" } }]);
  });

  it("emits an agent's later change of a field the integration had written", async () => {
    let state = await started(src, w);
    src.memo.record("incident", A, { state: "6" }, 2);
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "integration", { state: "6" })];
    state = (await w.poll(state)).state;
    src.rows = [rec(A, 3, "2024-01-01 10:02:00", "agent.smith", { state: "2" })];
    const r = await w.poll(state);
    should(r.events.map((e) => e.changes)).eql([{ state: { from: "6", to: "2" } }]);
  });

  it("counts changes by the integration user as its own when it has no memory of them (after a restart)", async () => {
    const state = await started(src, w);
    src.memo = new WriteMemo();
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "integration", { state: "2" })];
    const r = await w.poll(state);
    should(r.events).have.length(0);
  });

  it("emits an agent's comments and work notes as separate kinds, not the integration's", async () => {
    const state = await started(src, w);
    src.rows = [rec(A, 4, "2024-01-01 10:01:00", "agent.smith")];
    src.journal = [
      entry("1", "comments", "2024-01-01 10:00:59", "agent.smith", "visible"),
      entry("2", "work_notes", "2024-01-01 10:01:00", "agent.smith", "private"),
      entry("3", "comments", "2024-01-01 10:01:00", "integration", "echo"),
    ];
    const r = await w.poll(state);
    should(r.events.map((e) => [e.event, e.entry!.value])).eql([
      ["comment", "visible"],
      ["worknote", "private"],
    ]);
  });

  it("treats journal entries before the snapshot as history", async () => {
    src.journal = [entry("1", "comments", "2024-01-01 10:00:05", "agent.smith", "old")];
    const state = await started(src, w);
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "agent.smith")];
    src.journal.push(entry("2", "comments", "2024-01-01 10:01:00", "agent.smith", "new"));
    const r = await w.poll(state);
    should(r.events.map((e) => e.entry!.value)).eql(["new"]);
  });

  it("emits a comment written in the same second as one already seen, once", async () => {
    let state = await started(src, w);
    src.rows = [rec(A, 2, "2024-01-01 10:01:00", "agent.smith")];
    src.journal = [entry("1", "comments", "2024-01-01 10:01:00", "agent.smith", "first")];
    const r1 = await w.poll(state);
    state = r1.state;
    src.rows = [rec(A, 3, "2024-01-01 10:01:00", "agent.smith")];
    src.journal.push(entry("2", "comments", "2024-01-01 10:01:00", "agent.smith", "second"));
    const r2 = await w.poll(state);
    should(r2.events.map((e) => e.entry!.value)).eql(["second"]);
    const r3 = await w.poll(r2.state);
    should(r3.events).have.length(0);
  });

  it("emits an agent's new attachment once, and never the integration's", async () => {
    let state = await started(src, w);
    const att = (id: string, by: string, on: string): AttachmentMeta => ({ sys_id: id.padEnd(32, "0"), file_name: `${id}.txt`, content_type: "text/plain", size_bytes: "3", table_name: "incident", table_sys_id: A, sys_created_on: on, sys_created_by: by });
    src.attachments = [att("f1", "agent.smith", "2024-01-01 10:02:00"), att("f2", "integration", "2024-01-01 10:02:00")];
    const r1 = await w.poll(state);
    should(r1.events.map((e) => [e.event, e.attachment!.file_name])).eql([["attachment", "f1.txt"]]);
    state = r1.state;
    const r2 = await w.poll(state);
    should(r2.events).have.length(0);
  });

  it("reports a record new since the last poll as created, from null", async () => {
    const state = await started(src, w);
    src.rows = [rec(B, 0, "2024-01-01 10:03:00", "agent.smith", { sys_created_on: "2024-01-01 10:03:00", state: "1", priority: "3" })];
    const r = await w.poll(state);
    should(r.events[0]).containDeep({ event: "changed", created: true, changes: { state: { from: null, to: "1" }, priority: { from: null, to: "3" } } });
  });

  it("starts afresh when the table, query or fields change", async () => {
    const state = await started(src, w);
    const other = new SnowWatcher(src, { table: "incident", query: "active=true", fields: ["state", "priority"] });
    should(other.fits(state)).be.false();
    const r = await other.poll(state);
    should(r.initial).be.true();
  });

  it("makes one record query and one attachment query when nothing changed", async () => {
    const state = await started(src, w);
    const r = await w.poll(state);
    should(r.calls).equal(2);
    should(r.changed).equal(0);
  });
});
