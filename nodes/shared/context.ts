import type { ContextStore, NodeRedRuntime, RuntimeNode } from "./types";

/**
 * Promise access to a node's context, and the check that the chosen store
 * survives a restart (watch positions and bonds must: PRODUCT.md, Context).
 */
export function contextGet<T>(ctx: ContextStore, key: string, store?: string): Promise<T | undefined> {
  return new Promise((resolve, reject) => ctx.get(key, store || undefined, (err, value) => (err ? reject(err) : resolve(value as T | undefined))));
}

export function contextSet(ctx: ContextStore, key: string, value: unknown, store?: string): Promise<void> {
  return new Promise((resolve, reject) => ctx.set(key, value, store || undefined, (err) => (err ? reject(err) : resolve())));
}

export function contextKeys(ctx: ContextStore, store?: string): Promise<string[]> {
  return new Promise((resolve, reject) => ctx.keys(store || undefined, (err, keys) => (err ? reject(err) : resolve(keys ?? []))));
}

interface StoreConfig {
  module?: unknown;
}

/**
 * Whether `store` (or the default store when empty) keeps its values across a
 * restart: anything but the in-memory module does.
 */
export function isPersistentStore(RED: NodeRedRuntime, store?: string): boolean {
  const settings = RED.settings as { contextStorage?: Record<string, StoreConfig | string> };
  const stores = settings.contextStorage;
  if (!stores || Object.keys(stores).length === 0) return false;
  let name = store && store !== "" ? store : "default";
  let cfg = stores[name];
  // "default": "file" aliases another store
  if (typeof cfg === "string") cfg = stores[cfg];
  if (cfg === undefined && name === "default") {
    name = Object.keys(stores)[0];
    cfg = stores[name];
    if (typeof cfg === "string") cfg = stores[cfg];
  }
  if (!cfg || typeof cfg !== "object") return false;
  return cfg.module !== "memory" && cfg.module !== undefined;
}

export type { ContextStore, RuntimeNode };
