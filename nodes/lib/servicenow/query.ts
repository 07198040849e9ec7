import { inputInvalid } from "../errors";

/**
 * Building ServiceNow encoded queries (sysparm_query) from values that may
 * come from users or other systems.
 *
 * An encoded query has no escape for its separator: `^` (AND), `^OR`, `^NQ`
 * and `^EQ` are recognised wherever they appear, so a value holding a caret
 * could add conditions of its own ("x^NQactive=true" would match every active
 * record). ServiceNow documents no escape for it, so a value with a `^` is
 * refused with INPUT_INVALID before anything is sent. Line breaks are refused
 * too (the platform trims them), and list operators (IN, NOT IN) refuse a
 * comma inside an item, BETWEEN an `@` inside a bound.
 */

export type QueryOperator =
  | "="
  | "!="
  | ">"
  | ">="
  | "<"
  | "<="
  | "LIKE"
  | "NOT LIKE"
  | "STARTSWITH"
  | "ENDSWITH"
  | "IN"
  | "NOT IN"
  | "ISEMPTY"
  | "ISNOTEMPTY"
  | "BETWEEN";

const FIELD = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const NO_VALUE = new Set<QueryOperator>(["ISEMPTY", "ISNOTEMPTY"]);

/** Checks a field name (dot-walks allowed): lower-case letters, digits and underscores. */
export function checkField(field: string, what = "field name"): string {
  if (typeof field !== "string" || !FIELD.test(field)) throw inputInvalid(`"${String(field)}" is not a ServiceNow ${what} (lower-case letters, digits, _ and . only)`, { field });
  return field;
}

/** Checks a table name. */
export function checkTable(table: string): string {
  if (typeof table !== "string" || !/^[a-z0-9_]+$/.test(table)) throw inputInvalid(`"${String(table)}" is not a ServiceNow table name (lower-case letters, digits and _ only)`, { table });
  return table;
}

/**
 * Returns the value as it may stand in an encoded query, or throws
 * INPUT_INVALID when it holds a character that would change the query.
 */
export function queryValue(value: unknown, field = "value"): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") throw inputInvalid(`The value for ${field} must be text, not an object`, { field });
  const s = String(value);
  if (s.includes("^")) throw inputInvalid(`The value for ${field} contains "^", which ServiceNow reads as a query separator and cannot escape; refusing to query with it`, { field });
  if (/[\r\n]/.test(s)) throw inputInvalid(`The value for ${field} contains a line break, which an encoded query cannot carry`, { field });
  return s;
}

/** One condition, its value checked. */
export function condition(field: string, op: QueryOperator, value?: unknown): string {
  checkField(field);
  if (NO_VALUE.has(op)) return `${field}${op}`;
  if (op === "IN" || op === "NOT IN") {
    const items = Array.isArray(value) ? value : String(value ?? "").split(",");
    const parts = items.map((v) => {
      const s = queryValue(v, field);
      if (s.includes(",")) throw inputInvalid(`A value for ${field} contains ",", which separates the items of an IN list`, { field });
      return s;
    });
    return `${field}${op}${parts.join(",")}`;
  }
  if (op === "BETWEEN") {
    const [lo, hi] = Array.isArray(value) ? value : [];
    const a = queryValue(lo, field);
    const b = queryValue(hi, field);
    if (a.includes("@") || b.includes("@")) throw inputInvalid(`A bound for ${field} contains "@", which separates BETWEEN bounds`, { field });
    return `${field}BETWEEN${a}@${b}`;
  }
  return `${field}${op}${queryValue(value, field)}`;
}

/** Field equals value: the most common lookup (number, correlation_id…). */
export function eq(field: string, value: unknown): string {
  return condition(field, "=", value);
}

/** Splits an encoded query at top-level `^NQ` (new query = OR of whole groups). */
export function splitNewQuery(query: string): string[] {
  return query.split(/\^NQ/);
}

/** Removes ORDERBY/ORDERBYDESC/EQ terms (they are added back where the caller wants them). */
export function stripOrdering(query: string): string {
  return query
    .split("^")
    .filter((t) => !/^(ORDERBY|ORDERBYDESC|GROUPBY)/.test(t) && t !== "EQ")
    .join("^")
    .replace(/^(NQ)+/, "");
}

/**
 * ANDs conditions onto a query written by the integrator (trusted: it is
 * their filter, typed in the dialog), distributing over `^NQ` groups, since
 * an appended `^cond` would otherwise bind to the last group only.
 * Empty parts are skipped; ordering terms of the base are removed.
 */
export function andQuery(base: string | undefined, ...conditions: Array<string | undefined | false>): string {
  const extra = conditions.filter((c): c is string => typeof c === "string" && c !== "");
  const cleaned = stripOrdering((base ?? "").trim());
  const groups = cleaned === "" ? [""] : splitNewQuery(cleaned).map((g) => g.replace(/^\^+|\^+$/g, ""));
  const out = groups.map((g) => [g, ...extra].filter((p) => p !== "").join("^"));
  return out.filter((g) => g !== "").join("^NQ");
}

/** ORs whole queries (each may itself hold ^NQ groups). */
export function orQueries(...queries: string[]): string {
  return queries.filter((q) => q !== "").join("^NQ");
}

/** Appends ORDERBY terms. */
export function orderBy(query: string, ...fields: Array<string | { field: string; desc?: boolean }>): string {
  const terms = fields.map((f) => (typeof f === "string" ? `ORDERBY${checkField(f)}` : `${f.desc ? "ORDERBYDESC" : "ORDERBY"}${checkField(f.field)}`));
  return [query, ...terms].filter((p) => p !== "").join("^");
}

/**
 * Checks a query the integrator wrote in the dialog or sent in msg: it is
 * used as written (it is theirs), but each condition must start with a field
 * name so that typos fail here rather than being silently dropped by the
 * instance (which ignores conditions it cannot parse).
 */
export function checkEncodedQuery(query: string): string {
  const q = (query ?? "").trim();
  if (q === "") return q;
  for (const raw of q.split("^")) {
    let term = raw;
    if (term === "" || term === "EQ") continue;
    if (term.startsWith("NQ")) term = term.slice(2);
    if (/^(ORDERBY|ORDERBYDESC|GROUPBY)/.test(term)) continue;
    if (term.startsWith("OR")) term = term.slice(2);
    if (!/^[a-z0-9_][a-z0-9_.]*(=|!=|>=|<=|>|<|[A-Z][A-Z ]*)/.test(term)) {
      throw inputInvalid(`"${raw}" in the encoded query is not a condition (field, operator, value)`, { query: q });
    }
  }
  return q;
}
