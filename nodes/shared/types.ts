/**
 * The small part of Node-RED's runtime API our nodes use, typed here so the
 * nodes compile against Node-RED 4.1 and 5 alike.
 */
export type NodeMessage = Record<string, unknown> & { _msgid?: string; payload?: unknown; topic?: string };
export type SendFn = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null> | null) => void;
export type DoneFn = (err?: Error) => void;

export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

export interface ContextStore {
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err: Error | null) => void): void;
  keys(store: string | undefined, cb: (err: Error | null, keys: string[]) => void): void;
}

export interface RuntimeNode {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials?: Record<string, string | undefined>;
  on(event: "input", handler: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): void;
  on(event: "close", handler: (removed: boolean, done: () => void) => void): void;
  status(status: NodeStatus | Record<string, never>): void;
  send(msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null> | null): void;
  receive(msg?: NodeMessage): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(text: unknown): void;
  log(text: unknown): void;
  debug(text: unknown): void;
  context(): { flow: ContextStore; global: ContextStore } & ContextStore;
}

export interface NodeRedRuntime {
  nodes: {
    createNode(node: unknown, config: unknown): void;
    registerType(type: string, ctor: unknown, options?: { credentials?: Record<string, { type: "text" | "password" }>; settings?: Record<string, unknown> }): void;
    getNode(id: string): unknown;
    eachNode?(cb: (n: { id: string; type: string }) => void): void;
  };
  httpAdmin: {
    get(path: string, ...handlers: unknown[]): void;
    post(path: string, ...handlers: unknown[]): void;
  };
  auth: { needsPermission(permission: string): unknown };
  settings: Record<string, unknown> & { get?(key: string): unknown };
  _(key: string, substitutions?: Record<string, unknown>): string;
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: unknown, msg: NodeMessage, cb?: (err: Error | null, value: unknown) => void): unknown;
    getMessageProperty(msg: NodeMessage, expr: string): unknown;
    setMessageProperty(msg: NodeMessage, prop: string, value: unknown, createMissing?: boolean): boolean;
    cloneMessage<T>(msg: T): T;
  };
  events?: { on(event: string, cb: (...args: unknown[]) => void): void };
}
