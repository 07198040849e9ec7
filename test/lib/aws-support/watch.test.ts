import should from "should";
import { CaseWatcher, emptyWatchState, type AccountWatchState, type WatchApi, type WatchCase, type WatchCommunication } from "../../../nodes/lib/aws-support/watch";
import { withMarker } from "../../../nodes/lib/aws-support/marker";

/** An in-memory account: cases with communications, newest first as the API answers. */
class FakeAccount implements WatchApi {
  cases = new Map<string, { status: string; comms: WatchCommunication[] }>();
  calls: string[] = [];
  t = Date.parse("2026-01-01T00:00:00Z");

  open(id: string, status = "unassigned", body = withMarker("our first message", "aaaaaaaaaaaaaaaa")) {
    this.cases.set(id, { status, comms: [] });
    this.say(id, body, "integration (IAM User)");
  }
  say(id: string, body: string, who = "Amazon Web Services", sameInstant = false) {
    if (!sameInstant) this.t += 1000;
    this.cases.get(id)!.comms.push({ caseId: id, body, submittedBy: who, timeCreated: new Date(this.t).toISOString() });
  }
  private view(id: string): WatchCase {
    const c = this.cases.get(id)!;
    const newest = [...c.comms].reverse();
    return { caseId: id, displayId: id.toUpperCase(), subject: `subject ${id}`, status: c.status, recentCommunications: { communications: newest.slice(0, 5), ...(newest.length > 5 ? { nextToken: "more" } : {}) } };
  }
  async describeOpenCases() {
    this.calls.push("DescribeCases");
    return [...this.cases.keys()].filter((id) => this.cases.get(id)!.status !== "resolved").map((id) => this.view(id));
  }
  async describeCasesById(ids: string[]) {
    this.calls.push(`DescribeCases(${ids.join(",")})`);
    return ids.filter((id) => this.cases.has(id)).map((id) => this.view(id));
  }
  async describeCommunicationsSince(caseId: string, after: string | undefined) {
    this.calls.push(`DescribeCommunications(${caseId})`);
    return [...this.cases.get(caseId)!.comms].reverse().filter((m) => !after || Date.parse(m.timeCreated!) >= Date.parse(after));
  }
}

async function sweep(w: CaseWatcher, s: AccountWatchState | undefined) {
  return w.sweep(s);
}

describe("CaseWatcher (watch diff logic)", () => {
  it("records what exists on the first sweep without emitting it", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    acct.say("c1", "engineer reply before we watched");
    const r = await sweep(new CaseWatcher("111111111111", acct), undefined);
    r.events.should.eql([]);
    r.state.baselined.should.be.true();
    r.openCases.should.equal(1);
  });

  it("emits a new engineer communication once, and nothing on the next sweep", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    const w = new CaseWatcher("111111111111", acct);
    let s = (await sweep(w, undefined)).state;
    acct.say("c1", "Please send the logs");
    const r1 = await sweep(w, s);
    r1.events.filter((e) => e.type === "communication").map((e) => (e as { communication: WatchCommunication }).communication.body).should.eql(["Please send the logs"]);
    s = r1.state;
    (await sweep(w, s)).events.should.eql([]);
  });

  it("does not echo communications carrying our marker", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    const w = new CaseWatcher("111111111111", acct);
    const s = (await sweep(w, undefined)).state;
    acct.say("c1", withMarker("from ServiceNow", "bbbbbbbbbbbbbbbb"), "integration (IAM User)");
    (await sweep(w, s)).events.should.eql([]);
  });

  it("emits a status change with the previous status", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    const w = new CaseWatcher("111111111111", acct);
    const s = (await sweep(w, undefined)).state;
    acct.cases.get("c1")!.status = "work-in-progress";
    const r = await sweep(w, s);
    r.events.should.eql([{ type: "status", accountId: "111111111111", caseId: "c1", displayId: "C1", subject: "subject c1", status: "work-in-progress", previousStatus: "unassigned" }]);
  });

  it("reports a remote resolution (auto-resolver) with its message, found by one lookup by id", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    acct.open("c2");
    const w = new CaseWatcher("111111111111", acct);
    const s = (await sweep(w, undefined)).state;
    acct.say("c1", "We haven't heard back from you, so we're resolving it.");
    acct.cases.get("c1")!.status = "resolved";
    acct.calls = [];
    const r = await sweep(w, s);
    r.events.map((e) => `${e.type}:${e.caseId}:${e.status}`).should.eql(["communication:c1:resolved", "status:c1:resolved"]);
    acct.calls.should.eql(["DescribeCases", "DescribeCases(c1)"]);
    r.openCases.should.equal(1);
    // the next sweep asks nothing about the resolved case
    acct.calls = [];
    (await sweep(w, r.state)).events.should.eql([]);
    acct.calls.should.eql(["DescribeCases"]);
  });

  it("reports a reopening as resolved → reopened", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    const w = new CaseWatcher("111111111111", acct);
    let s = (await sweep(w, undefined)).state;
    acct.cases.get("c1")!.status = "resolved";
    s = (await sweep(w, s)).state;
    acct.cases.get("c1")!.status = "reopened";
    const r = await sweep(w, s);
    r.events.should.containDeep([{ type: "status", caseId: "c1", previousStatus: "resolved", status: "reopened" }]);
  });

  it("emits a case first seen after the baseline with previousStatus null and its engineer messages", async () => {
    const acct = new FakeAccount();
    const w = new CaseWatcher("111111111111", acct);
    const s = (await sweep(w, undefined)).state;
    acct.open("c9");
    acct.say("c9", "Hello from AWS");
    const r = await sweep(w, s);
    r.events.map((e) => e.type).should.eql(["communication", "status"]);
    should(r.events[1]).have.property("previousStatus", null);
  });

  it("fetches older communications when more arrived than a sweep carries", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    const w = new CaseWatcher("111111111111", acct);
    const s = (await sweep(w, undefined)).state;
    for (let i = 1; i <= 8; i++) acct.say("c1", `reply ${i}`);
    const r = await sweep(w, s);
    r.events.filter((e) => e.type === "communication").map((e) => (e as { communication: WatchCommunication }).communication.body).should.eql([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `reply ${i}`));
    acct.calls.should.containEql("DescribeCommunications(c1)");
  });

  it("tells apart communications sharing one timestamp", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    const w = new CaseWatcher("111111111111", acct);
    let s = (await sweep(w, undefined)).state;
    acct.say("c1", "first");
    s = (await sweep(w, s)).state;
    acct.say("c1", "second, same second", "Amazon Web Services", true);
    const r = await sweep(w, s);
    r.events.map((e) => (e as { communication?: WatchCommunication }).communication?.body).should.eql(["second, same second"]);
  });

  it("keeps its state as plain JSON (what a context store saves)", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    const w = new CaseWatcher("111111111111", acct);
    const s = (await sweep(w, emptyWatchState())).state;
    const restored = JSON.parse(JSON.stringify(s)) as AccountWatchState;
    acct.say("c1", "while we were down");
    (await sweep(w, restored)).events.should.have.length(1);
  });

  it("forgets resolved cases after the retention", async () => {
    const acct = new FakeAccount();
    acct.open("c1");
    let now = 0;
    const w = new CaseWatcher("111111111111", acct, { resolvedRetentionMs: 1000, now: () => now });
    let s = (await sweep(w, undefined)).state;
    acct.cases.get("c1")!.status = "resolved";
    s = (await sweep(w, s)).state;
    s.cases.should.have.property("c1");
    now = 5000;
    s = (await sweep(w, s)).state;
    s.cases.should.not.have.property("c1");
  });
});
