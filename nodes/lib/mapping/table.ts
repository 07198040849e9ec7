/**
 * A mapping table as data: ordered rows of {conditions → values}. The first
 * matching row wins (mode "first"), or every matching row contributes a step
 * (mode "all", used to detect several case-exchange operations in one change).
 * A row with `block` is a guard rail: when it matches, nothing is mapped and
 * the result carries `blocked` with the row's reason. Guard rows are checked
 * before the mapping rows, whatever their place in the list.
 *
 * Pure TypeScript: no Node-RED, no I/O. Tables are plain JSON so the
 * status-map dialog can edit, import and export them.
 */

/** One condition on a context field: a value, any of several, or none of several. */
export type Condition = string | string[] | { not: string | string[] };

export interface MappingRow {
  /** field → condition; every condition must hold. Empty = always matches. */
  when: Record<string, Condition>;
  /** field → value (templates `{{field}}` / `{{field|default}}` read the context) */
  to?: Record<string, string>;
  /** several ordered steps instead of one (e.g. resolved then closed); `to` is ignored then */
  steps?: Array<Record<string, string>>;
  /** a guard rail: the reason the transition is stopped */
  block?: string;
  /** free text shown in the dialog and in msg.statusMap.note */
  note?: string;
}

export interface MappingTable {
  /** preset name or a label of the integrator's own */
  name: string;
  description?: string;
  /** the context field a single value (a string or number) is mapped as */
  key: string;
  /** the output field a single value comes back as (payload in, payload out) */
  value?: string;
  /** "first" (default): first matching row; "all": every matching row is a step */
  mode?: "first" | "all";
  /** builds the context from the input before rows are matched (see derive.ts) */
  derive?: "case-exchange-outgoing";
  /** adjusts the mapped values afterwards (see presets.ts) */
  adjust?: "aws-severity-plan";
  rows: MappingRow[];
}

export interface MappingResult {
  /** a mapping row (not a guard) matched */
  matched: boolean;
  /** reason, when a guard row matched: nothing must be sent */
  blocked?: string;
  /** the fields to write (the last step's, or all steps merged in mode "all") */
  values: Record<string, string>;
  /** ordered steps to send; one for an ordinary row */
  steps: Array<Record<string, string>>;
  /** indexes of the rows that matched (guard or mapping) */
  rows: number[];
  /** notes of the matching rows, and of adjustments */
  notes: string[];
}

export type Context = Record<string, unknown>;

/** Reads `a.b.c` from the context; reference objects `{value, display_value}` give both. */
export function fieldValues(context: Context, path: string): string[] {
  let cur: unknown = context;
  for (const part of path.split(".")) {
    if (cur === null || cur === undefined || typeof cur !== "object") return [];
    cur = (cur as Record<string, unknown>)[part];
  }
  return scalarValues(cur);
}

function scalarValues(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === "string") return [v.trim()];
  if (typeof v === "number" || typeof v === "boolean") return [String(v)];
  if (Array.isArray(v)) return v.flatMap(scalarValues);
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const out: string[] = [];
    if ("value" in o) out.push(...scalarValues(o.value));
    if ("display_value" in o) out.push(...scalarValues(o.display_value));
    return out;
  }
  return [];
}

/** The first non-empty value of a field, or "" (the value as a template sees it). */
export function fieldText(context: Context, path: string): string {
  return fieldValues(context, path).find((s) => s !== "") ?? "";
}

/**
 * Whether a pattern matches a value: case-insensitive, `*` is a wildcard
 * ("*" alone = any non-empty value), "" matches an empty or missing field.
 */
export function patternMatches(pattern: string, value: string): boolean {
  const p = pattern.trim().toLowerCase();
  const v = value.trim().toLowerCase();
  if (p === "") return v === "";
  if (p === "*") return v !== "";
  if (!p.includes("*")) return p === v;
  const re = new RegExp("^" + p.split("*").map(escapeRe).join(".*") + "$");
  return re.test(v);
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

export function conditionHolds(condition: Condition, values: string[]): boolean {
  const candidates = values.length ? values : [""];
  if (condition !== null && typeof condition === "object" && !Array.isArray(condition)) {
    const pats = ([] as string[]).concat(condition.not);
    return !pats.some((p) => candidates.some((v) => patternMatches(String(p), v)));
  }
  const pats = ([] as string[]).concat(condition as string | string[]);
  return pats.some((p) => candidates.some((v) => patternMatches(String(p), v)));
}

export function rowMatches(row: MappingRow, context: Context): boolean {
  return Object.entries(row.when ?? {}).every(([field, cond]) => conditionHolds(cond, fieldValues(context, field)));
}

const TEMPLATE = /\{\{\s*([^}|]+?)\s*(?:\|([^}]*))?\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*([^}|]+?)\s*\}\}$/;

/**
 * Fills `{{field}}` and `{{field|default}}` from the context. A value that is
 * only `{{field}}` with the field empty gives undefined: the field is left out
 * (not cleared) — write `{{field|}}` to clear it.
 */
