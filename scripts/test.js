#!/usr/bin/env node
// `npm test`: the whole suite, in two legs —
//   Node-RED 4.1 on the machine's Node 20, and
//   Node-RED 5.0 on Node 22 (the binary pinned in tools/node22, installed on demand).
// Each leg runs unit, simulator, node and flow tests. With --browser it runs the
// editor's browser test instead (Node 20, Debian's Chromium).
// Options: --leg 4|5 to run one leg, --parallel to run both legs at once (CI), any other argument narrows to test files or folders,
// --grep <pattern>. Ends with a plain "N passed, N failed" line summed over the legs;
// with CX_SUMMARY_FILE set, the sums are also written there as JSON.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
let legs = ["4", "5"];
let browser = false;
let parallel = false;
const rest = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--leg") legs = [argv[++i]];
  else if (argv[i] === "--browser") browser = true;
  else if (argv[i] === "--parallel") parallel = true; // both legs at once (CI: 2 cores), each leg's output printed whole afterwards
  else rest.push(argv[i]);
}
const suites = rest.filter((a, i) => !(a.startsWith("--") || rest[i - 1] === "--grep"));
const extra = rest.filter((a) => !suites.includes(a));
const defaultSuites = browser ? ["test/browser"] : ["test/lib", "test/sandbox", "test/nodes", "test/flows"];

function node22() {
  const dir = path.join(root, "tools", "node22");
  const bin = path.join(dir, "node_modules", ".bin", "node");
  if (!fs.existsSync(bin)) {
    console.log("Installing the Node 22 binary for the Node-RED 5 leg (tools/node22)…");
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
    if (r.status !== 0 || !fs.existsSync(bin)) throw new Error("could not install tools/node22 (npm ci failed)");
  }
  return bin;
}

const total = { passes: 0, failures: 0, pending: 0 };
let failedToRun = false;
const plan = browser ? [{ name: "browser (Node-RED 4.1, Node 20)", node: process.execPath, runtime: "node-red" }] : legs.map((leg) =>
  leg === "5"
    ? { name: "Node-RED 5.0 on Node 22", node: node22(), runtime: "node-red-5" }
    : { name: "Node-RED 4.1 on Node " + process.versions.node, node: process.execPath, runtime: "node-red" },
);

function legArgs(leg, results) {
  return {
    cmd: leg.node,
    args: [path.join(__dirname, "mocha-leg.js"), ...(suites.length ? suites : defaultSuites), ...extra],
    // the SDK's notice that its 2027 releases need Node 22 is known (README) and would repeat in every leg
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...process.env, NODE_RED_RUNTIME: leg.runtime, CX_RESULTS_FILE: results },
  };
}

function collect(leg, results, status, signal) {
  if (!fs.existsSync(results)) {
    console.error(`${leg.name}: the leg ended (status ${status}, signal ${signal}) without reporting results`);
    failedToRun = true;
    total.failures += 1;
    return;
  }
  const s = JSON.parse(fs.readFileSync(results, "utf8"));
  fs.rmSync(results, { force: true });
  console.log(`${leg.name}: ${s.passes} passed, ${s.failures} failed, ${s.pending} pending (${s.files} files)`);
  total.passes += s.passes;
  total.failures += s.failures;
  total.pending += s.pending;
  if (s.files === 0) failedToRun = true;
}

async function main() {
  const runs = plan.map((leg, i) => ({ leg, results: path.join(os.tmpdir(), `cx-results-${process.pid}-${i}.json`), log: path.join(os.tmpdir(), `cx-leg-${process.pid}-${i}.log`) }));
  if (parallel && runs.length > 1) {
    const { spawn } = require("child_process");
    const done = runs.map(
      (r) =>
        new Promise((resolve) => {
          const a = legArgs(r.leg, r.results);
          const out = fs.openSync(r.log, "w");
          const child = spawn(a.cmd, a.args, { cwd: root, env: a.env, stdio: ["ignore", out, out] });
          child.on("exit", (status, signal) => {
            fs.closeSync(out);
            resolve({ status, signal });
          });
        }),
    );
    const ends = await Promise.all(done);
    runs.forEach((r, i) => {
      console.log(`\n=== ${r.leg.name} ===`);
      process.stdout.write(fs.readFileSync(r.log, "utf8"));
      fs.rmSync(r.log, { force: true });
      collect(r.leg, r.results, ends[i].status, ends[i].signal);
    });
  } else {
    for (const r of runs) {
      console.log(`\n=== ${r.leg.name} ===`);
      const a = legArgs(r.leg, r.results);
      const res = spawnSync(a.cmd, a.args, { cwd: root, stdio: "inherit", env: a.env });
      collect(r.leg, r.results, res.status, res.signal);
    }
  }
}

main().then(() => {
if (process.env.CX_SUMMARY_FILE) fs.writeFileSync(process.env.CX_SUMMARY_FILE, JSON.stringify(total));
console.log(`\n${total.passes} passed, ${total.failures} failed`);
process.exit(total.failures > 0 || failedToRun || total.pending > 0 ? 1 : 0);
});
