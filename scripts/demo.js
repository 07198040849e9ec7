#!/usr/bin/env node
// `npm run demo`: Node-RED on http://127.0.0.1:1880 with this package and every
// example flow deployed against the embedded simulators (ServiceNow, AWS
// Support, Ensono bridge), seeded with a few tickets, and a simulated AWS
// engineer and Ensono agent who answer. Ctrl-C stops everything.
// Options: --port N (editor port, default 1880). The simulators live in memory, so every
// run starts afresh: the demo's user directory (.demo/) is recreated each time.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");

const root = path.resolve(__dirname, "..");
const DEMO_FLOWS = ["servicenow-aws-support.json", "servicenow-ensono.json", "ensono-changes.json"];
const args = process.argv.slice(2);
const port = Number(args[args.indexOf("--port") + 1]) || 1880;
const userDir = process.env.CX_DEMO_DIR ? path.resolve(process.env.CX_DEMO_DIR) : path.join(root, ".demo");
fs.rmSync(userDir, { recursive: true, force: true });

const dist = process.env.CX_DIST ? path.resolve(process.env.CX_DIST) : path.join(root, "dist");
const sandbox = require(path.join(dist, "sandbox", "index.js"));
const seedDemo = require(path.join(dist, "sandbox", "demo.js"));

async function main() {
  const [ensono, snow, aws] = await Promise.all([sandbox.startEnsonoSandbox(), sandbox.startSnowSandbox(), sandbox.startAwsSupportSandbox()]);
  const env = { ...sandbox.sandboxEnv({ ensono, snow, aws }, { pollSeconds: 2 }), ENSONO_GROUP: "Ensono" };

  // the package, installed into the demo's user directory as an integrator would (a link to this clone)
  const modDir = path.join(userDir, "node_modules", "@case-exchange", "node-red");
  fs.mkdirSync(path.dirname(modDir), { recursive: true });
  fs.rmSync(modDir, { recursive: true, force: true });
  fs.symlinkSync(root, modDir, "dir");
  fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "case-exchange-demo", private: true, dependencies: { "@case-exchange/node-red": `file:${root}` } }, null, 2));
  // the three sync flows, each on its own tab (deploying from the editor then edits the demo's copy only);
  // the small *-basics examples stay in Import > Examples: the Ensono one would read the same queue
  const flows = [];
  for (const f of DEMO_FLOWS) {
    flows.push(...JSON.parse(fs.readFileSync(path.join(root, "flows", f), "utf8")));
  }
  fs.writeFileSync(path.join(userDir, "flows.json"), JSON.stringify(flows, null, 2));
  fs.writeFileSync(
    path.join(userDir, "settings.js"),
    `module.exports = ${JSON.stringify(
      {
        uiHost: "127.0.0.1",
        uiPort: port,
        flowFile: "flows.json",
        credentialSecret: false,
        contextStorage: { default: { module: "localfilesystem" } },
        editorTheme: { tours: false, projects: { enabled: false } },
        logging: { console: { level: "info", metrics: false, audit: false } },
      },
      null,
      2,
    )};\n`,
  );

  const runtime = process.env.NODE_RED_RUNTIME || "node-red"; // node-red-5 in the tests' Node 22 leg
  const redJs = path.join(path.dirname(require.resolve(`${runtime}/package.json`)), "red.js");
  const red = spawn(process.execPath, [redJs, "--settings", path.join(userDir, "settings.js"), "--userDir", userDir], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stopSeeding = await seedDemo.startDemoActors({ ensono, snow, aws, env });
  let announced = false;
  const onData = (chunk) => {
    const text = chunk.toString();
    process.stdout.write(text.split("\n").filter(Boolean).map((l) => `[node-red] ${l}\n`).join(""));
    if (!announced && /Started flows/.test(text)) {
      announced = true;
      console.log(`\n  Case Exchange demo is running: open http://127.0.0.1:${port}\n`);
      console.log(`  ServiceNow simulator ${snow.url} (agent.smith / agent-pass)`);
      console.log(`  AWS Support simulator ${aws.endpoint}`);
      console.log(`  Ensono bridge simulator ${ensono.envUrl("dev")}`);
      console.log("  Ctrl-C stops everything.\n");
    }
  };
  red.stdout.on("data", onData);
  red.stderr.on("data", onData);

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    stopSeeding();
    red.kill("SIGINT");
    await new Promise((r) => (red.exitCode !== null ? r() : red.once("exit", r)));
    await Promise.all([ensono.close(), snow.close(), aws.close()]);
    process.exit(code);
  };
  red.once("exit", (code) => {
    if (!stopping) {
      console.error(`Node-RED stopped (exit ${code})`);
      stop(1);
    }
  });
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
