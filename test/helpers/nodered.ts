/**
 * node-red-node-test-helper on the leg's runtime (Node-RED 4.1 or 5), with
 * the core nodes needed by tests (catch, debug…) loaded on request.
 */
import * as path from "node:path";
import { RUNTIME, nodeFile } from "./paths";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require("node-red-node-test-helper") as TestHelper;

export interface TestHelper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  load(nodes: unknown[] | unknown, flow: unknown[], credentials?: Record<string, unknown>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode | null;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  clearFlows(): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request(): any;
  settings(settings: Record<string, unknown>): void;
  _settings: Record<string, unknown>;
}

export interface TestNode {
  id: string;
  receive(msg: Record<string, unknown>): void;
  on(event: string, cb: (...args: any[]) => void): void;
  once(event: string, cb: (...args: any[]) => void): void;
  status: ((...args: any[]) => void) & { args?: unknown[][] };
  [key: string]: any;
}

let initialised = false;

export function initHelper(settings: Record<string, unknown> = {}): TestHelper {
  if (!initialised) {
    helper.init(require.resolve(RUNTIME), settings);
    initialised = true;
  } else if (Object.keys(settings).length) {
    helper.settings(settings);
  }
  return helper;
}

/** Loads our node modules by type name. */
export function ourNodes(...types: string[]): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return types.map((t) => require(nodeFile(t)));
}

/** Loads core nodes (e.g. "catch", "debug", "function") from the leg's runtime. */
export function coreNodes(...names: string[]): unknown[] {
  const coreDir = path.join(path.dirname(require.resolve(`${RUNTIME}/package.json`)), "..", "@node-red", "nodes", "core");
  const files: Record<string, string> = {
    catch: "common/25-catch.js",
    status: "common/25-status.js",
    debug: "common/21-debug.js",
    inject: "common/20-inject.js",
    function: "function/10-function.js",
    change: "function/15-change.js",
    switch: "function/10-switch.js",
    comment: "common/90-comment.js",
    junction: "common/05-junction.js",
    "link in": "common/60-link.js",
  };
  // the alias node-red-5 keeps its own @node-red/nodes below it when versions differ
  const candidates = [path.join(path.dirname(require.resolve(`${RUNTIME}/package.json`)), "node_modules", "@node-red", "nodes", "core"), coreDir];
  return names.map((n) => {
    const rel = files[n];
    if (!rel) throw new Error(`no core node file known for ${n}`);
    for (const dir of candidates) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(path.join(dir, rel));
      } catch {
        /* try next */
      }
    }
    throw new Error(`core node ${n} not found for ${RUNTIME}`);
  });
}

/** Resolves when `node` sends a message on `input` (the test helper's "input" event), or rejects after ms. */
export function nextMessage(node: TestNode, ms = 10_000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message reached ${node.id} within ${ms} ms`)), ms);
    node.once("input", (msg: Record<string, any>) => {
      clearTimeout(t);
      resolve(msg);
    });
  });
}

export { helper };
