/**
 * group-map (config): ServiceNow assignment group ⇄ Ensono group, plus the
 * generic client group Ensono gets for internal assignments. Function nodes
 * and status-map nodes look groups up through it:
 *   RED.nodes.getNode(id).toEnsono("Ensono") / .toSnow("CS - 1st Line") / .rows
 * and publishes a JSON copy in global context (`groupMaps["<name or id>"]`)
 * for function nodes, which have no RED.nodes.
 */
import { createGroupMap, groupRowProblems, parseGroupRows, type GroupMap, type GroupRow } from "../lib/mapping";
import { contextSet } from "../shared/context";
import { setting } from "../shared/env";
import { onClose } from "../shared/node";
import type { NodeRedRuntime, RuntimeNode } from "../shared/types";

/** The JSON-safe copy a function node reads with global.get('groupMaps["<name or id>"]'). */
interface PublishedGroupMap {
  id: string;
  name?: string;
  rows: GroupRow[];
  genericGroup?: string;
  /** lower-cased ServiceNow group → Ensono group */
  toEnsono: Record<string, string>;
  /** lower-cased Ensono group → ServiceNow group */
  toSnow: Record<string, string>;
}

interface GroupMapConfig {
  name?: string;
  /** [{snow, ensono}] (or its JSON text) */
  rows?: unknown;
  genericGroup?: string;
}

type GroupMapNode = RuntimeNode & {
  map: GroupMap;
  rows: readonly GroupRow[];
  genericGroup?: string;
  problems: string[];
  toEnsono(snowGroup: string | undefined | null): string | undefined;
  toSnow(ensonoGroup: string | undefined | null): string | undefined;
};

export = function register(RED: NodeRedRuntime): void {
  function GroupMapConfigNode(this: GroupMapNode, config: GroupMapConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    let rows: GroupRow[] = [];
    node.problems = [];
    try {
      rows = parseGroupRows(config.rows ?? []);
    } catch (err) {
      node.problems.push((err as Error).message);
    }
    node.problems.push(...groupRowProblems(rows));
    for (const p of node.problems) node.warn(p);
    node.map = createGroupMap(rows, setting(config.genericGroup));
    node.rows = node.map.rows;
    node.genericGroup = node.map.genericGroup;
    node.toEnsono = (g) => node.map.toEnsono(g);
    node.toSnow = (g) => node.map.toSnow(g);

    const published = publish(node.id, config.name, node.map);
    const keys = [contextKey(node.id), ...(config.name && config.name.trim() ? [contextKey(config.name.trim())] : [])];
    const global = node.context().global;
    for (const k of keys) contextSet(global, k, published).catch((err: unknown) => node.warn(`group map not published: ${String((err as Error)?.message ?? err)}`));
    onClose(node, async () => {
      for (const k of keys) await contextSet(global, k, undefined).catch(() => undefined);
    });
  }
  RED.nodes.registerType("group-map", GroupMapConfigNode);
};

function contextKey(name: string): string {
  return `groupMaps[${JSON.stringify(name)}]`;
}

function publish(id: string, name: string | undefined, map: GroupMap): PublishedGroupMap {
  const toEnsono: Record<string, string> = {};
  const toSnow: Record<string, string> = {};
  for (const r of map.rows) {
    const s = r.snow.toLowerCase();
    const e = r.ensono.toLowerCase();
    if (!(s in toEnsono)) toEnsono[s] = r.ensono;
    if (!(e in toSnow)) toSnow[e] = r.snow;
  }
  return { id, name: name || undefined, rows: map.rows.map((r) => ({ ...r })), genericGroup: map.genericGroup, toEnsono, toSnow };
}
