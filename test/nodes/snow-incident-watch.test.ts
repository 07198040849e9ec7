import should from "should";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { coreNodes, initHelper, ourNodes, type TestHelper, type TestNode } from "../helpers/nodered";
import { eventually } from "../helpers/runtime";

type Msg = Record<string, any>;

describe("snow-incident node in watch mode (against the ServiceNow simulator)", function () {
  this.timeout(20_000);
  let helper: TestHelper;
  let sb: SnowSandbox;

  before(() => {
    helper = initHelper();
  });
  beforeEach(async () => {
    sb = await startSnowSandbox();
  });
  afterEach(async () => {
    await helper.unload();
    await sb.close();
    delete process.env.CX_TEST_POLL;
  });

  interface Rig {
    w: TestNode;
    out: Msg[];
    errors: Msg[];
    /** polls now and resolves once the poll finished */
    poll(): Promise<void>;
    statuses(): string[];
  }

  async function rig(props: Record<string, unknown> = {}): Promise<Rig> {
    const flow = [
      { id: "inst", type: "snow-instance", url: sb.url, authType: "basic" },
      { id: "w", type: "snow-incident", instance: "inst", table: "incident", watch: true, interval: "3600", query: "", fields: "state,priority,short_description,assignment_group", wires: [["out"]], ...props },
      { id: "c", type: "catch", scope: ["w"], wires: [["err"]] },
      { id: "out", type: "helper" },
      { id: "err", type: "helper" },
    ];
    await helper.load([...ourNodes("snow-instance", "snow-incident"), ...coreNodes("catch")], flow, { inst: { user: "integration", password: "integration-pass" } });
    const w = helper.getNode("w")!;
    const out: Msg[] = [];
    const errors: Msg[] = [];
    let polls = 0;
    w.on("call:status", (call: { args: Msg[] }) => {
      const text = String(call.args[0]?.text ?? "");
      if (/started|events|SNOW_|INPUT_/.test(text)) polls++;
    });
    helper.getNode("out")!.on("input", (m: Msg) => out.push(m));
    helper.getNode("err")!.on("input", (m: Msg) => errors.push(m));
    // the first poll (the snapshot) runs on deploy
    await eventually(() => polls >= 1, 10_000, 10);
    return {
      w,
      out,
      errors,
      async poll() {
        const before = polls;
        w.receive({ action: "poll" });
        await eventually(() => polls > before, 10_000, 10);
      },
      statuses: () => (w.status.args ?? []).map((a) => String((a[0] as Msg).text ?? "")),
    };
  }

  it("emits nothing for existing records on the first start", async () => {
    sb.agent().createIncident({ short_description: "old" });
    const r = await rig();
    await r.poll();
    should(r.out).have.length(0);
  });

  it("emits each existing record once on the first start when asked", async () => {
    sb.agent().createIncident({ short_description: "old one" });
    sb.agent().createIncident({ short_description: "old two" });
    const r = await rig({ emitExisting: true });
    await r.poll();
    should(r.out.map((m) => [m.snow.event, m.snow.existing, m.payload.changes.short_description.to]).sort()).eql([
      ["changed", true, "old one"],
      ["changed", true, "old two"],
    ]);
  });

  it("emits an agent's field change with from and to", async () => {
    const inc = sb.agent().createIncident({ short_description: "watch me" });
    const r = await rig();
    sb.clock.advance(2000);
    sb.agent().update("incident", inc.sys_id, { state: "2", assignment_group: sb.groupId("Network") });
    await r.poll();
    should(r.out).have.length(1);
    const m = r.out[0];
    should(m.snow).containDeep({ event: "changed", number: inc.number, sys_id: inc.sys_id, by: "agent.smith" });
    should(m.payload.changes).eql({ state: { from: "1", to: "2" }, assignment_group: { from: "", to: sb.groupId("Network") } });
    should(m.topic).equal(`incident/${inc.number}/changed`);
  });

  it("emits a new incident as created", async () => {
    const r = await rig();
    sb.clock.advance(2000);
    const inc = sb.agent().createIncident({ short_description: "brand new" });
    await r.poll();
    should(r.out.map((m) => [m.snow.event, m.snow.created, m.snow.number])).eql([["changed", true, inc.number]]);
  });

  it("emits comments and work notes as distinct events", async () => {
    const inc = sb.agent().createIncident({ short_description: "talk" });
    const r = await rig();
    sb.clock.advance(2000);
    sb.agent().comment("incident", inc.sys_id, "Hello customer");
    sb.agent().workNote("incident", inc.sys_id, "Internal only");
    await r.poll();
    should(r.out.map((m) => [m.snow.event, m.payload.entry.value, m.payload.entry.sys_created_by])).eql([
      ["comment", "Hello customer", "agent.smith"],
      ["worknote", "Internal only", "agent.smith"],
    ]);
  });

  it("emits an agent's attachment even though the record itself did not change", async () => {
    const inc = sb.agent().createIncident({ short_description: "files" });
    const r = await rig();
    sb.clock.advance(2000);
    sb.agent().attach("incident", inc.sys_id, "trace.log", Buffer.from("trace"), "text/plain");
    await r.poll();
    should(r.out.map((m) => [m.snow.event, m.snow.file_name, m.snow.number])).eql([["attachment", "trace.log", inc.number]]);
    await r.poll();
    should(r.out).have.length(1);
  });

  it("emits nothing for the integration user's own changes, comments and attachments", async () => {
    const r = await rig();
    const actions = await rigActions();
    sb.clock.advance(2000);
    const created = await actions.call({ action: "create", payload: { short_description: "from the sync", correlation_id: "case-1" } });
    await actions.call({ action: "update", snow: { sys_id: created.payload.sys_id }, payload: { state: "2" } });
    await actions.call({ action: "comment", snow: { sys_id: created.payload.sys_id }, payload: "sync comment" });
    await actions.call({ action: "upload", snow: { sys_id: created.payload.sys_id }, filename: "a.txt", payload: "a" });
    await r.poll();
    should(r.out).have.length(0);
    // an agent's change afterwards is emitted
    sb.clock.advance(2000);
    sb.agent().update("incident", created.payload.sys_id, { short_description: "agent edit" });
    await r.poll();
    should(r.out.map((m) => m.payload.changes)).eql([{ short_description: { from: "from the sync", to: "agent edit" } }]);
  });

  it("emits an agent's change made in the same poll as the integration's own", async () => {
    const inc = sb.agent().createIncident({ short_description: "both" });
    const r = await rig();
    const actions = await rigActions();
    sb.clock.advance(2000);
    sb.agent().update("incident", inc.sys_id, { short_description: "agent wording" });
    await actions.call({ action: "update", snow: { sys_id: inc.sys_id }, payload: { state: "2" } });
    await r.poll();
    should(r.out.map((m) => m.payload.changes)).eql([{ short_description: { from: "both", to: "agent wording" } }]);
  });

  it("makes two API calls in an idle poll", async () => {
    for (let i = 0; i < 50; i++) sb.agent().createIncident({ short_description: `row ${i}` });
    const r = await rig();
    sb.clock.advance(2000);
    const before = sb.requests.length;
    await r.poll();
    should(sb.requests.length - before).equal(2);
  });

  it("warns on its status when the context store is not persistent", async () => {
    const r = await rig();
    should(r.statuses().some((t) => /not persistent/.test(t))).be.true();
  });

  it("takes its interval from ${SYNC_POLL_SECONDS}", async () => {
    process.env.SYNC_POLL_SECONDS = "1";
    try {
      const inc = sb.agent().createIncident({ short_description: "timer" });
      const r = await rig({ interval: "${SYNC_POLL_SECONDS}" });
      sb.clock.advance(2000);
      sb.agent().update("incident", inc.sys_id, { state: "2" });
      await eventually(() => r.out.length === 1, 5000, 20);
    } finally {
      delete process.env.SYNC_POLL_SECONDS;
    }
  });

  it("reports a failed poll to a Catch node and goes on", async () => {
    const r = await rig();
    sb.faults.add({ kind: "status", status: 500, method: "GET", count: 3 });
    await r.poll();
    should(r.errors.map((m) => m.error.code)).eql(["SNOW_HTTP_500"]);
    const inc = sb.agent().createIncident({ short_description: "after the failure" });
    await r.poll();
    should(r.out.map((m) => m.snow.number)).eql([inc.number]);
  });

  /** writes as the integration user through the snow-instance's shared client (what any other snow-incident node of the flow would use) */
  async function rigActions(): Promise<{ call(msg: Msg): Promise<Msg> }> {
    const inst = helper.getNode("inst")!;
    return {
      async call(msg: Msg) {
        // the same client the watching node uses (one per snow-instance)
        const c = inst.client;
        switch (msg.action) {
          case "create":
            return { payload: await c.create("incident", msg.payload) };
          case "update":
            return { payload: await c.update("incident", msg.snow.sys_id, msg.payload) };
          case "comment":
            return { payload: await c.addComment("incident", msg.snow.sys_id, msg.payload) };
          case "upload":
            return { payload: await c.upload("incident", msg.snow.sys_id, msg.filename, Buffer.from(msg.payload)) };
        }
        throw new Error("unknown");
      },
    };
  }
});
