/**
 * Settings that may come from the environment. Node-RED replaces a property
 * whose whole value is `${VAR}` with the variable, and leaves the text as
 * written when VAR is unset; a literal `${…}` therefore counts as "not given"
 * (PRODUCT.md, the environment-variable contract).
 */
const PLACEHOLDER = /^\$\{[^}]*\}$/;

export function isUnresolved(value: unknown): boolean {
  return typeof value === "string" && PLACEHOLDER.test(value.trim());
}

/** The value as given, or undefined when empty or an unresolved `${VAR}`. */
export function given(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  if (s === "" || isUnresolved(s)) return undefined;
  return s;
}

/**
 * The first of: the value as given (after Node-RED's own substitution), the
 * environment variable `envVar`, then `fallback`.
 * Credentials written inside a flow file are dropped when the file is loaded
 * at start, so config nodes also read their secrets through this.
 */
export function setting(value: unknown, envVar?: string, fallback?: string): string | undefined {
  const v = given(value);
  if (v !== undefined) {
    // `${NAME}` written with a different variable still resolves from the environment
    return v;
  }
  if (typeof value === "string" && isUnresolved(value)) {
    const name = value.trim().slice(2, -1);
    const fromNamed = given(process.env[name]);
    if (fromNamed !== undefined) return fromNamed;
  }
  if (envVar) {
    const fromEnv = given(process.env[envVar]);
    if (fromEnv !== undefined) return fromEnv;
  }
  return fallback;
}

export function numberSetting(value: unknown, envVar: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = setting(value, envVar);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}
