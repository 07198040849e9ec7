/**
 * The one-line text form of a row that the status-map dialog edits:
 *   when:  `status = opened | reopened; incidentState != 7 | 8`
 *   to:    `state = 1; assignment_group = {{accountGroup}}`, steps joined by ` >> `
 * (`field = *` any value, `field =` empty, `!=` none of the values).
 * The editor carries a copy of these few lines; the tests keep both honest.
 */
import type { Condition } from "./table";

export function formatWhen(when: Record<string, Condition>): string {
  return Object.entries(when ?? {})
    .map(([f, c]) => {
      if (c !== null && typeof c === "object" && !Array.isArray(c)) return `${f} != ${([] as string[]).concat(c.not).join(" | ")}`;
      return `${f} = ${([] as string[]).concat(c as string | string[]).join(" | ")}`;
    })
    .join("; ");
}

export function parseWhen(text: string): Record<string, Condition> {
  const out: Record<string, Condition> = {};
  for (const part of text.split(";").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=!]+?)\s*(!=|=)\s*(.*)$/.exec(part);
    if (!m) throw new Error(`"${part}" is not "field = value" or "field != value"`);
    const values = m[3].split("|").map((s) => s.trim());
    const cond: string | string[] = values.length === 1 ? values[0] : values;
    out[m[1].trim()] = m[2] === "!=" ? { not: cond } : cond;
  }
  return out;
}

export function formatValues(values: Record<string, string>): string {
  return Object.entries(values ?? {})
    .map(([k, v]) => `${k} = ${v}`)
    .join("; ");
}

export function parseValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(";").map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0) throw new Error(`"${part}" is not "field = value"`);
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export function formatSteps(steps: Array<Record<string, string>>): string {
  return steps.map(formatValues).join(" >> ");
}

export function parseSteps(text: string): Array<Record<string, string>> {
  return text.split(">>").map((s) => parseValues(s));
}
