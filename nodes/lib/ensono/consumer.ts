import { setMaxListeners } from "node:events";
import { toCaseExchangeError, type CaseExchangeError } from "../errors";
import { TicketDispatcher } from "./dispatcher";
import type { EnsonoQueueClient, EnsonoTransaction } from "./queue";

/**
 * The queue reader behind ensono-queue-in, free of Node-RED so it is tested
 * on its own: polls with a setTimeout chain (never two reads at once), reads
 * again at once while reads bring messages or deletions free tickets, hands
 * transactions out one per ticket in order, and deletes a transaction only
 * after the flow confirmed it — the confirmation stored first, so a
 * redelivery of a confirmed transaction is deleted, never handed out again.
 * Several nodes reading one queue share one consumer (shared-queue.ts): its
 * lanes, per-transaction settings, `leave`, `remember`, `settle` and
 * `release` exist for them; a consumer with one reader uses none of them.
 */
export interface ConfirmationStore {
  load(): Promise<Record<string, number> | undefined>;
  save(confirmed: Record<string, number>): Promise<void>;
}

export type ConsumerEvent =
  | { type: "polled"; at: number; received: number }
  | { type: "poll-failed"; error: CaseExchangeError }
  | { type: "delete-deferred"; tx: EnsonoTransaction; error: CaseExchangeError }
  | { type: "deleted"; tx: EnsonoTransaction }
  | { type: "out-of-scope"; tx: EnsonoTransaction }
  | { type: "left"; tx: EnsonoTransaction }
  | { type: "released"; tx: EnsonoTransaction; reason: string }
  | { type: "changed" };

/** A setting that is the same for every transaction, or depends on it (e.g. on the node it goes to). */
export type PerTransaction<V> = V | ((tx: EnsonoTransaction) => V);

export interface ConsumerOptions {
  queue: EnsonoQueueClient;
  store: ConfirmationStore;
  intervalMs: number;
  /** transactions in flight at once, all lanes together */
  maxConcurrency: number;
  /** a transaction not confirmed within this time counts as failed */
  handlingTimeoutMs: PerTransaction<number>;
  /** ApproximateReceiveCount at which a failure is final (second output, then delete) */
  maxDeliveries: PerTransaction<number>;
  /** false: out of scope, deleted without being handed out */
  inScope(tx: EnsonoTransaction): boolean;
  /** true: neither handed out nor deleted, left in the queue (the bridge delivers it again after its visibility timeout) */
  leave?(tx: EnsonoTransaction): boolean;
  /** concurrency lanes (e.g. one per node that receives transactions): maxConcurrency applies to all, laneLimit to each */
  laneOf?(tx: EnsonoTransaction): string;
  laneLimit?(lane: string): number;
  /** first output */
  emit(tx: EnsonoTransaction): void;
  /** second output: a transaction given up, with the reason */
  reject(tx: EnsonoTransaction, reason: string): void;
  onEvent?(event: ConsumerEvent): void;
  /** stop reading while this many read transactions wait their turn */
  maxHeld?: number;
  /** how long a confirmation is kept when its delete could not be done (the bridge's retention: 4 days) */
  retentionMs?: number;
  now?: () => number;
}

export type ConfirmOutcome = "deleting" | "recorded" | "duplicate";
export type FailOutcome = "released" | "given-up" | "ignored";

export class QueueConsumer {
  private readonly dispatcher: TicketDispatcher<EnsonoTransaction>;
  private readonly confirmed = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly deletes = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private deletions = 0;
  private saving: Promise<void> = Promise.resolve();
  private paused = false;
  private closing = false;
  private closed = false;
  private started = false;
  private lastErrorCode: string | undefined;
  private idleWaiters: Array<{ matches: (tx: EnsonoTransaction) => boolean; resolve: () => void }> = [];
  private readonly loads = new Set<Promise<void>>();
  private intervalMs: number;
  lastPoll: number | undefined;

