/**
 * What the browser test expects of the package, read from the package itself:
 * the node types of package.json's `node-red.nodes`, each one's editor file
 * (beside the compiled node file, where Node-RED's registry looks) and the
 * palette category it registers, and the example flows of flows/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DIST, PACKAGE_ROOT } from "../helpers/paths";

export const MODULE_NAME = "@case-exchange/node-red";
export const PALETTE_CATEGORY = "case exchange";
/** The five nodes the product promises in the palette (issue 5, "The demo and the editor"). */
export const SPEC_PALETTE_TYPES = ["ensono-queue-in", "ensono-ticket-out", "snow-incident", "aws-support-case", "status-map"];

export interface NodeTypeInfo {
  type: string;
  /** the editor file Node-RED loads for it (in the build under test) */
  htmlFile: string;
  htmlExists: boolean;
  /** the category its registerType call declares, when the file says */
  category?: string;
}

export interface ExampleFlow {
  /** file name without .json: the label under Import > Examples */
  name: string;
  file: string;
}

export function packageNodeTypes(): NodeTypeInfo[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8"));
  const nodes: Record<string, string> = pkg["node-red"]?.nodes ?? {};
  return Object.entries(nodes).map(([type, file]) => {
    const htmlFile = path.join(DIST, path.relative("dist", file)).replace(/\.js$/, ".html");
    const htmlExists = fs.existsSync(htmlFile);
    let category: string | undefined;
    if (htmlExists) {
      const html = fs.readFileSync(htmlFile, "utf8");
      const esc = type.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const m = new RegExp(`registerType\\(\\s*["']${esc}["']\\s*,\\s*\\{[\\s\\S]*?\\bcategory\\s*:\\s*["']([^"']+)["']`).exec(html);
      category = m?.[1];
    }
    return { type, htmlFile, htmlExists, category };
  });
}

/**
 * The node types that belong in the palette: the five the product names, and
 * any other type of the package whose editor file puts it in a palette category
 * (not "config").
 */
export function paletteTypes(infos = packageNodeTypes()): string[] {
  const out = [...SPEC_PALETTE_TYPES];
  for (const i of infos) if (i.category && i.category !== "config" && !out.includes(i.type)) out.push(i.type);
  return out;
}

export function exampleFlows(): ExampleFlow[] {
  const dir = path.join(PACKAGE_ROOT, "flows");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ""), file: path.join(dir, f) }));
}

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  [key: string]: unknown;
}

/** Reads an example flow file; throws a clear error when it is not a JSON array of nodes. */
export function readFlow(file: string): FlowNode[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${path.basename(file)} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.some((n) => !n || typeof n !== "object" || typeof (n as FlowNode).id !== "string" || typeof (n as FlowNode).type !== "string")) {
    throw new Error(`${path.basename(file)} is not a Node-RED flow (a JSON array of nodes with id and type)`);
  }
  return parsed as FlowNode[];
}

/** Counts nodes by type (tabs and the global-config node left out), for comparing a flow file with what the editor or the runtime holds. */
export function countByType(nodes: Array<{ type: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of nodes) if (n.type !== "tab" && n.type !== "global-config") out[n.type] = (out[n.type] ?? 0) + 1;
  return out;
}
