import { QueueConsumer, type ConfirmationStore, type ConfirmOutcome, type ConsumerEvent, type FailOutcome } from "./consumer";
import type { EnsonoQueueClient, EnsonoTransaction } from "./queue";

/**
 * One reader per Ensono queue, shared by every ensono-queue-in that reads it.
 *
 * The bridge keeps one FIFO queue per client and environment, and a read
 * hides what it returns from every other reader: two nodes reading the same
 * queue would fight over visibility and ticket order, and each would delete
 * the other's transactions as out of scope. So the nodes of one queue
 * (same environment URL and client name, even through different config
 * nodes) subscribe to one QueueConsumer, kept here:
 *  - the first subscriber creates it, the last one to close stops it; it
 *    polls at the shortest interval of its subscribers;
 *  - a transaction goes to the first subscriber (in the order they
 *    subscribed) whose ticket and transaction types accept it; it is deleted
 *    as out of scope only when no subscriber accepts it. Overlapping
 *    subscribers are reported to both;
 *  - each subscriber keeps its own concurrency, handling time-out, maximum
 *    deliveries and second output (the owner's);
 *  - confirmations and failures may come back through any subscriber;
 *  - it reads and deletes through the connection of the subscriber that
 *    subscribed last (a redeployed config node, e.g. with a new API key,
 *    takes effect although the other subscribers keep the reader running);
 *  - every subscriber's store holds the queue's whole confirmation record,
 *    and on start the union of all of them is loaded before a read is
 *    looked at, so a confirmation survives a restart whichever node's
 *    context (and store) keeps it;
 *  - pause, resume and poll act on the shared reader: a read hides every
 *    transaction it returns, so one subscriber cannot pause alone without
 *    the bridge counting deliveries of its transactions;
 *  - a subscriber that closes without being removed (a redeploy restarting
 *    it) keeps its place for `parkMs`: its transactions are left in the
 *    queue, not deleted as out of scope, until it subscribes again.
 */
export interface QueueSubscriber {
  /** the node's id: a second subscription with the same id takes over the first's place */
  id: string;
  /** the node's name, for messages */
  label: string;
  ticketTypes: readonly string[];
  transactionTypes: readonly string[];
  intervalMs: number;
  maxConcurrency: number;
  handlingTimeoutMs: number;
  maxDeliveries: number;
  store: ConfirmationStore;
  /** first output: a transaction this subscriber owns */
  emit(tx: EnsonoTransaction): void;
  /** second output: a transaction of this subscriber given up (or one no subscriber's types name, when this is the first) */
  reject(tx: EnsonoTransaction, reason: string): void;
  onEvent?(event: SharedQueueEvent): void;
}

export type SharedQueueEvent = ConsumerEvent | { type: "overlap"; other: string; types: string[]; owner: string };

export interface SharedQueueTarget {
  envUrl: string;
  clientName: string;
  /** creates this subscriber's queue client (over its own config node's connection) */
  createQueue(): EnsonoQueueClient;
}

export interface SubscribeOptions {
  /** how long a closed (not removed) subscriber keeps its place; default 30 s */
  parkMs?: number;
  /** grace for a closing subscriber's confirmations on their way; default 500 ms */
  closeGraceMs?: number;
}

export interface QueueSubscription {
  /** the queue: normalised environment URL and client name */
  readonly key: string;
  /** resolves once the reader runs with this subscriber's stored confirmations in; rejects when its store cannot be read */
  readonly ready: Promise<void>;
  readonly subscriberCount: number;
  readonly errorCode: string | undefined;
  readonly lastPoll: number | undefined;
  readonly isPaused: boolean;
  /** this subscriber's transactions in flight */
  readonly inFlightCount: number;
  /** the labels of the other subscribers whose types overlap this one's */
  readonly overlaps: string[];
  pause(): void;
  resume(): void;
  pollNow(): void;
  confirm(messageId: string): Promise<ConfirmOutcome>;
  fail(messageId: string, reason: string): Promise<FailOutcome>;
  /** removed: the node was deleted (no place kept for it) */
  close(removed?: boolean): Promise<void>;
}

type State = "active" | "leaving" | "parked";
interface Entry {
  sub: QueueSubscriber;
  queue: EnsonoQueueClient;
  state: State;
  parkTimer?: NodeJS.Timeout;
}

/** The queue's identity: the environment URL (scheme and host case-insensitive, no trailing slash) and the client name. */
export function queueKey(envUrl: string, clientName: string): string {
  let url = envUrl.trim().replace(/\/+$/, "");
  try {
    const u = new URL(url);
    url = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    /* compared as written */
  }
  return `${url} ${clientName.trim()}`;
}

