import should from "should";
import { coreNodes, initHelper, ourNodes, type TestNode } from "../helpers/nodered";

/** group-map: lookups on the runtime node, and the JSON copy function nodes read from global context. */
const helper = initHelper();

describe("group-map config node", function () {
  this.timeout(10_000);
  afterEach(async function () {
    await helper.unload();
    delete process.env.CX_TEST_GENERIC_GROUP;
  });

  const rows = [
    { snow: "Ensono", ensono: "CS - 1st Line" },
    { snow: "Ensono DBA", ensono: "Platform DBA" },
  ];

  async function load(config: Record<string, unknown>, extra: unknown[] = []): Promise<TestNode> {
    await helper.load([...ourNodes("group-map"), ...coreNodes("function")], [{ id: "groups", type: "group-map", name: "Ensono groups", rows, genericGroup: "CLIENT - Ensono Other", ...config }, ...extra]);
    return helper.getNode("groups")!;
  }

  it("looks groups up both ways and exposes its rows and generic group", async function () {
    const g = await load({});
    should(g.toEnsono("Ensono")).equal("CS - 1st Line");
    should(g.toEnsono("ENSONO dba ")).equal("Platform DBA");
    should(g.toSnow("Platform DBA")).equal("Ensono DBA");
    should(g.toSnow("Unknown")).be.undefined();
    should(g.toEnsono(undefined)).be.undefined();
    g.rows.should.eql(rows);
    g.genericGroup.should.equal("CLIENT - Ensono Other");
  });

  it("takes rows imported as JSON text", async function () {
    const g = await load({ rows: JSON.stringify(rows) });
    should(g.toSnow("CS - 1st Line")).equal("Ensono");
  });

  it("takes the generic group from an environment variable", async function () {
    process.env.CX_TEST_GENERIC_GROUP = "CLIENT - From Env";
    const g = await load({ genericGroup: "${CX_TEST_GENERIC_GROUP}" });
    g.genericGroup.should.equal("CLIENT - From Env");
  });

  it("treats an unset ${VAR} generic group as not given", async function () {
    const g = await load({ genericGroup: "${CX_TEST_GENERIC_GROUP}" });
    should(g.genericGroup).be.undefined();
  });

  it("warns about half-filled rows and duplicates instead of failing", async function () {
    const g = await load({ rows: [{ snow: "A", ensono: "B" }, { snow: "a", ensono: "C" }] });
    g.problems.should.eql(['ServiceNow group "a" appears twice; the first row wins']);
    should(g.toEnsono("A")).equal("B");
    const bad = await (async () => {
      await helper.unload();
      return load({ rows: [{ snow: "A" }] });
    })();
    bad.problems[0].should.match(/row 1 needs/);
    bad.rows.should.eql([]);
  });

  it("lets a function node look groups up through global context, by name", async function () {
    await load({}, [
      {
        id: "fn",
        type: "function",
        func: 'const m = global.get(\'groupMaps["Ensono groups"]\'); msg.payload = { group: m.toEnsono[msg.payload.trim().toLowerCase()], generic: m.genericGroup, back: m.toSnow["platform dba"] }; return msg;',
        outputs: 1,
        wires: [["sink"]],
      },
      { id: "sink", type: "helper" },
    ]);
    const sink = helper.getNode("sink")!;
    const got = new Promise<Record<string, any>>((resolve) => sink.once("input", resolve));
    helper.getNode("fn")!.receive({ payload: " Ensono " });
    // objects made inside the function node's sandbox have another Object.prototype: use should(x)
    should({ ...(await got).payload }).eql({ group: "CS - 1st Line", generic: "CLIENT - Ensono Other", back: "Ensono DBA" });
  });

  it("publishes the same copy under its id", async function () {
    await load({}, [
      { id: "fn", type: "function", func: 'msg.payload = global.get(\'groupMaps["groups"]\').rows.length; return msg;', outputs: 1, wires: [["sink"]] },
      { id: "sink", type: "helper" },
    ]);
    const sink = helper.getNode("sink")!;
    const got = new Promise<Record<string, any>>((resolve) => sink.once("input", resolve));
    helper.getNode("fn")!.receive({ payload: "" });
    (await got).payload.should.equal(2);
  });
});
