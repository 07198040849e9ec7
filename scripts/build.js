#!/usr/bin/env node
// Build: compile TypeScript to CommonJS in dist/, put each node's editor file,
// help and message catalogue beside its compiled .js (where Node-RED's registry
// looks), copy icons/ beside the node files and flows/ to examples/ (the only
// folder Import > Examples reads).
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const root = path.resolve(__dirname, "..");
// CX_DIST moves the output (so parallel work on one checkout never shares a dist/);
// --lenient reports type errors without failing (emit still happens), for work in progress.
const dist = process.env.CX_DIST ? path.resolve(process.env.CX_DIST) : path.join(root, "dist");
const lenient = process.argv.includes("--lenient");

fs.rmSync(dist, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", root, "--outDir", dist], { stdio: "inherit", cwd: root });
} catch (err) {
  if (!lenient) {
    console.error("build: TypeScript reported errors");
    process.exit(1);
  }
  console.error("build: TypeScript reported errors (--lenient: output kept)");
}

function copyTree(from, to, filter) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, filter);
    else if (filter(src)) {
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}

// editor files, help, catalogues
copyTree(path.join(root, "nodes"), path.join(dist, "nodes"), (f) => !f.endsWith(".ts"));

// icons beside every node folder that has an editor file
const pkg = require(path.join(root, "package.json"));
for (const file of Object.values(pkg["node-red"].nodes)) {
  const dir = path.join(dist, path.relative("dist", path.dirname(file)));
  if (fs.existsSync(path.join(root, "icons"))) copyTree(path.join(root, "icons"), path.join(dir, "icons"), () => true);
}

// example flows
const examples = path.join(root, "examples");
fs.rmSync(examples, { recursive: true, force: true });
fs.mkdirSync(examples, { recursive: true });
if (fs.existsSync(path.join(root, "flows"))) copyTree(path.join(root, "flows"), examples, (f) => f.endsWith(".json"));
console.log("build: dist/ and examples/ written");
