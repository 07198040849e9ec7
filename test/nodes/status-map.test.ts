import should from "should";
import { exportTable, getPreset, PRESETS } from "../../nodes/lib/mapping";
import { coreNodes, initHelper, ourNodes, type TestNode } from "../helpers/nodered";

/**
 * status-map in the test helper's runtime: presets, a custom table, the three
 * unmapped policies, the blocked output, import/export, group-map lookups.
 */
const helper = initHelper();

type Got = { port: 1 | 2 | "error"; msg: Record<string, any> };

describe("status-map node", function () {
  this.timeout(10_000);
  let statuses: Array<{ fill?: string; shape?: string; text?: string }>;
  let waiting: Array<(g: Got) => void> = [];
  /** messages no send() waited for (e.g. one message out of both outputs) */
  let unexpected: string[] = [];

  before(async function () {
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
  });
  afterEach(async function () {
    // let anything still in flight arrive, then check nothing came out twice
    await new Promise((r) => setImmediate(r));
    await helper.unload();
    unexpected.should.eql([]);
  });

  async function load(config: Record<string, unknown>, extra: unknown[] = []): Promise<TestNode> {
    statuses = [];
    // flow nodes sit on a tab with a position (else the runtime takes them for config nodes)
    const at = { z: "tab", x: 100, y: 100 };
    const flow = [
      { id: "tab", type: "tab", label: "status-map" },
      { id: "map", ...at, type: "status-map", name: "", property: "payload", unmapped: "pass", reopenPolicy: "allow", ...config, wires: [["out1"], ["out2"]] },
      { id: "out1", ...at, type: "helper" },
      { id: "out2", ...at, type: "helper" },
      { id: "catch", ...at, type: "catch", scope: ["map"], uncaught: false, wires: [["caught"]] },
      { id: "caught", ...at, type: "helper" },
      ...extra,
    ];
    await helper.load([...ourNodes("status-map", "group-map"), ...coreNodes("catch")], flow);
    waiting = [];
    unexpected = [];
    const arrive = (port: Got["port"]) => (m: Record<string, any>) => {
      const w = waiting.shift();
      if (w) w({ port, msg: m });
      else unexpected.push(`${port}: ${JSON.stringify(m.payload)}`);
    };
    helper.getNode("out1")!.on("input", arrive(1));
    helper.getNode("out2")!.on("input", arrive(2));
    helper.getNode("caught")!.on("input", arrive("error"));
    const node = helper.getNode("map")!;
    node.on("call:status", (call: { args: unknown[] }) => statuses.push(call.args[0] as never));
    return node;
  }

  /**
   * Sends one message and resolves with where it came out (an output or a
   * caught error). One listener per helper node for the whole test: Node-RED
   * keeps "input" listeners its own way, so once/removeListener per message
   * is not reliable.
   */
  function send(msg: Record<string, unknown>): Promise<Got> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no output within 8 s")), 8000);
      waiting.push((g) => {
        clearTimeout(t);
        resolve(g);
      });
      helper.getNode("map")!.receive(msg);
    });
  }

  const lastStatus = () => statuses[statuses.length - 1];

  it("maps a single AWS status with the preset and shows it on the status", async function () {
    await load({ preset: "aws-to-snow-status" });
    const got = await send({ payload: "opened" });
    got.port.should.equal(1);
    got.msg.payload.should.equal("1");
    got.msg.statusMap.values.should.eql({ state: "1" });
    got.msg.statusMap.table.should.equal("aws-to-snow-status");
    lastStatus().should.eql({ fill: "green", shape: "dot", text: "opened → 1" });
  });

  it("maps a whole event to the object of mapped fields", async function () {
    await load({ preset: "ensono-to-snow-status" });
    const got = await send({ payload: { status: "pending", statusNextAction: "pending-vendor", ticketNumber: "e-CS1" } });
    got.port.should.equal(1);
    got.msg.payload.should.eql({ state: "3", hold_reason: "4" });
    got.msg.statusMap.input.ticketNumber.should.equal("e-CS1");
  });

  it("reads and writes a configured property", async function () {
    await load({ preset: "snow-priority-to-ensono", property: "ticket.priority" });
    const got = await send({ ticket: { priority: "5" }, payload: "untouched" });
    got.msg.ticket.priority.should.equal("4");
    got.msg.payload.should.equal("untouched");
  });

  describe("a value with no row", function () {
    it("passes through unchanged when so chosen", async function () {
      await load({ preset: "aws-to-snow-status", unmapped: "pass" });
      const got = await send({ payload: "mystery" });
      got.port.should.equal(1);
      got.msg.payload.should.equal("mystery");
      got.msg.statusMap.unmapped.should.be.true();
      lastStatus().should.eql({ fill: "yellow", shape: "ring", text: "unmapped: mystery" });
    });
    it("becomes the default value when so chosen", async function () {
      await load({ preset: "aws-to-snow-status", unmapped: "default", defaultValue: "2" });
      const got = await send({ payload: "mystery" });
      got.port.should.equal(1);
      got.msg.payload.should.equal("2");
    });
    it("becomes {value field: default} for an object input", async function () {
      await load({ preset: "aws-to-snow-status", unmapped: "default", defaultValue: "2" });
      const got = await send({ payload: { status: "mystery" } });
      got.msg.payload.should.eql({ state: "2" });
    });
    it("goes out of the second output when so chosen", async function () {
      await load({ preset: "aws-to-snow-status", unmapped: "output" });
      const got = await send({ payload: "mystery" });
      got.port.should.equal(2);
      got.msg.payload.should.equal("mystery");
      got.msg.statusMap.unmapped.should.be.true();
      should(got.msg.statusMap.blocked).be.undefined();
    });
  });

  describe("guard rails", function () {
    it("send an update to a Closed Ensono ticket to the second output with the reason, whatever the policy", async function () {
      await load({ preset: "snow-to-ensono-status", unmapped: "pass" });
      const got = await send({ payload: { state: "2", ensonoStatus: "closed" } });
      got.port.should.equal(2);
      got.msg.statusMap.blocked.should.equal("the Ensono ticket is Closed; Ensono accepts no more updates");
      got.msg.payload.should.eql({ state: "2", ensonoStatus: "closed" });
      lastStatus().fill!.should.equal("yellow");
      lastStatus().text!.should.startWith("blocked: the Ensono ticket is Closed");
    });
    it("stop a second ResolveCase", async function () {
      await load({ preset: "snow-to-aws" });
      const got = await send({ payload: { state: "7", caseStatus: "resolved" } });
      got.port.should.equal(2);
      got.msg.statusMap.blocked.should.match(/ResolveCase is sent once/);
    });
    it("stop a reopen when the node's policy forbids it", async function () {
      await load({ preset: "ensono-to-snow-status", reopenPolicy: "forbid" });
      const got = await send({ payload: { status: "open", incidentState: "6" } });
      got.port.should.equal(2);
      got.msg.statusMap.blocked.should.match(/re-open policy forbids/);
    });
    it("let the same reopen through when the policy allows it", async function () {
      await load({ preset: "ensono-to-snow-status", reopenPolicy: "allow" });
      const got = await send({ payload: { status: "open", incidentState: "6" } });
      got.port.should.equal(1);
      got.msg.payload.should.eql({ state: "2" });
    });
  });

  it("says both steps when a Closed incident reaches an unresolved Ensono ticket", async function () {
    await load({ preset: "snow-to-ensono-status" });
    const got = await send({ payload: { state: "7", close_notes: "done", ensonoStatus: "workingprogress" } });
    got.msg.payload.should.eql({ status: "closed", closeNotes: "done" });
    got.msg.statusMap.steps.should.eql([
      { status: "resolved", closeNotes: "done" },
      { status: "closed", closeNotes: "done" },
    ]);
    lastStatus().text!.should.equal("7 → resolved → closed");
  });

  it("runs a custom table edited in the dialog instead of the preset", async function () {
    const table = {
      name: "my-states",
      key: "code",
      value: "state",
      rows: [
        { when: { code: "A" }, to: { state: "alpha" } },
        { when: { code: ["B", "C"] }, to: { state: "beta", tag: "{{tag|none}}" } },
        { when: { code: "Z" }, block: "Z is never sent" },
      ],
    };
    const node = await load({ preset: "aws-to-snow-status", table, unmapped: "output" });
    node.table.name.should.equal("my-states");
    (await send({ payload: "a" })).msg.payload.should.equal("alpha");
    const c = await send({ payload: { code: "C", tag: "x" } });
    c.msg.payload.should.eql({ state: "beta", tag: "x" });
    const z = await send({ payload: "Z" });
    z.port.should.equal(2);
    z.msg.statusMap.blocked.should.equal("Z is never sent");
    (await send({ payload: "opened" })).port.should.equal(2);
  });

  it("runs a table imported as exported JSON text (import/export round-trip)", async function () {
    const edited = getPreset("aws-to-snow-status")!;
    edited.name = "aws-edited";
    edited.rows.push({ when: { status: "escalated" }, to: { state: "2", assignment_group: "AWS Escalations" } });
    const node = await load({ table: exportTable(edited), preset: "" });
    node.table.should.eql(edited);
    const got = await send({ payload: "escalated" });
    got.msg.statusMap.values.should.eql({ state: "2", assignment_group: "AWS Escalations" });
  });

  it("serves the presets to the dialog through its admin route, as the library has them", async function () {
    await load({ preset: "aws-to-snow-status" });
    const res = await helper.request().get("/case-exchange/status-map/presets").expect(200);
    res.body.should.eql(JSON.parse(JSON.stringify(PRESETS)));
  });

  it("reports an unusable table on the status and as an error a Catch node sees", async function () {
    await load({ preset: "", table: '{"key":"k","rows":[{"when":{}}]}' });
    const got = await send({ payload: "x" });
    got.port.should.equal("error");
    got.msg.error.code.should.equal("MAPPING_TABLE_INVALID");
    got.msg.error.message.should.match(/row 1: needs "to", "steps" or "block"/);
    lastStatus().should.eql({ fill: "red", shape: "ring", text: "MAPPING_TABLE_INVALID" });
  });

  it("detects case-exchange operations with the group map's groups as the bonded groups", async function () {
    await load({ preset: "case-exchange-outgoing", groupMap: "groups" }, [{ id: "groups", type: "group-map", rows: [{ snow: "Ensono", ensono: "CS - 1st Line" }] }]);
    const before = { state: "2", assignment_group: "Service Desk", correlation_id: "" };
    const assign = await send({ payload: { before, after: { ...before, assignment_group: "Ensono" } } });
    assign.msg.payload.should.eql({ operation: "Assign" });
    const resolve = await send({ payload: { before: { ...before, assignment_group: "Ensono" }, after: { state: "6", assignment_group: "Ensono", close_notes: "ok" } } });
    resolve.msg.statusMap.steps.should.eql([{ operation: "Update" }, { operation: "Resolve" }]);
    resolve.msg.payload.should.eql({ operation: "Resolve" });
  });

  describe("with a group-map", function () {
    const groups = {
      id: "groups",
      type: "group-map",
      name: "Ensono groups",
      rows: [
        { snow: "Ensono", ensono: "CS - 1st Line" },
        { snow: "Ensono DBA", ensono: "Platform DBA" },
      ],
      genericGroup: "CLIENT - Ensono Other",
    };
    it("maps a ServiceNow group to its Ensono group", async function () {
      await load({ preset: "snow-group-to-ensono", groupMap: "groups", unmapped: "output" }, [groups]);
      (await send({ payload: "ensono dba" })).msg.payload.should.equal("Platform DBA");
      const none = await send({ payload: "Service Desk" });
      none.port.should.equal(2);
      none.msg.statusMap.unmapped.should.be.true();
    });
    it("maps an Ensono group back to ServiceNow", async function () {
      await load({ preset: "ensono-group-to-snow", groupMap: "groups" }, [groups]);
      (await send({ payload: { group: "CS - 1st Line" } })).msg.payload.should.eql({ assignment_group: "Ensono" });
    });
    it("moves an internally assigned ticket to the generic client group and pending", async function () {
      await load({ preset: "snow-to-ensono-status", groupMap: "groups" }, [groups]);
      const got = await send({ payload: { state: "2", internal: "true", assignment_group: "Network" } });
      got.msg.payload.should.eql({ status: "pending", statusNextAction: "pending-client", group: "CLIENT - Ensono Other" });
    });
  });
});
