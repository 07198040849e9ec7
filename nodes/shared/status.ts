import type { RuntimeNode } from "./types";

/**
 * The status vocabulary of every node (STYLE.md): not configured, ready,
 * retrying, busy, done, failed, paused. Text never holds secrets: callers pass
 * codes and counts, not messages from remote systems.
 */
export class StatusReporter {
  constructor(private readonly node: RuntimeNode) {}

  notConfigured(text = "not configured"): void {
    this.node.status({ fill: "red", shape: "ring", text });
  }
  ready(text = "ready"): void {
    this.node.status({ fill: "green", shape: "dot", text });
  }
  retrying(attempt: number, max: number, text = "retrying"): void {
    this.node.status({ fill: "yellow", shape: "ring", text: `${text} ${attempt}/${max}` });
  }
  warning(text: string): void {
    this.node.status({ fill: "yellow", shape: "ring", text });
  }
  busy(text = "working"): void {
    this.node.status({ fill: "blue", shape: "dot", text });
  }
  done(text: string): void {
    this.node.status({ fill: "green", shape: "dot", text });
  }
  failed(code: string): void {
    this.node.status({ fill: "red", shape: "ring", text: code });
  }
  paused(text = "paused"): void {
    this.node.status({ fill: "grey", shape: "ring", text });
  }
  clear(): void {
    this.node.status({});
  }
}
