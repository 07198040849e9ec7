/**
 * What the integration user itself wrote, so that the watch does not emit
 * the integration's own changes back (no echo loops). Each write through the
 * client records, per record, the values it set and the sys_mod_count the
 * record had after the write. The watch treats a field change as an echo
 * when the current value is the one written and the write came after the
 * version it last saw. Kept in memory, bounded; after a restart the watch
 * falls back to sys_updated_by (see watch.ts).
 */
export interface OwnWrite {
  /** sys_mod_count of the record right after the write */
  modCount: number;
  values: Record<string, string>;
  at: number;
}

export class WriteMemo {
  private readonly records = new Map<string, OwnWrite[]>();

  constructor(private readonly max = 5000) {}

  private key(table: string, sysId: string): string {
    return `${table}:${sysId}`;
  }

  record(table: string, sysId: string, values: Record<string, unknown>, modCount: number, at = Date.now()): void {
    const k = this.key(table, sysId);
    const str: Record<string, string> = {};
    for (const [f, v] of Object.entries(values)) if (v !== undefined && f !== "comments" && f !== "work_notes") str[f] = stringValue(v);
    const list = this.records.get(k) ?? [];
    list.push({ modCount, values: str, at });
    if (list.length > 20) list.splice(0, list.length - 20);
    this.records.delete(k);
    this.records.set(k, list);
    while (this.records.size > this.max) this.records.delete(this.records.keys().next().value as string);
  }

  /** Whether the integration wrote `value` to `field` after version `sinceModCount`. */
  wrote(table: string, sysId: string, field: string, value: string, sinceModCount: number): boolean {
    const list = this.records.get(this.key(table, sysId));
    if (!list) return false;
    // the latest write of the field after the version decides
    for (let i = list.length - 1; i >= 0; i--) {
      const w = list[i];
      if (w.modCount <= sinceModCount) break;
      if (field in w.values) return w.values[field] === value;
    }
    return false;
  }

  /** Whether any write of this record is known (after version `sinceModCount`). */
  knows(table: string, sysId: string, sinceModCount = -1): boolean {
    const list = this.records.get(this.key(table, sysId));
    return !!list && list.some((w) => w.modCount > sinceModCount);
  }
}

/** ServiceNow returns every value as a string (with sysparm_exclude_reference_link). */
export function stringValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object" && v !== null && "value" in v) return stringValue((v as { value: unknown }).value);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
