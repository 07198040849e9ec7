/**
 * status-map: maps a value or a whole event between two systems through an
 * editable table (a preset or the integrator's own). Output 1: mapped (or
 * passed/defaulted when unmapped); output 2: unmapped (when so chosen) and
 * blocked by a guard rail, with msg.statusMap.blocked = reason.
 */
import { CaseExchangeError } from "../lib/errors";
import { fieldText, PRESETS, resolveTable, runTable, toContext, type Context, type GroupMap, type MappingTable } from "../lib/mapping";
import { adminRoute } from "../shared/admin";
import { onInput } from "../shared/node";
import { StatusReporter } from "../shared/status";
import type { NodeMessage, NodeRedRuntime, RuntimeNode } from "../shared/types";

interface StatusMapConfig {
  name?: string;
  preset?: string;
  /** the edited table (JSON object or string); empty = the preset as shipped */
  table?: unknown;
  property?: string;
  unmapped?: "pass" | "default" | "output";
  defaultValue?: string;
  reopenPolicy?: "allow" | "forbid";
  groupMap?: string;
  bondedGroups?: string;
}

type StatusMapNode = RuntimeNode & { table?: MappingTable };

const short = (s: string, n = 40): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export = function register(RED: NodeRedRuntime): void {
  function StatusMap(this: StatusMapNode, config: StatusMapConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const property = config.property || "payload";
    const policy = config.unmapped ?? "pass";
    const groupMap = config.groupMap ? (RED.nodes.getNode(config.groupMap) as { map?: GroupMap } | null)?.map : undefined;
    const bonded = (config.bondedGroups ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    let table: MappingTable | undefined;
    let problem = "";
    try {
      table = resolveTable(config.preset, config.table);
      node.table = table;
      status.ready(table.name);
    } catch (err) {
      problem = (err as Error).message;
      status.notConfigured("status-map.status.invalid-table");
      node.warn(problem);
    }
    if (config.groupMap && !groupMap) status.notConfigured("status-map.status.no-group-map");

    onInput(
      node,
      async (msg: NodeMessage, send) => {
        if (!table) throw new CaseExchangeError("MAPPING_TABLE_INVALID", problem);
        const raw = RED.util.getMessageProperty(msg, property);
        const scalar = raw === null || raw === undefined || typeof raw !== "object" || Array.isArray(raw);
        const input: Context = { ...toContext(table, Array.isArray(raw) ? String(raw) : raw) };
        if (table.derive === "case-exchange-outgoing") {
          if (input.bondedGroups === undefined) input.bondedGroups = bonded.length ? bonded : (groupMap?.snowGroups() ?? []);
        } else if (groupMap) {
          const ensono = groupMap.toEnsono(fieldText(input, "assignment_group"));
          const snow = groupMap.toSnow(fieldText(input, "group"));
          if (ensono !== undefined && input.ensono_group === undefined) input.ensono_group = ensono;
          if (snow !== undefined && input.snow_group === undefined) input.snow_group = snow;
          if (groupMap.genericGroup && input.generic_client_group === undefined) input.generic_client_group = groupMap.genericGroup;
        }
        const r = runTable(table, input, { defaults: { reopenPolicy: config.reopenPolicy || "allow" } });
        const shown = scalar ? String(raw ?? "") : fieldText(input, table.key);
        const details: Record<string, unknown> = { table: table.name, input: raw, matched: r.matched, values: r.values, steps: r.steps, rows: r.rows, notes: r.notes };
        msg.statusMap = details;
        if (r.blocked) {
          details.blocked = r.blocked;
          status.warning(short(`blocked: ${r.blocked}`, 60));
          send([null, msg]);
          return;
        }
        if (!r.matched) {
          details.unmapped = true;
          status.warning(short(`unmapped: ${shown}`));
          if (policy === "output") {
            send([null, msg]);
            return;
          }
          if (policy === "default") {
            const dflt = config.defaultValue ?? "";
            RED.util.setMessageProperty(msg, property, scalar || !table.value ? dflt : { [table.value]: dflt }, true);
          }
          send([msg, null]);
          return;
        }
        const out = scalar && table.value && r.values[table.value] !== undefined ? r.values[table.value] : r.values;
        RED.util.setMessageProperty(msg, property, out, true);
        const outText = typeof out === "string" ? out : (table.value && r.values[table.value]) || Object.values(r.values).join("/");
        status.done(short(`${shown} → ${r.steps.length > 1 ? r.steps.map((s) => (table!.value && s[table!.value]) || "…").join(" → ") : outText}`));
        send([msg, null]);
      },
      status,
    );
  }

  RED.nodes.registerType("status-map", StatusMap);

  // the dialog's preset list and rows come from the same data the runtime uses
  adminRoute(RED, "get", "/case-exchange/status-map/presets", "status-map.read", async () => PRESETS);
};