export function fillTemplate(template: string, context: Context): string | undefined {
  const whole = WHOLE_TEMPLATE.exec(template);
  if (whole) {
    const v = fieldText(context, whole[1]);
    return v === "" ? undefined : v;
  }
  return template.replace(TEMPLATE, (_m, field: string, dflt?: string) => {
    const v = fieldText(context, field);
    return v !== "" ? v : (dflt ?? "");
  });
}

function fillValues(values: Record<string, string>, context: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    const filled = fillTemplate(String(v), context);
    if (filled !== undefined) out[k] = filled;
  }
  return out;
}

function rowSteps(row: MappingRow, context: Context): Array<Record<string, string>> {
  if (row.steps && row.steps.length) return row.steps.map((s) => fillValues(s, context));
  return [fillValues(row.to ?? {}, context)];
}

/**
 * Maps a context (an object of fields, or a single value taken as the table's
 * key field) through a table.
 */
export function applyTable(table: MappingTable, input: unknown): MappingResult {
  const context = toContext(table, input);
  const result: MappingResult = { matched: false, values: {}, steps: [], rows: [], notes: [] };
  // guard rails first
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    if (row.block !== undefined && row.block !== "" && rowMatches(row, context)) {
      result.blocked = fillTemplate(row.block, context) ?? row.block;
      result.rows.push(i);
      if (row.note) result.notes.push(row.note);
      return result;
    }
  }
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    if (row.block !== undefined && row.block !== "") continue;
    if (!rowMatches(row, context)) continue;
    result.matched = true;
    result.rows.push(i);
    if (row.note) result.notes.push(row.note);
    for (const step of rowSteps(row, context)) {
      if (!result.steps.some((s) => sameValues(s, step))) result.steps.push(step);
    }
    if (table.mode !== "all") break;
  }
  if (result.matched) {
    result.values = table.mode === "all" ? Object.assign({}, ...result.steps) : { ...result.steps[result.steps.length - 1] };
  }
  return result;
}

function sameValues(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** A scalar becomes `{[table.key]: value}`; an object is used as it is. */
export function toContext(table: Pick<MappingTable, "key">, input: unknown): Context {
  if (input !== null && typeof input === "object" && !Array.isArray(input)) return input as Context;
  return { [table.key]: input === undefined || input === null ? "" : String(input) };
}

/** Problems that make a table unusable (empty when it is fine). */
export function validateTable(table: unknown): string[] {
  const errors: string[] = [];
  if (!table || typeof table !== "object" || Array.isArray(table)) return ["the table must be an object with rows"];
  const t = table as Partial<MappingTable>;
  if (typeof t.key !== "string" || t.key.trim() === "") errors.push("key (the field a single value is mapped as) is missing");
  if (t.mode !== undefined && t.mode !== "first" && t.mode !== "all") errors.push(`mode must be "first" or "all", not ${JSON.stringify(t.mode)}`);
  if (t.derive !== undefined && t.derive !== "case-exchange-outgoing") errors.push(`unknown derive ${JSON.stringify(t.derive)}`);
  if (t.adjust !== undefined && t.adjust !== "aws-severity-plan") errors.push(`unknown adjust ${JSON.stringify(t.adjust)}`);
  if (!Array.isArray(t.rows)) {
    errors.push("rows must be an array");
    return errors;
  }
  t.rows.forEach((row, i) => {
    const n = `row ${i + 1}`;
    if (!row || typeof row !== "object") {
      errors.push(`${n} is not an object`);
      return;
    }
    if (!row.when || typeof row.when !== "object" || Array.isArray(row.when)) errors.push(`${n}: "when" must be an object of field conditions`);
    else {
      for (const [f, c] of Object.entries(row.when)) {
        const ok =
          typeof c === "string" ||
          (Array.isArray(c) && c.every((x) => typeof x === "string")) ||
          (c !== null && typeof c === "object" && !Array.isArray(c) && "not" in c && (typeof c.not === "string" || (Array.isArray(c.not) && c.not.every((x) => typeof x === "string"))));
        if (!ok) errors.push(`${n}: condition on ${f} must be a string, a list of strings or {not: …}`);
      }
    }
    const isBlock = typeof row.block === "string" && row.block !== "";
    if (row.block !== undefined && typeof row.block !== "string") errors.push(`${n}: block must be a reason (text)`);
    if (row.to !== undefined && !isValues(row.to)) errors.push(`${n}: "to" must be an object of text values`);
    if (row.steps !== undefined && (!Array.isArray(row.steps) || !row.steps.every(isValues))) errors.push(`${n}: "steps" must be a list of objects of text values`);
    if (!isBlock && row.to === undefined && row.steps === undefined) errors.push(`${n}: needs "to", "steps" or "block"`);
  });
  return errors;
}

function isValues(v: unknown): v is Record<string, string> {
  return !!v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

/** A table from its JSON export (string or object); throws with the problems listed. */
export function parseTable(json: string | unknown): MappingTable {
  const data = typeof json === "string" ? (JSON.parse(json) as unknown) : json;
  const errors = validateTable(data);
  if (errors.length) throw new Error(`invalid mapping table: ${errors.join("; ")}`);
  return data as MappingTable;
}

/** The JSON export of a table (what the dialog's Export button writes). */
export function exportTable(table: MappingTable): string {
  return JSON.stringify(table, null, 2);
}
