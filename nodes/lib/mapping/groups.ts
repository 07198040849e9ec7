/**
 * ServiceNow assignment group ⇄ Ensono group (the group-map config node's
 * rows), plus the generic client group Ensono gets for internal assignments.
 * Lookups ignore case and surrounding spaces; the first row wins.
 */
export interface GroupRow {
  snow: string;
  ensono: string;
}

export interface GroupMap {
  readonly rows: readonly GroupRow[];
  /** the Ensono group a ticket moves to when assigned to an internal ServiceNow group */
  readonly genericGroup?: string;
  toEnsono(snowGroup: string | undefined | null): string | undefined;
  toSnow(ensonoGroup: string | undefined | null): string | undefined;
  /** the ServiceNow groups of the rows (the groups bonded to Ensono) */
  snowGroups(): string[];
}

const norm = (s: unknown): string => String(s ?? "").trim().toLowerCase();

/** Rows from the dialog or an imported JSON (array of {snow, ensono}); throws on a bad shape. */
export function parseGroupRows(input: unknown): GroupRow[] {
  const data = typeof input === "string" ? (input.trim() === "" ? [] : (JSON.parse(input) as unknown)) : (input ?? []);
  const list = Array.isArray(data) ? data : (data as { rows?: unknown }).rows;
  if (!Array.isArray(list)) throw new Error("group rows must be an array of {snow, ensono}");
  return list.map((r, i) => {
    const row = r as Record<string, unknown>;
    if (!row || typeof row !== "object" || typeof row.snow !== "string" || typeof row.ensono !== "string" || !row.snow.trim() || !row.ensono.trim()) {
      throw new Error(`group row ${i + 1} needs a ServiceNow group (snow) and an Ensono group (ensono)`);
    }
    return { snow: row.snow.trim(), ensono: row.ensono.trim() };
  });
}

/** Problems worth telling the integrator: duplicates make a lookup ambiguous. */
export function groupRowProblems(rows: readonly GroupRow[]): string[] {
  const problems: string[] = [];
  const seenSnow = new Set<string>();
  const seenEnsono = new Set<string>();
  for (const r of rows) {
    if (seenSnow.has(norm(r.snow))) problems.push(`ServiceNow group "${r.snow}" appears twice; the first row wins`);
    if (seenEnsono.has(norm(r.ensono))) problems.push(`Ensono group "${r.ensono}" appears twice; the first row wins`);
    seenSnow.add(norm(r.snow));
    seenEnsono.add(norm(r.ensono));
  }
  return problems;
}

export function createGroupMap(rows: readonly GroupRow[], genericGroup?: string): GroupMap {
  const frozen = Object.freeze(rows.map((r) => Object.freeze({ ...r })));
  const generic = genericGroup && genericGroup.trim() ? genericGroup.trim() : undefined;
  return {
    rows: frozen,
    genericGroup: generic,
    toEnsono: (g) => (norm(g) === "" ? undefined : frozen.find((r) => norm(r.snow) === norm(g))?.ensono),
    toSnow: (g) => (norm(g) === "" ? undefined : frozen.find((r) => norm(r.ensono) === norm(g))?.snow),
    snowGroups: () => frozen.map((r) => r.snow),
  };
}
