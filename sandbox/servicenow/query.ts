/**
 * ServiceNow encoded queries (sysparm_query): `^` AND, `^OR` OR (binds to the
 * condition before it), `^NQ` new query (OR of whole groups), `ORDERBY` /
 * `ORDERBYDESC`, `^EQ` (ignored), `^^` a literal caret inside a value.
 * Conditions: field (dot-walking through references allowed) + operator + value.
 */

export type Operator =
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
  | "BETWEEN"
  | "SAMEAS"
  | "NSAMEAS"
  | "ANYTHING"
  | "INSTANCEOF"
  | "EMPTYSTRING";

export interface Condition {
  field: string;
  op: Operator;
  value: string;
}

/** A group is ANDed conditions, each of which is an OR of alternatives. */
export type Group = Condition[][];

export interface ParsedQuery {
  groups: Group[];
  orderBy: Array<{ field: string; desc: boolean }>;
}

// Longest first so that e.g. "NOT IN" wins over "IN" and ">=" over ">".
const OPERATORS: Array<[string, Operator]> = [
  ["ISNOTEMPTY", "ISNOTEMPTY"],
  ["ISEMPTY", "ISEMPTY"],
  ["EMPTYSTRING", "EMPTYSTRING"],
  ["ANYTHING", "ANYTHING"],
  ["INSTANCEOF", "INSTANCEOF"],
  ["DOESNOTCONTAIN", "NOT LIKE"],
  ["NOT LIKE", "NOT LIKE"],
  ["NOTLIKE", "NOT LIKE"],
  ["NOT IN", "NOT IN"],
  ["NOTIN", "NOT IN"],
  ["NSAMEAS", "NSAMEAS"],
  ["SAMEAS", "SAMEAS"],
  ["STARTSWITH", "STARTSWITH"],
  ["ENDSWITH", "ENDSWITH"],
  ["CONTAINS", "LIKE"],
  ["BETWEEN", "BETWEEN"],
  ["LIKE", "LIKE"],
  ["IN", "IN"],
  ["!=", "!="],
  [">=", ">="],
  ["<=", "<="],
  ["=", "="],
  [">", ">"],
  ["<", "<"],
];

export class QueryError extends Error {}

/** Splits on single `^`, keeping `^^` as a literal caret. */
function splitCarets(q: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < q.length; i++) {
    const ch = q[i];
    if (ch === "^") {
      if (q[i + 1] === "^") {
        cur += "^";
        i++;
        continue;
      }
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** `javascript:gs.dateGenerate('2024-01-01','10:00:00')` → "2024-01-01 10:00:00" (the only script form understood). */
function literal(value: string): string {
  const m = /^javascript:\s*gs\.dateGenerate\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)\s*$/.exec(value);
  if (m) return `${m[1]} ${m[2] === "start" ? "00:00:00" : m[2] === "end" ? "23:59:59" : m[2]}`;
  return value;
}

export function parseCondition(term: string): Condition | undefined {
  // field names are lower case in ServiceNow; operators are upper case words or symbols
  const m = /^[a-z0-9_][a-z0-9_.]*/.exec(term);
  if (!m) return undefined;
  const field = m[0];
  const rest = term.slice(field.length);
  for (const [token, op] of OPERATORS) {
    if (rest.startsWith(token)) return { field, op, value: literal(rest.slice(token.length)) };
  }
  return undefined;
}

export function parseQuery(q: string | undefined | null): ParsedQuery {
  const result: ParsedQuery = { groups: [], orderBy: [] };
  if (!q) return result;
  let group: Group = [];
  const flush = () => {
    result.groups.push(group);
    group = [];
  };
  for (const raw of splitCarets(q)) {
    let term = raw;
    if (term === "" || term === "EQ") continue;
    if (term.startsWith("NQ")) {
      flush();
      term = term.slice(2);
      if (term === "") continue;
    }
    if (term.startsWith("ORDERBYDESC")) {
      result.orderBy.push({ field: term.slice(11), desc: true });
      continue;
    }
    if (term.startsWith("ORDERBY")) {
      result.orderBy.push({ field: term.slice(7), desc: false });
      continue;
    }
    let or = false;
    if (term.startsWith("OR") && group.length > 0) {
      or = true;
      term = term.slice(2);
    }
    const cond = parseCondition(term);
    if (!cond) throw new QueryError(`cannot parse encoded query condition "${raw}"`);
    if (or) group[group.length - 1].push(cond);
    else group.push([cond]);
  }
  flush();
  result.groups = result.groups.filter((g) => g.length > 0);
  return result;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

export function compareValues(a: string, b: string): number {
  if (NUMERIC.test(a) && NUMERIC.test(b)) return Number(a) - Number(b);
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Tests one condition. `get(field)` returns the stored value of a (possibly
 * dot-walked) field, or undefined when the field does not exist.
 * `instanceOf(table)` answers INSTANCEOF on sys_class_name.
 */
export function matchCondition(cond: Condition, get: (field: string) => string | undefined, instanceOf: (cls: string) => boolean): boolean | undefined {
  const v = get(cond.field);
  if (v === undefined) return undefined;
  const val = cond.value;
  const lv = v.toLowerCase();
  const lval = val.toLowerCase();
  switch (cond.op) {
    case "=":
      return NUMERIC.test(v) && NUMERIC.test(val) ? Number(v) === Number(val) : lv === lval;
    case "!=":
      return NUMERIC.test(v) && NUMERIC.test(val) ? Number(v) !== Number(val) : lv !== lval;
    case ">":
      return v !== "" && compareValues(v, val) > 0;
    case ">=":
      return v !== "" && compareValues(v, val) >= 0;
    case "<":
      return v !== "" && compareValues(v, val) < 0;
    case "<=":
      return v !== "" && compareValues(v, val) <= 0;
    case "LIKE":
      return lv.includes(lval);
    case "NOT LIKE":
      return !lv.includes(lval);
    case "STARTSWITH":
      return lv.startsWith(lval);
    case "ENDSWITH":
      return lv.endsWith(lval);
    case "IN":
      return val.split(",").some((x) => x.toLowerCase() === lv);
    case "NOT IN":
      return !val.split(",").some((x) => x.toLowerCase() === lv);
    case "ISEMPTY":
      return v === "";
    case "ISNOTEMPTY":
      return v !== "";
    case "EMPTYSTRING":
      return v === "";
    case "ANYTHING":
      return true;
    case "BETWEEN": {
      const [lo, hi] = val.split("@");
      return v !== "" && compareValues(v, literal(lo ?? "")) >= 0 && compareValues(v, literal(hi ?? "")) <= 0;
    }
    case "SAMEAS": {
      const other = get(val);
      return other !== undefined && other === v;
    }
    case "NSAMEAS": {
      const other = get(val);
      return other !== undefined && other !== v;
    }
    case "INSTANCEOF":
      return instanceOf(val);
  }
}