/** The ticket × transaction type pairs both subscribers accept. */
export function overlapOf(a: Pick<QueueSubscriber, "ticketTypes" | "transactionTypes">, b: Pick<QueueSubscriber, "ticketTypes" | "transactionTypes">): string[] {
  const out: string[] = [];
  for (const t of a.ticketTypes) if (b.ticketTypes.includes(t)) for (const x of a.transactionTypes) if (b.transactionTypes.includes(x)) out.push(`${t} ${x}`);
  return out;
}

function accepts(sub: QueueSubscriber, tx: EnsonoTransaction): boolean {
  return sub.ticketTypes.includes(tx.ticketType) && sub.transactionTypes.includes(tx.transactionType);
}

class SharedQueue {
  readonly entries: Entry[] = [];
  readonly consumer: QueueConsumer;
  private stopping = false;
  /** whose connection reads and deletes: the subscriber that subscribed last */
  private via: Entry;

  constructor(
    readonly key: string,
    queue: EnsonoQueueClient,
    first: QueueSubscriber,
    private readonly opts: Required<SubscribeOptions>,
    private readonly onStopped: () => void,
  ) {
    const entries = this.entries;
    this.via = { sub: first, queue, state: "active" };
    entries.push(this.via);
    const live = () => entries.filter((e) => e.state !== "parked");
    this.consumer = new QueueConsumer({
      queue: {
        receive: (signal) => this.via.queue.receive(signal),
        delete: (handle, signal) => this.via.queue.delete(handle, signal),
      },
      store: {
        load: () => first.store.load(),
        // every subscriber keeps the whole record: the union is loaded on start
        save: async (record) => {
          await Promise.all(live().map((e) => e.sub.store.save(record)));
        },
      },
      intervalMs: first.intervalMs,
      maxConcurrency: first.maxConcurrency,
      handlingTimeoutMs: (tx) => this.ownerOf(tx)?.sub.handlingTimeoutMs ?? first.handlingTimeoutMs,
      maxDeliveries: (tx) => this.ownerOf(tx)?.sub.maxDeliveries ?? first.maxDeliveries,
      inScope: (tx) => this.ownerOf(tx) !== undefined,
      leave: (tx) => {
        const owner = this.ownerOf(tx);
        return !!owner && owner.state !== "active";
      },
      laneOf: (tx) => this.ownerOf(tx)?.sub.id ?? "",
      laneLimit: (lane) => {
        const e = entries.find((x) => x.sub.id === lane);
        return e && e.state === "active" ? e.sub.maxConcurrency : 0;
      },
      emit: (tx) => this.ownerOf(tx)?.sub.emit(tx),
      reject: (tx, reason) => this.problemOwnerOf(tx)?.sub.reject(tx, reason),
      onEvent: (e) => this.dispatch(e),
    });
  }

  /** The first subscriber (active, leaving or parked) whose types accept the transaction. */
  ownerOf(tx: EnsonoTransaction): Entry | undefined {
    return this.entries.find((e) => accepts(e.sub, tx));
  }

  /** Where a transaction given up goes: its owner, else (a type nobody names, or an owner gone) the first live subscriber. */
  private problemOwnerOf(tx: EnsonoTransaction): Entry | undefined {
    const owner = this.ownerOf(tx);
    if (owner && owner.state !== "parked") return owner;
    return this.entries.find((e) => e.state === "active") ?? this.entries.find((e) => e.state === "leaving");
  }

  /** A transaction's events go to its owner (out of scope: to the first subscriber), the reader's to every subscriber. */
  private dispatch(e: ConsumerEvent): void {
    if (e.type === "left") return; // its owner is restarting: nobody to tell
    const live = this.entries.filter((x) => x.state !== "parked");
    if (e.type === "out-of-scope") live[0]?.sub.onEvent?.(e);
    else if ("tx" in e) this.problemOwnerOf(e.tx)?.sub.onEvent?.(e);
    else for (const x of live) x.sub.onEvent?.(e);
  }

  /** Adds a subscriber (or takes over the place of a parked one with the same id). */
  add(sub: QueueSubscriber, queue: EnsonoQueueClient): Promise<void> {
    let entry = this.entries.find((e) => e.sub.id === sub.id);
    if (entry) {
      if (entry.parkTimer) clearTimeout(entry.parkTimer);
      entry.parkTimer = undefined;
      Object.assign(entry, { sub, queue, state: "active" });
    } else {
      entry = { sub, queue, state: "active" };
      this.entries.push(entry);
    }
    this.via = entry;
    this.retune();
    for (const other of this.entries) {
      if (other.sub.id === sub.id || other.state === "parked") continue;
      const types = overlapOf(sub, other.sub);
      if (!types.length) continue;
      const owner = this.entries.indexOf(other) < this.entries.findIndex((e) => e.sub.id === sub.id) ? other.sub.label : sub.label;
      sub.onEvent?.({ type: "overlap", other: other.sub.label, types, owner });
      other.sub.onEvent?.({ type: "overlap", other: sub.label, types, owner });
    }
    const stored = this.consumer.remember(sub.store.load());
    this.consumer.refresh();
    return stored;
  }

