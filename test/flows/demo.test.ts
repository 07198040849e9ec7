/**
 * The README's first command: `npm run demo` starts Node-RED with the sync flows
 * against the embedded simulators, and a newcomer sees tickets cross within a
 * minute. Runs scripts/demo.js as a child (a free port, its own user directory),
 * reads the simulators' URLs it prints, and watches ServiceNow's records bond.
 */
import should from "should";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { eventually, freePort } from "../helpers/runtime";
import { PACKAGE_ROOT } from "../helpers/paths";

describe("the demo (npm run demo)", function () {
  this.timeout(150_000);
  let child: ChildProcess | undefined;
  let out = "";
  const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), "cx-demo-"));

  after(async function () {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it("prints the editor URL, and within a minute incidents are bonded to an AWS case and to an Ensono ticket, and Ensono's change has a client change", async function () {
    const port = await freePort();
    child = spawn(process.execPath, [path.join(PACKAGE_ROOT, "scripts", "demo.js"), "--port", String(port)], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, CX_DEMO_DIR: demoDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    await eventually(() => out.includes(`open http://127.0.0.1:${port}`), 60_000);
    const snowUrl = /ServiceNow simulator (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    should(snowUrl).be.ok();
    const editor = await fetch(`http://127.0.0.1:${port}/`);
    should(editor.status).equal(200);

    const auth = "Basic " + Buffer.from("agent.smith:agent-pass").toString("base64");
    const bonded = async (display: string, table = "incident") => {
      const res = await fetch(`${snowUrl}/api/now/table/${table}?sysparm_query=${encodeURIComponent(`correlation_displaySTARTSWITH${display}`)}&sysparm_fields=number,correlation_id`, { headers: { Authorization: auth, Accept: "application/json" } });
      const body = (await res.json()) as { result: Array<{ number: string; correlation_id: string }> };
      return body.result.filter((r) => r.correlation_id).length > 0;
    };
    // the demo seeds its ServiceNow incidents once the flows first read the table; give it the minute it promises
    await eventually(async () => (await bonded("AWS Support")) && (await bonded("Ensono")) && (await bonded("Ensono", "change_request")), 75_000, 1000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- demo output (last 40 lines) ---\n${out.split("\n").slice(-40).join("\n")}`);
    });
    should(out).not.match(/Unhandled|TypeError|ReferenceError/);
  });
});
