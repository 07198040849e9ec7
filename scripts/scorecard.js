#!/usr/bin/env node
// Runs the Node-RED scorecard (`node-red-dev validate`) on the built package
// and fails when any check failed or any warning was printed — the tool itself
// exits 0 either way (TOOLCHAIN.md).
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const out = path.join(os.tmpdir(), `scorecard-${process.pid}.json`);
const bin = path.join(root, "node_modules", "node-red-dev", "bin", "run");
const r = spawnSync(process.execPath, [bin, "validate", "-p", root, "-o", out], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, NODE_OPTIONS: `--require ${path.join(__dirname, "offline-catalogue.js")}` },
  input: "",
  timeout: 300_000,
});
const printed = `${r.stdout || ""}${r.stderr || ""}`;
process.stdout.write(printed);
const problems = [];
if (!fs.existsSync(out)) problems.push(`no scorecard written (exit ${r.status})`);
else {
  const card = JSON.parse(fs.readFileSync(out, "utf8"));
  fs.rmSync(out, { force: true });
  for (const [check, result] of Object.entries(card)) {
    if (result && typeof result === "object" && result.test === false) problems.push(`${check} failed: ${JSON.stringify(result)}`);
  }
  const expected = ["P01", "P03", "P04", "P05", "P06", "P07", "P08", "N01", "N02", "D01", "D02", "D03"];
  for (const c of expected) if (!(c in card)) problems.push(`${c} did not run`);
}
for (const line of printed.split("\n")) if (/warn|›\s+Warning|Unable to/i.test(line)) problems.push(`warning: ${line.trim()}`);
if (problems.length) {
  console.error(`\nscorecard: ${problems.length} problem(s)\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("\nscorecard: every check passed, no warnings");
