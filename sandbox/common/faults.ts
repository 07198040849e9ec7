/**
 * Fault injection shared by the simulators: added latency, a number of
 * upcoming requests answered with a 5xx, or left hanging (a timeout as the
 * client sees it). Each rule may be limited to a method and a path prefix.
 */
export interface FaultRule {
  /** Only requests whose path starts with this (after the simulator's own prefix handling). */
  pathPrefix?: string;
  method?: string;
  /** What to do. */
  kind: "latency" | "status" | "timeout" | "reset";
  /** latency: milliseconds to wait before answering. */
  ms?: number;
  /** status: the HTTP status to answer (default 503). */
  status?: number;
  /** status: the body to answer (a string or an object sent as JSON). */
  body?: unknown;
  /** How many matching requests this rule applies to; Infinity when omitted. */
  count?: number;
  /** timeout/latency only: process the request after the delay (the call reached the server) instead of dropping it. */
  process?: boolean;
}

export interface FaultDecision {
  latencyMs: number;
  /** answer with this instead of processing */
  respond?: { status: number; body: unknown };
  /** never answer; `process` says whether the request still takes effect */
  hang?: { process: boolean };
  reset?: boolean;
}

export class FaultInjector {
  private rules: Array<FaultRule & { remaining: number }> = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.count ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.pathPrefix && !path.startsWith(rule.pathPrefix)) continue;
      if (rule.kind === "latency") {
        decision.latencyMs += rule.ms ?? 0;
        if (rule.remaining !== Infinity) rule.remaining--;
        continue;
      }
      if (decision.respond || decision.hang || decision.reset) continue;
      rule.remaining--;
      if (rule.kind === "status") decision.respond = { status: rule.status ?? 503, body: rule.body ?? "Service Unavailable" };
      else if (rule.kind === "timeout") decision.hang = { process: rule.process ?? false };
      else if (rule.kind === "reset") decision.reset = true;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }
}