  constructor(private readonly opts: ConsumerOptions) {
    this.intervalMs = opts.intervalMs;
    this.dispatcher = new TicketDispatcher({
      maxConcurrency: opts.maxConcurrency,
      laneOf: opts.laneOf && ((tx) => opts.laneOf!(tx)),
      laneLimit: opts.laneLimit && ((lane) => opts.laneLimit!(lane)),
    });
    // one signal serves every read and delete in flight
    setMaxListeners(0, this.abort.signal);
  }

  private per<V>(setting: PerTransaction<V>, tx: EnsonoTransaction): V {
    return typeof setting === "function" ? (setting as (tx: EnsonoTransaction) => V)(tx) : setting;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get inFlightCount(): number {
    return this.dispatcher.inFlightCount;
  }
  /** in-flight transactions of one lane */
  inFlightCountOf(lane: string): number {
    return this.dispatcher.inFlightCountOf(lane);
  }
  get heldCount(): number {
    return this.dispatcher.pendingCount;
  }
  get isPaused(): boolean {
    return this.paused;
  }
  /** the code of the last failed read, until a read succeeds */
  get errorCode(): string | undefined {
    return this.lastErrorCode;
  }

  async start(): Promise<void> {
    await this.remember(this.opts.store.load());
    this.started = true;
    if (!this.closing) this.schedule(0);
  }

  /**
   * Adds confirmations stored elsewhere (another node's context, for a queue
   * several nodes share). No read starts, and no read's transactions are
   * looked at, until they are in.
   */
  remember(stored: Promise<Record<string, number> | undefined>): Promise<void> {
    const p = stored.then((record) => {
      if (record && typeof record === "object") for (const [id, at] of Object.entries(record)) if (typeof at === "number" && !this.confirmed.has(id)) this.confirmed.set(id, at);
    });
    const settled = p.catch(() => undefined);
    this.loads.add(settled);
    void settled.finally(() => this.loads.delete(settled));
    return p;
  }

  /** Poll every intervalMs from now on (a shorter interval takes effect at once). */
  setIntervalMs(ms: number): void {
    const shorter = ms < this.intervalMs;
    this.intervalMs = ms;
    if (shorter && this.timer && !this.polling) this.schedule(ms);
  }

  /** Changes how many transactions may be in flight at once, all lanes together. */
  setMaxConcurrency(n: number): void {
    this.dispatcher.maxConcurrency = Math.max(1, Math.floor(n));
    this.pump();
  }

  /** Hands out what may go now (after a lane's limit or owner changed). */
  refresh(): void {
    this.pump();
    this.changed();
  }

  pause(): void {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pump();
    this.kick();
    this.changed();
  }

  /** Reads now (or right after the read in progress). */
  pollNow(): void {
    this.kick();
  }

  /** The flow handled the transaction: store that, let its ticket go on, delete it. */
  async confirm(messageId: string): Promise<ConfirmOutcome> {
    if (this.confirmed.has(messageId)) return "duplicate";
    this.confirmed.set(messageId, this.now());
    const inFlight = this.dispatcher.isInFlight(messageId);
    const tx = inFlight ? this.dispatcher.get(messageId) : this.dispatcher.remove(messageId);
    if (inFlight) {
      this.clearTimer(messageId);
      this.dispatcher.complete(messageId);
    }
    const saved = this.save();
    this.pump();
    this.changed();
    await saved;
    if (!tx) return "recorded";
    this.deleteConfirmed(tx);
    return "deleting";
  }

  /** The flow could not handle the transaction (or did not answer in time). */
  async fail(messageId: string, reason: string): Promise<FailOutcome> {
    if (this.confirmed.has(messageId) || !this.dispatcher.isInFlight(messageId)) return "ignored";
    const tx = this.dispatcher.get(messageId)!;
    this.clearTimer(messageId);
    const maxDeliveries = this.per(this.opts.maxDeliveries, tx);
    if (tx.receiveCount >= maxDeliveries) {
      this.dispatcher.complete(messageId);
      await this.giveUp(tx, `failed on delivery ${tx.receiveCount} of ${maxDeliveries}: ${reason}`);
      this.pump();
      return "given-up";
    }
    this.dispatcher.abandon(messageId);
    this.opts.onEvent?.({ type: "released", tx, reason });
    this.pump();
    this.changed();
    return "released";
  }

  /** Resolves once no transaction that `matches` is in flight (confirmed or failed), or after graceMs. */
  settle(matches: (tx: EnsonoTransaction) => boolean, graceMs: number): Promise<void> {
    if (graceMs <= 0 || !this.dispatcher.inFlight().some(matches)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, graceMs);
      this.idleWaiters.push({ matches, resolve: done });
      function done() {
        clearTimeout(t);
        resolve();
      }
    });
  }

  /**
   * Lets go of the held transactions that `matches` (in flight or waiting):
   * each with its ticket's later ones, which the bridge delivers again, in
   * order, after its visibility timeout. A confirmation that comes later is
   * still recorded, and the transaction deleted on its next delivery.
   */
  release(matches: (tx: EnsonoTransaction) => boolean): number {
    let dropped = 0;
    for (const tx of this.dispatcher.items()) {
      if (!matches(tx) || !this.dispatcher.get(tx.messageId)) continue;
      for (const d of this.dispatcher.abandon(tx.messageId)) {
        this.clearTimer(d.messageId);
        dropped++;
      }
    }
    if (dropped) {
      this.pump();
      this.changed();
    }
    return dropped;
  }

  /**
   * Stops: no new transaction goes out, confirmations already on their way are taken for up to graceMs, then reads and deletes are aborted.
   * `persist` false skips the final save (the node is being removed: Node-RED cleans its context right after the close, and a
   * write still being flushed then makes that clean fail and the deploy never restart the flows).
   */
  async close(graceMs = 500, persist = true): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.settle(() => true, graceMs);
    this.closed = true;
    this.abort.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.polling?.catch(() => undefined);
    await Promise.allSettled([...this.deletes]);
    await this.saving.catch(() => undefined);
    if (persist) await this.save().catch(() => undefined);
    this.dispatcher.clear();
  }

  // ---- reading ----

  private schedule(delayMs: number): void {
    if (this.closing || this.paused || !this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.drain().finally(() => {
        this.polling = undefined;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        } else this.schedule(this.intervalMs);
      });
    }, delayMs);
  }

  private kick(): void {
    if (this.closing || this.paused) return;
    if (this.polling) this.again = true;
    else this.schedule(0);
  }

  private async drain(): Promise<void> {
    const maxHeld = this.opts.maxHeld ?? Math.max(100, this.dispatcher.maxConcurrency * 10);
    for (;;) {
      if (this.closing || this.paused) return;
      if (this.dispatcher.pendingCount >= maxHeld) return; // a completion kicks the next read
      this.again = false;
      const deletionsBefore = this.deletions;
      // confirmations still being loaded (another node's context) must be in before a read is looked at
      while (this.loads.size) await Promise.all([...this.loads]);
      if (this.closing || this.paused) return;
      let txs: EnsonoTransaction[];
      try {
        txs = await this.opts.queue.receive(this.abort.signal);
      } catch (err) {
        if (this.closed) return;
        const error = toCaseExchangeError(err);
        this.lastErrorCode = error.code;
        this.opts.onEvent?.({ type: "poll-failed", error });
        return;
      }
      this.lastErrorCode = undefined;
      this.lastPoll = this.now();
      while (this.loads.size) await Promise.all([...this.loads]);
      await this.accept(txs);
      this.opts.onEvent?.({ type: "polled", at: this.lastPoll, received: txs.length });
      this.pump();
      this.changed();
      if (!(txs.length > 0 || this.again || this.deletions !== deletionsBefore)) return;
    }
  }

  private async accept(txs: EnsonoTransaction[]): Promise<void> {
    const usable: EnsonoTransaction[] = [];
    for (const tx of txs) {
      if (this.closing) return;
      if (this.confirmed.has(tx.messageId)) {
        // handled before (this run or before a restart): delete, never emit again
        this.dispatcher.remove(tx.messageId);
        this.deleteConfirmed(tx);
      } else if (tx.problem) {
        await this.giveUp(tx, `cannot be handled: ${tx.problem}`);
      } else if (this.opts.leave?.(tx)) {
        // its node is restarting (a redeploy): the bridge delivers it again after the visibility timeout
        this.opts.onEvent?.({ type: "left", tx });
      } else if (!this.opts.inScope(tx)) {
        this.opts.onEvent?.({ type: "out-of-scope", tx });
        this.deleteTx(tx, () => undefined);
      } else usable.push(tx);
    }
    this.dispatcher.offer(usable);
  }

  // ---- handing out ----

  private pump(): void {
    if (this.closing || this.paused) return;
    for (;;) {
      const ready = this.dispatcher.take();
      if (!ready.length) return;
      for (const tx of ready) {
        const timeoutMs = this.per(this.opts.handlingTimeoutMs, tx);
        const t = setTimeout(() => {
          this.timers.delete(tx.messageId);
          void this.fail(tx.messageId, `not confirmed within ${Math.round(timeoutMs / 1000)} s`);
        }, timeoutMs);
        this.timers.set(tx.messageId, t);
        try {
          this.opts.emit(tx);
        } catch {
          /* the emit callback reports its own errors */
        }
      }
    }
  }

  private async giveUp(tx: EnsonoTransaction, reason: string): Promise<void> {
    // stored before the second output and the delete: a redelivery is deleted, not reported twice
    this.confirmed.set(tx.messageId, this.now());
    await this.save();
    this.opts.reject(tx, reason);
    this.deleteConfirmed(tx);
    this.changed();
  }

  // ---- deleting ----

  private deleteConfirmed(tx: EnsonoTransaction): void {
    this.deleteTx(tx, () => {
      // gone from the queue: the confirmation is no longer needed (saved with the next write)
      this.confirmed.delete(tx.messageId);
    });
  }

  private deleteTx(tx: EnsonoTransaction, onDeleted: () => void): void {
    if (this.closed) return;
    const p = this.opts.queue.delete(tx.receiptHandle, this.abort.signal).then(
      () => {
        onDeleted();
        this.deletions++;
        this.opts.onEvent?.({ type: "deleted", tx });
        this.kick();
      },
      (err: unknown) => {
        if (this.closed) return;
        // expired or invalid handle (the message was received again), or the bridge failed:
        // the confirmation stays, and the next delivery of the message is deleted
        this.opts.onEvent?.({ type: "delete-deferred", tx, error: toCaseExchangeError(err) });
      },
    );
    this.deletes.add(p);
    void p.finally(() => this.deletes.delete(p));
  }

  private save(): Promise<void> {
    const retention = this.opts.retentionMs ?? 4 * 24 * 3600_000;
    const oldest = this.now() - retention - 3600_000;
    for (const [id, at] of this.confirmed) if (at < oldest) this.confirmed.delete(id);
    const snapshot = Object.fromEntries(this.confirmed);
    this.saving = this.saving.catch(() => undefined).then(() => this.opts.store.save(snapshot));
    return this.saving;
  }

  private clearTimer(messageId: string): void {
    const t = this.timers.get(messageId);
    if (t) clearTimeout(t);
    this.timers.delete(messageId);
  }

  private changed(): void {
    if (this.idleWaiters.length) {
      const inFlight = this.dispatcher.inFlight();
      const waiting = this.idleWaiters;
      this.idleWaiters = waiting.filter((w) => inFlight.some(w.matches));
      for (const w of waiting) if (!this.idleWaiters.includes(w)) w.resolve();
    }
    this.opts.onEvent?.({ type: "changed" });
  }
}
