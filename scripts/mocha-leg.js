#!/usr/bin/env node
// Runs one test leg with mocha (spec reporter) over the compiled tests and
// writes {passes, failures, pending} to $CX_RESULTS_FILE, so scripts/test.js
// and .ci/run can sum the legs into one "N passed, N failed" line.
"use strict";
const fs = require("fs");
const path = require("path");
const mochaModule = require("mocha");
const Mocha = mochaModule.Mocha || mochaModule.default;

const root = path.resolve(__dirname, "..");
const dist = process.env.CX_DIST ? path.resolve(process.env.CX_DIST) : path.join(root, "dist");
const args = process.argv.slice(2);
const suites = [];
let grep;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--grep") grep = args[++i];
  else suites.push(args[i]);
}

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  const stat = fs.statSync(dir);
  if (stat.isFile()) {
    if (dir.endsWith(".test.js")) out.push(dir);
    return out;
  }
  for (const entry of fs.readdirSync(dir).sort()) collect(path.join(dir, entry), out);
  return out;
}

const files = [];
for (const s of suites) {
  // accept test/… (source) or dist/test/… paths, files or folders
  const rel = s.replace(/^dist\//, "").replace(/\.ts$/, ".js");
  collect(path.join(dist, rel), files);
}

const mocha = new Mocha({ reporter: "spec", timeout: 30000, slow: 5000, color: !process.env.CI });
if (grep) mocha.grep(grep);
for (const f of files) mocha.addFile(f);

mocha.loadFilesAsync().then(() => {
const runner = mocha.run((failures) => {
  const stats = runner.stats || { passes: 0, failures, pending: 0 };
  const out = process.env.CX_RESULTS_FILE;
  if (out) fs.writeFileSync(out, JSON.stringify({ passes: stats.passes, failures: stats.failures, pending: stats.pending, files: files.length }));
  process.exitCode = failures ? 1 : 0;
  // the runtime under test may leave timers behind; a leg ends when mocha ends
  setTimeout(() => process.exit(process.exitCode), 200).unref();
});
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
