import should from "should";
import { startEnsonoSandbox, type EnsonoSandbox } from "../../sandbox/ensono";
import { initHelper, ourNodes, type TestNode } from "../helpers/nodered";

/**
 * The ensono-bridge config node: the runtime object other nodes rely on,
 * the environment-variable contract, and the Test connection endpoint.
 */
const helper = initHelper();
const KEY = "test-api-key";
const ENV = ["ENSONO_URL", "ENSONO_API_KEY", "ENSONO_CLIENT_NAME"] as const;

describe("ensono-bridge config node", function () {
  this.timeout(10_000);
  let sb: EnsonoSandbox;
  let saved: Record<string, string | undefined>;

  beforeEach(async function () {
    sb = await startEnsonoSandbox();
    saved = {};
    for (const v of ENV) {
      saved[v] = process.env[v];
      delete process.env[v];
    }
  });
  afterEach(async function () {
    await helper.unload();
    await sb.close();
    for (const v of ENV) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
  });

  async function load(props: Record<string, unknown>, credentials: Record<string, unknown> | undefined = { apiKey: KEY }) {
    const flow = [
      { id: "bridge", type: "ensono-bridge", name: "sim", ...props },
      { id: "f1", type: "tab", label: "ensono" },
      { id: "out", z: "f1", type: "ensono-ticket-out", bridge: "bridge", action: "create", wires: [["sink"]] },
      { id: "sink", z: "f1", type: "helper" },
    ];
    await helper.load(ourNodes("ensono-bridge", "ensono-ticket-out"), flow, credentials ? { bridge: credentials } : {});
    return helper.getNode("bridge") as TestNode;
  }

  const incident = { ticketType: "Incident", clientTicketNumber: "INC1", priority: 3, contactName: "J", contactEmail: "j@x", shortDescription: "s", description: "d" };

  function create(): Promise<Record<string, any>> {
    const out = helper.getNode("out")!;
    const sink = helper.getNode("sink")!;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no output within 5 s")), 5000);
      out.on("call:error", (c: { args: unknown[] }) => {
        clearTimeout(t);
        reject(c.args[0]);
      });
      sink.once("input", (m: Record<string, any>) => {
        clearTimeout(t);
        resolve(m);
      });
      out.receive({ payload: incident });
    });
  }

  it("exposes the runtime fields with the documented defaults", async function () {
    const b = await load({ url: sb.envUrl("dev"), clientName: "testClient" });
    should(b.configError).be.undefined();
    should.exist(b.connection);
    should.exist(b.tickets);
    should(b.connection.clientName).equal("testClient");
    should(b.connection.environment).equal("dev");
    should(b).containEql({ defaultGroup: "", genericGroup: "", createMode: "priority", resendWaitMs: 90_000, createGiveUpMs: 24 * 3_600_000, maxDeliveries: 5, timeoutMs: 30_000 });
  });

  it("takes groups, create mode and the timing settings from the dialog", async function () {
    const b = await load({ url: sb.envUrl("dev"), clientName: "testClient", defaultGroup: "Ensono Service Desk", genericGroup: "CLIENT - Ensono Other", createMode: "impact-urgency", timeout: "12", resendWait: "60", createGiveUp: "2", maxDeliveries: "7" });
    should(b).containEql({ defaultGroup: "Ensono Service Desk", genericGroup: "CLIENT - Ensono Other", createMode: "impact-urgency", resendWaitMs: 60_000, createGiveUpMs: 7_200_000, maxDeliveries: 7, timeoutMs: 12_000 });
    should(b.tickets.options).containEql({ defaultGroup: "Ensono Service Desk", createMode: "impact-urgency", resendWaitMs: 60_000 });
  });

  it("reads URL, client name and key from the environment when the fields hold unset ${VAR}s", async function () {
    process.env.ENSONO_URL = sb.envUrl("dev");
    process.env.ENSONO_CLIENT_NAME = "testClient";
    process.env.ENSONO_API_KEY = KEY;
    const b = await load({ url: "${ENSONO_URL}", clientName: "${ENSONO_CLIENT_NAME}" }, { apiKey: "${ENSONO_API_KEY}" });
    should(b.configError).be.undefined();
    should(b.envUrl).equal(sb.envUrl("dev"));
    const m = await create();
    should(m.ensono.ticketNumber).match(/^e-CS/);
    should(sb.inspect.calls("dev")[0].apiKey).equal("valid");
  });

  it("reads the key from the environment when the credentials were dropped (flow loaded from a file)", async function () {
    process.env.ENSONO_API_KEY = KEY;
    const b = await load({ url: sb.envUrl("dev"), clientName: "testClient" }, undefined);
    should(b.configError).be.undefined();
    await create();
  });

  it("names everything that is missing, without any secret, when nothing is given", async function () {
    const b = await load({ url: "${ENSONO_URL}", clientName: "" }, { apiKey: "${ENSONO_API_KEY}" });
    should(b.connection).be.undefined();
    should(b.tickets).be.undefined();
    should(b.configError).match(/environment URL .*ENSONO_URL/);
    should(b.configError).match(/client name .*ENSONO_CLIENT_NAME/);
    should(b.configError).match(/API key .*ENSONO_API_KEY/);
  });

  it("refuses a URL that is not a URL", async function () {
    const b = await load({ url: "smconnect ensono com", clientName: "testClient" });
    should(b.connection).be.undefined();
    should(b.configError).match(/not a URL/);
  });

  describe("Test connection", function () {
    async function probe(body: Record<string, unknown>) {
      const res = await helper.request().post("/ensono-bridge/test").send(body).expect(200);
      should(JSON.stringify(res.body)).not.containEql(KEY);
      return res.body as { ok: boolean; problem: string; message: string };
    }

    beforeEach(async function () {
      await load({ url: sb.envUrl("dev"), clientName: "testClient" });
    });

    it("says all is right for the right values, after a harmless probe", async function () {
      const r = await probe({ url: sb.envUrl("dev"), clientName: "testClient", apiKey: KEY });
      should(r).containEql({ ok: true, problem: "none" });
      should(r.message).match(/URL, environment, API key and client name are right/);
      const calls = sb.inspect.calls("dev");
      should(calls).have.length(1);
      should(calls[0]).containEql({ method: "PUT", url: "/testclient/dev/tickets/e-CS0000000/notes" });
      should(sb.inspect.tickets("dev")).have.length(0);
      should(sb.inspect.queue("dev").visible).equal(0);
    });

    it("says the environment is wrong on Missing Authentication Token", async function () {
      const r = await probe({ url: sb.envUrl("dev").replace(/dev$/, "Cert"), clientName: "testClient", apiKey: KEY });
      should(r).containEql({ ok: false, problem: "environment" });
      should(r.message).match(/environment part of the URL \("Cert"\)/);
    });

    it("says the client part of the URL or the key is wrong on Forbidden", async function () {
      const wrongSlug = await probe({ url: sb.envUrl("dev").replace("/testclient/", "/Testclient/"), clientName: "testClient", apiKey: KEY });
      should(wrongSlug).containEql({ ok: false, problem: "key-or-client" });
      should(wrongSlug.message).match(/client part of the URL \("Testclient"/);
      const wrongKey = await probe({ url: sb.envUrl("dev"), clientName: "testClient", apiKey: "not-the-key" });
      should(wrongKey).containEql({ ok: false, problem: "key-or-client" });
    });

    it("says the client name is wrong on Unable to find mapping for ClientName", async function () {
      const r = await probe({ url: sb.envUrl("dev"), clientName: "TestClient", apiKey: KEY });
      should(r).containEql({ ok: false, problem: "clientName" });
      should(r.message).match(/client name "TestClient"/);
    });

    it("uses the deployed node's stored key when the password field is unchanged", async function () {
      const r = await probe({ id: "bridge", url: sb.envUrl("dev"), clientName: "testClient", apiKey: "__PWRD__" });
      should(r).containEql({ ok: true });
      should(sb.inspect.calls("dev")[0].apiKey).equal("valid");
    });

    it("says what is missing instead of calling", async function () {
      const r = await probe({ url: "", clientName: "testClient", apiKey: "__PWRD__" });
      should(r).containEql({ ok: false, problem: "missing" });
      should(r.message).match(/environment URL/);
      should(r.message).match(/API key/);
      should(sb.inspect.calls()).have.length(0);
    });

    it("reports an unreachable bridge", async function () {
      const r = await probe({ url: "http://127.0.0.1:1/testclient/dev", clientName: "testClient", apiKey: KEY });
      should(r).containEql({ ok: false, problem: "network" });
    });
  });
});
