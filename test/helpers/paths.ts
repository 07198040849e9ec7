import * as path from "node:path";

/** The package root (the folder with package.json), wherever the build went. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..", "..");
/** The build output the running tests belong to (dist/ or a CX_DIST folder). */
export const DIST = path.resolve(__dirname, "..", "..");
/** Which Node-RED the leg runs: "node-red" (4.1) or "node-red-5". */
export const RUNTIME = process.env.NODE_RED_RUNTIME || "node-red";

/** Path of a compiled node file, e.g. nodeFile("ensono-queue-in"). */
export function nodeFile(type: string): string {
  return path.join(DIST, "nodes", type, `${type}.js`);
}
