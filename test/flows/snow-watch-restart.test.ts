import { sandboxEnv } from "../../sandbox/env";
import should from "should";
import { listen, readBody, type RunningServer } from "../../sandbox/common/http";
import { startSnowSandbox, type SnowSandbox } from "../../sandbox/servicenow";
import { RUNTIME } from "../helpers/paths";
import { eventually, startNodeRed, type RunningNodeRed } from "../helpers/runtime";

type Rec = { event: string; number: string; changes?: Record<string, { from: string | null; to: string }>; value?: string; file?: string };

/**
 * A watching snow-incident in a real Node-RED, configured from the flow file
 * alone (SNOW_URL / SNOW_USER / SNOW_PASSWORD / SYNC_POLL_SECONDS), reporting
 * every message to a recorder over HTTP. It is stopped, agents change things
 * while it is down, and it is started again: each change arrives exactly once.
 */
describe(`snow-incident watch across a Node-RED restart (${RUNTIME})`, function () {
  this.timeout(90_000);
  let sb: SnowSandbox;
  let recorder: RunningServer;
  let red: RunningNodeRed | undefined;
  const got: Rec[] = [];

  before(async () => {
    sb = await startSnowSandbox();
    recorder = await listen(async (req, res) => {
      const body = await readBody(req);
      got.push(JSON.parse(body.toString("utf8")) as Rec);
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
    });
  });
  after(async () => {
    await red?.stop();
    red?.cleanup();
    await recorder.close();
    await sb.close();
  });

  const flows = () => [
    { id: "tab", type: "tab", label: "watch" },
    { id: "inst", type: "snow-instance", name: "instance", url: "${SNOW_URL}", authType: "basic", timeout: 10 },
    { id: "watch", type: "snow-incident", z: "tab", instance: "inst", table: "incident", watch: true, query: "", fields: "state,priority,short_description", interval: "${SYNC_POLL_SECONDS}", store: "", wires: [["shape"]] },
    {
      id: "shape",
      type: "function",
      z: "tab",
      func: "msg.payload = { event: msg.snow.event, number: msg.snow.number, changes: msg.payload.changes, value: msg.payload.entry && msg.payload.entry.value, file: msg.snow.file_name };\nreturn msg;",
      outputs: 1,
      wires: [["post"]],
    },
    { id: "post", type: "http request", z: "tab", method: "POST", ret: "txt", url: `${recorder.origin}/record`, paytoqs: "ignore", wires: [[]] },
  ];

  const tableQueries = () => sb.requests.filter((r) => r.method === "GET" && r.path === "/api/now/table/incident").length;

  it("emits each change made while it was down exactly once after the restart", async () => {
    const a = sb.agent().createIncident({ short_description: "A" });
    const b = sb.agent().createIncident({ short_description: "B" });
    const c = sb.agent().createIncident({ short_description: "C" });
    red = await startNodeRed({
      flows: flows(),
      env: sandboxEnv({ snow: sb }, { pollSeconds: 1 }),
    });
    // watching: an agent's change arrives
    await eventually(() => tableQueries() >= 1, 20_000);
    sb.agent().update("incident", a.sys_id, { state: "2" });
    await eventually(() => got.some((r) => r.number === a.number && r.changes?.state?.to === "2"), 20_000);

    await red.stop();
    // while Node-RED is down
    sb.agent().update("incident", a.sys_id, { short_description: "A (edited while down)" });
    sb.agent().comment("incident", b.sys_id, "comment while down");
    sb.agent().workNote("incident", b.sys_id, "work note while down");
    sb.agent().attach("incident", c.sys_id, "while-down.txt", Buffer.from("x"), "text/plain");
    const d = sb.agent().createIncident({ short_description: "D created while down" });

    await red.start();
    await eventually(() => got.length >= 6, 30_000);
    // let several more polls run, then count
    const polls = tableQueries();
    await eventually(() => tableQueries() >= polls + 3, 20_000);

    const seen = got.map((r) => `${r.event} ${r.number} ${r.value ?? r.file ?? JSON.stringify(r.changes)}`);
    should(seen.sort()).eql(
      [
        `changed ${a.number} ${JSON.stringify({ state: { from: "1", to: "2" } })}`,
        `changed ${a.number} ${JSON.stringify({ short_description: { from: "A", to: "A (edited while down)" } })}`,
        `comment ${b.number} comment while down`,
        `worknote ${b.number} work note while down`,
        `attachment ${c.number} while-down.txt`,
        `changed ${d.number} ${JSON.stringify({ state: { from: null, to: "1" }, priority: { from: null, to: "5" }, short_description: { from: null, to: "D created while down" } })}`,
      ].sort(),
    );
  });
});
