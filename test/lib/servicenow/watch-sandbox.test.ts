import should from "should";
import { SimClock } from "../../../sandbox/common/clock";
import { startSnowSandbox, type SnowSandbox } from "../../../sandbox/servicenow";
import { createSnowClient, type SnowClient } from "../../../nodes/lib/servicenow/client";
import { SnowWatcher, type WatchState } from "../../../nodes/lib/servicenow/watch";

describe("servicenow watch against the simulator", function () {
  this.timeout(20_000);
  let sb: SnowSandbox;
  let client: SnowClient;
  let clock: SimClock;

  beforeEach(async () => {
    clock = new SimClock({ start: Date.parse("2024-05-01T08:00:00Z"), frozen: true });
    sb = await startSnowSandbox({ clock });
    client = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "integration-pass" } });
  });
  afterEach(() => sb.close());

  it("pages by key through 2,500 records sharing one sys_updated_on, each once", async () => {
    const w = new SnowWatcher(client, { table: "incident", fields: ["state"], pageSize: 1000 });
    let state: WatchState = (await w.poll(undefined)).state;
    clock.advance(5000);
    for (let i = 0; i < 2500; i++) sb.table("incident").insert({ short_description: `same second ${i}` }, "agent.smith");
    const r = await w.poll(state);
    const created = r.events.filter((e) => e.created);
    should(created).have.length(2500);
    should(new Set(created.map((e) => e.sys_id)).size).equal(2500);
    state = r.state;
    const again = await w.poll(state);
    should(again.events).have.length(0);
  });

  it("sees an update made in the same second as the previous poll, once", async () => {
    const inc = sb.agent().createIncident({ short_description: "same second" });
    const w = new SnowWatcher(client, { table: "incident", fields: ["state", "priority"] });
    let state = (await w.poll(undefined)).state;
    sb.agent().update("incident", inc.sys_id, { urgency: "1", impact: "1" });
    const r = await w.poll(state);
    should(r.events.map((e) => e.changes)).eql([{ priority: { from: "5", to: "1" } }]);
    state = r.state;
    should((await w.poll(state)).events).have.length(0);
  });

  it("does not emit the integration's own update but emits the agent's in the same poll", async () => {
    const inc = sb.agent().createIncident({ short_description: "echo" });
    const w = new SnowWatcher(client, { table: "incident", fields: ["state", "short_description"] });
    const state = (await w.poll(undefined)).state;
    clock.advance(2000);
    sb.agent().update("incident", inc.sys_id, { short_description: "changed by agent" });
    await client.update("incident", inc.sys_id, { state: "2" });
    await client.addComment("incident", inc.sys_id, "from the integration");
    sb.agent().workNote("incident", inc.sys_id, "agent note");
    const r = await w.poll(state);
    should(r.events.map((e) => [e.event, e.changes ?? e.entry?.value])).eql([
      ["changed", { short_description: { from: "echo", to: "changed by agent" } }],
      ["worknote", "agent note"],
    ]);
  });

  it("keeps idle-cycle calls constant: one record query and one attachment query", async () => {
    for (let i = 0; i < 300; i++) sb.table("incident").insert({ short_description: `row ${i}` }, "agent.smith");
    const w = new SnowWatcher(client, { table: "incident" });
    const state = (await w.poll(undefined)).state;
    clock.advance(10_000);
    const before = sb.requests.length;
    const r = await w.poll(state);
    should(r.events).have.length(0);
    should(sb.requests.length - before).equal(2);
  });
});