  overlapsOf(id: string): string[] {
    const me = this.entries.find((e) => e.sub.id === id);
    if (!me) return [];
    return this.entries.filter((e) => e !== me && e.state === "active" && overlapOf(me.sub, e.sub).length).map((e) => e.sub.label);
  }

  /** Interval and total concurrency follow the live subscribers. */
  private retune(): void {
    const active = this.entries.filter((e) => e.state === "active");
    if (!active.length) return;
    this.consumer.setIntervalMs(Math.min(...active.map((e) => e.sub.intervalMs)));
    this.consumer.setMaxConcurrency(active.reduce((n, e) => n + e.sub.maxConcurrency, 0));
  }

  async remove(id: string, removed: boolean): Promise<void> {
    const entry = this.entries.find((e) => e.sub.id === id);
    if (!entry || entry.state !== "active") return;
    if (!this.entries.some((e) => e !== entry && e.state === "active")) {
      // the last one: stop the reader
      this.stopping = true;
      for (const e of this.entries) if (e.parkTimer) clearTimeout(e.parkTimer);
      this.onStopped();
      await this.consumer.close(this.opts.closeGraceMs, !removed);
      return;
    }
    entry.state = "leaving"; // nothing new goes to it (laneLimit 0); its transactions are left in the queue
    if (this.via === entry) this.via = this.entries.filter((e) => e.state === "active").pop()!;
    this.retune();
    const mine = (tx: EnsonoTransaction) => this.ownerOf(tx) === entry;
    await this.consumer.settle(mine, this.opts.closeGraceMs);
    this.consumer.release(mine);
    if (this.stopping || entry.state !== "leaving") return; // stopped meanwhile, or taken over by a new subscription
    if (removed || this.opts.parkMs <= 0) this.drop(entry);
    else {
      entry.state = "parked";
      entry.parkTimer = setTimeout(() => this.drop(entry), this.opts.parkMs);
      entry.parkTimer.unref?.();
    }
  }

  private drop(entry: Entry): void {
    if (entry.parkTimer) clearTimeout(entry.parkTimer);
    const i = this.entries.indexOf(entry);
    if (i >= 0 && entry.state !== "active") this.entries.splice(i, 1);
    this.consumer.refresh();
  }
}

const queues = new Map<string, SharedQueue>();

/**
 * Subscribes a node to its queue's shared reader, creating and starting the
 * reader when this is the queue's first subscriber.
 */
export function subscribeQueue(target: SharedQueueTarget, sub: QueueSubscriber, options: SubscribeOptions = {}): QueueSubscription {
  const key = queueKey(target.envUrl, target.clientName);
  const opts: Required<SubscribeOptions> = { parkMs: options.parkMs ?? 30_000, closeGraceMs: options.closeGraceMs ?? 500 };
  let shared = queues.get(key);
  let ready: Promise<void>;
  if (!shared) {
    const created = new SharedQueue(key, target.createQueue(), sub, opts, () => {
      if (queues.get(key) === created) queues.delete(key);
    });
    shared = created;
    queues.set(key, created);
    ready = created.consumer.start();
  } else ready = shared.add(sub, target.createQueue());
  const q = shared;
  const c = q.consumer;
  let closed = false;
  return {
    key,
    ready,
    get subscriberCount() {
      return q.entries.filter((e) => e.state === "active").length;
    },
    get errorCode() {
      return c.errorCode;
    },
    get lastPoll() {
      return c.lastPoll;
    },
    get isPaused() {
      return c.isPaused;
    },
    get inFlightCount() {
      return c.inFlightCountOf(sub.id);
    },
    get overlaps() {
      return q.overlapsOf(sub.id);
    },
    pause: () => c.pause(),
    resume: () => c.resume(),
    pollNow: () => c.pollNow(),
    confirm: (messageId) => c.confirm(messageId),
    fail: (messageId, reason) => c.fail(messageId, reason),
    close: async (removed = false) => {
      if (closed) return;
      closed = true;
      await q.remove(sub.id, removed);
    },
  };
}

/** The queues read at the moment, with their active subscribers' ids (for tests and diagnostics). */
export function sharedQueues(): Array<{ key: string; subscribers: string[] }> {
  return [...queues.values()].map((q) => ({ key: q.key, subscribers: q.entries.filter((e) => e.state === "active").map((e) => e.sub.id) }));
}
