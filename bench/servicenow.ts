/**
 * ServiceNow watch bench: one watch cycle over 10,000 incidents of which 10
 * changed since the last poll, for the snow-incident watch logic and, in the
 * same run against the same simulator, for a naive full-table scan that diffs
 * every record. Also idle cycles at 1,000 and 10,000 incidents, to show that
 * the watch's idle cost does not grow with the table.
 * Run alone: `node dist/bench/servicenow.js` (after the build).
 */
import { performance } from "node:perf_hooks";
import { SimClock } from "../sandbox/common/clock";
import { startSnowSandbox, type SnowSandbox } from "../sandbox/servicenow";
import { createSnowClient, type SnowClient, type SnowRecord } from "../nodes/lib/servicenow/client";
import { DEFAULT_WATCH_FIELDS, SnowWatcher, type WatchState } from "../nodes/lib/servicenow/watch";

interface Cycle {
  calls: number;
  ms: number;
  events: number;
}

async function measure(sb: SnowSandbox, fn: () => Promise<number>): Promise<Cycle> {
  const before = sb.requests.length;
  const t = performance.now();
  const events = await fn();
  return { calls: sb.requests.length - before, ms: Math.round((performance.now() - t) * 10) / 10, events };
}

/** The naive approach: read every record of the table each cycle and diff it against the previous read. */
class FullScan {
  private last = new Map<string, SnowRecord>();
  constructor(private readonly client: SnowClient) {}
  async cycle(): Promise<number> {
    const rows = await this.client.query("incident", "", { fields: ["sys_id", "number", "sys_updated_on", "sys_updated_by", "sys_mod_count", ...DEFAULT_WATCH_FIELDS] });
    let events = 0;
    const changed: string[] = [];
    for (const r of rows) {
      const prev = this.last.get(r.sys_id);
      if (prev && prev.sys_mod_count !== r.sys_mod_count) {
        changed.push(r.sys_id);
        events += DEFAULT_WATCH_FIELDS.filter((f) => prev[f] !== r[f]).length > 0 ? 1 : 0;
      }
      this.last.set(r.sys_id, r);
    }
    if (changed.length) events += (await this.client.journalFor(changed, {})).length;
    return events;
  }
}

/** Inserts incidents as a busy desk would: about ten per simulated second (the clock is frozen and moved by hand). */
function insertIncidents(sb: SnowSandbox, n: number, from: number): void {
  const t = sb.table("incident");
  for (let i = from; i < from + n; i++) {
    if (i % 10 === 0) sb.clock.advance(1000);
    t.insert({ short_description: `incident ${i}`, urgency: String(1 + (i % 3)), impact: "2", category: "software" }, "agent.smith");
  }
}

function changeTen(sb: SnowSandbox, ids: string[], round: number): void {
  const agent = sb.agent();
  ids.slice(0, 10).forEach((id, i) => {
    sb.clock.advance(300);
    if (i % 3 === 0) agent.comment("incident", id, `customer update ${round}-${i}`);
    else if (i % 3 === 1) agent.update("incident", id, { state: "2" });
    else agent.update("incident", id, { short_description: `reworded ${round}-${i}` });
  });
}

export async function benchServiceNow(): Promise<Record<string, unknown>> {
  const sb = await startSnowSandbox({ clock: new SimClock({ frozen: true }) });
  try {
    const client = createSnowClient({ url: sb.url, auth: { type: "basic", user: "integration", password: "integration-pass" } });
    const watcher = new SnowWatcher(client, { table: "incident" });
    const scan = new FullScan(client);

    // idle cost with 1,000 incidents
    insertIncidents(sb, 1000, 0);
    let state: WatchState = (await watcher.poll(undefined)).state;
    sb.clock.advance(2000);
    const idle1k = await measure(sb, async () => {
      const r = await watcher.poll(state);
      state = r.state;
      return r.events.length;
    });

    // grow to 10,000
    insertIncidents(sb, 9000, 1000);
    sb.clock.advance(2000);
    const catchUp = await measure(sb, async () => {
      const r = await watcher.poll(state);
      state = r.state;
      return r.events.length;
    });
    await scan.cycle(); // the scan's first read (its baseline)
    sb.clock.advance(2000);
    const idle10k = await measure(sb, async () => {
      const r = await watcher.poll(state);
      state = r.state;
      return r.events.length;
    });
    const scanIdle = await measure(sb, () => scan.cycle());

    // 10 of 10,000 change between two polls
    const ids = sb
      .table("incident")
      .query("ORDERBYnumber")
      .filter((_, i) => i % 997 === 5)
      .map((r) => r.sys_id);
    sb.clock.advance(2000);
    changeTen(sb, ids, 1);
    const watch10 = await measure(sb, async () => {
      const r = await watcher.poll(state);
      state = r.state;
      return r.events.length;
    });
    const scan10 = await measure(sb, () => scan.cycle());

    const result = {
      incidents: sb.table("incident").query("").length,
      watch: { tenChanged: watch10, idle10k, idle1k, catchUp9000New: catchUp },
      fullScan: { tenChanged: scan10, idle10k: scanIdle },
    };
    console.log(`ServiceNow watch over ${result.incidents} incidents (simulator on 127.0.0.1):`);
    console.log("                               API calls    time/cycle    events");
    const line = (label: string, c: Cycle) => console.log(`  ${label.padEnd(29)}${String(c.calls).padStart(9)}${(c.ms.toFixed(1) + " ms").padStart(14)}${String(c.events).padStart(10)}`);
    line("watch, 10 changed", watch10);
    line("full scan, 10 changed", scan10);
    line("watch, idle (10,000)", idle10k);
    line("full scan, idle (10,000)", scanIdle);
    line("watch, idle (1,000)", idle1k);
    line("watch, 9,000 new at once", catchUp);
    console.log(`  idle-cycle calls: ${idle1k.calls} at 1,000 incidents, ${idle10k.calls} at 10,000 (the watch's do not grow with the table)`);
    return result;
  } finally {
    await sb.close();
  }
}

if (require.main === module) {
  benchServiceNow().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
