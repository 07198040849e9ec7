/**
 * The ordering rule of the Ensono queue ("READING, PROCESSING, AND DELETING
 * FROM THE QUEUE"): transactions are grouped by MessageGroupId (the ticket),
 * a ticket's transactions are handled one at a time in SentTimestamp order
 * (SequenceNumber breaks ties), and different tickets proceed concurrently,
 * up to a limit. Pure bookkeeping: no I/O, no timers.
 */
export interface DispatchItem {
  messageId: string;
  /** MessageGroupId: the ticket */
  group: string;
  sentTimestamp: number;
  sequenceNumber?: string;
}

/** Negative when `a` comes before `b` within one ticket. */
export function compareItems(a: DispatchItem, b: DispatchItem): number {
  if (a.sentTimestamp !== b.sentTimestamp) return a.sentTimestamp - b.sentTimestamp;
  const sa = a.sequenceNumber ?? "";
  const sb = b.sequenceNumber ?? "";
  if (/^\d+$/.test(sa) && /^\d+$/.test(sb)) {
    const x = BigInt(sa);
    const y = BigInt(sb);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return 0;
}

interface Group<T> {
  inFlight?: T;
  pending: T[];
}

export interface OfferResult<T> {
  /** items not held before: queued in their ticket's order */
  added: T[];
  /** items already held (pending or in flight) under the same MessageId: their copy was replaced (a redelivery brings a new receipt handle) */
  refreshed: T[];
}

export interface DispatcherOptions<T> {
  /** how many items may be in flight at once, all lanes together (default 10) */
  maxConcurrency?: number;
  /** the lane of an item (e.g. the node it goes to); without it, one lane */
  laneOf?: (item: T) => string;
  /** how many items of one lane may be in flight at once (0: none for now) */
  laneLimit?: (lane: string) => number;
}

export class TicketDispatcher<T extends DispatchItem> {
  private readonly groups = new Map<string, Group<T>>();
  private readonly byId = new Map<string, T>();
  private inFlightTotal = 0;
  private readonly laneOf?: (item: T) => string;
  private readonly laneLimit?: (lane: string) => number;
  maxConcurrency: number;

  constructor(options: DispatcherOptions<T> = {}) {
    this.maxConcurrency = Math.max(1, Math.floor(options.maxConcurrency ?? 10));
    this.laneOf = options.laneOf;
    this.laneLimit = options.laneLimit;
  }

  /** Adds the items of one read. A MessageId already held is refreshed, never queued twice. */
  offer(items: readonly T[]): OfferResult<T> {
    const added: T[] = [];
    const refreshed: T[] = [];
    for (const item of items) {
      const known = this.byId.get(item.messageId);
      if (known) {
        const g = this.groups.get(known.group)!;
        if (g.inFlight === known) g.inFlight = item;
        else g.pending[g.pending.indexOf(known)] = item;
        this.byId.set(item.messageId, item);
        refreshed.push(item);
        continue;
      }
      let g = this.groups.get(item.group);
      if (!g) {
        g = { pending: [] };
        this.groups.set(item.group, g);
      }
      // stable insertion in ticket order
      let i = g.pending.length;
      while (i > 0 && compareItems(g.pending[i - 1], item) > 0) i--;
      g.pending.splice(i, 0, item);
      this.byId.set(item.messageId, item);
      added.push(item);
    }
    return { added, refreshed };
  }

  /**
   * The items that may start now, each marked in flight: the head of every
   * ticket with nothing in flight, oldest first, up to the concurrency limit
   * (and each lane's own limit, when there are lanes).
   */
  take(): T[] {
    const room = this.maxConcurrency - this.inFlightTotal;
    if (room <= 0) return [];
    const ready: Array<Group<T>> = [];
    for (const g of this.groups.values()) if (!g.inFlight && g.pending.length) ready.push(g);
    ready.sort((a, b) => compareItems(a.pending[0], b.pending[0]));
    const lanes = this.laneOf ? this.laneCounts() : undefined;
    const out: T[] = [];
    for (const g of ready) {
      if (out.length >= room) break;
      if (lanes) {
        const lane = this.laneOf!(g.pending[0]);
        const used = lanes.get(lane) ?? 0;
        if (used >= (this.laneLimit?.(lane) ?? Infinity)) continue;
        lanes.set(lane, used + 1);
      }
      const item = g.pending.shift()!;
      g.inFlight = item;
      this.inFlightTotal++;
      out.push(item);
    }
    return out;
  }

  private laneCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const g of this.groups.values()) if (g.inFlight) counts.set(this.laneOf!(g.inFlight), (counts.get(this.laneOf!(g.inFlight)) ?? 0) + 1);
    return counts;
  }

  /** In-flight items of one lane (all of them without lanes). */
  inFlightCountOf(lane: string): number {
    if (!this.laneOf) return this.inFlightTotal;
    return this.laneCounts().get(lane) ?? 0;
  }

  /** The in-flight item is done (handled, or given up and deleted): its ticket's next item may start. */
  complete(messageId: string): T | undefined {
    const item = this.byId.get(messageId);
    if (!item) return undefined;
    const g = this.groups.get(item.group)!;
    if (g.inFlight !== item) return undefined;
    g.inFlight = undefined;
    this.inFlightTotal--;
    this.byId.delete(messageId);
    if (!g.pending.length) this.groups.delete(item.group);
    return item;
  }

  /**
   * The item failed and stays in the queue: it and every later item of its
   * ticket held here are dropped, because the bridge redelivers them, in
   * order, after the visibility timeout. Returns what was dropped.
   */
  abandon(messageId: string): T[] {
    const item = this.byId.get(messageId);
    if (!item) return [];
    return this.dropGroup(item.group);
  }

  /** Removes a pending (not in flight) item, e.g. one found confirmed already. */
  remove(messageId: string): T | undefined {
    const item = this.byId.get(messageId);
    if (!item) return undefined;
    const g = this.groups.get(item.group)!;
    if (g.inFlight === item) return undefined;
    g.pending.splice(g.pending.indexOf(item), 1);
    this.byId.delete(messageId);
    if (!g.inFlight && !g.pending.length) this.groups.delete(item.group);
    return item;
  }

  private dropGroup(group: string): T[] {
    const g = this.groups.get(group);
    if (!g) return [];
    const dropped = [...(g.inFlight ? [g.inFlight] : []), ...g.pending];
    if (g.inFlight) this.inFlightTotal--;
    for (const d of dropped) this.byId.delete(d.messageId);
    this.groups.delete(group);
    return dropped;
  }

  /** Every item held, in flight or waiting. */
  items(): T[] {
    return [...this.byId.values()];
  }

  get(messageId: string): T | undefined {
    return this.byId.get(messageId);
  }

  isInFlight(messageId: string): boolean {
    const item = this.byId.get(messageId);
    return !!item && this.groups.get(item.group)?.inFlight === item;
  }

  inFlight(): T[] {
    const out: T[] = [];
    for (const g of this.groups.values()) if (g.inFlight) out.push(g.inFlight);
    return out;
  }

  get inFlightCount(): number {
    return this.inFlightTotal;
  }

  get pendingCount(): number {
    return this.byId.size - this.inFlightTotal;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Drops everything (on close). */
  clear(): T[] {
    const all = [...this.byId.values()];
    this.groups.clear();
    this.byId.clear();
    this.inFlightTotal = 0;
    return all;
  }
}
