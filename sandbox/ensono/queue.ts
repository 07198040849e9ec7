import { createHash, randomBytes, randomUUID } from "node:crypto";

/**
 * One client's SQS FIFO queue as the Envision Connect bridge exposes it:
 * per-group (= per ticket) ordering, a visibility timeout with redelivery,
 * ApproximateReceiveCount, a failure queue (redrive) after maxReceiveCount
 * receives, and retention expiry. Time comes from `now()` (the SimClock).
 */
export interface QueueMessage {
  messageId: string;
  body: Record<string, unknown>;
  md5OfBody: string;
  group: string;
  transactionType: string;
  clientReferenceAvailable: boolean;
  senderId: string;
  sentTimestamp: number;
  sequenceNumber: string;
  deduplicationId: string;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** in flight until this instant (0 = never received / visible) */
  visibleAt: number;
  currentHandle?: string;
  state: "queued" | "deleted" | "failed" | "expired";
}

export interface QueueMessageView {
  messageId: string;
  ticketNumber: string;
  transactionType: string;
  body: Record<string, unknown>;
  sentTimestamp: number;
  sequenceNumber: string;
  receiveCount: number;
  inFlight: boolean;
  state: QueueMessage["state"];
}

export interface QueueOptions {
  now: () => number;
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  retentionMs: number;
  senderId: string;
}

export type DeleteOutcome = { ok: true } | { ok: false; reason: "invalid" | "expired" };

let sequence = 18875507807458288128n;

export function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

export class FifoQueue {
  /** messages still in the queue (visible or in flight), in send order */
  readonly messages: QueueMessage[] = [];
  readonly failed: QueueMessage[] = [];
  private readonly handles = new Map<string, QueueMessage>();

  constructor(private readonly opts: QueueOptions) {}

  send(body: Record<string, unknown>, meta: { group: string; transactionType: string; clientReferenceAvailable: boolean }): QueueMessage {
    const text = JSON.stringify(body);
    sequence += 1_000_000n + BigInt(Math.floor(Math.random() * 1000));
    const seq = sequence.toString();
    const msg: QueueMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(text),
      group: meta.group,
      transactionType: meta.transactionType,
      clientReferenceAvailable: meta.clientReferenceAvailable,
      senderId: this.opts.senderId,
      sentTimestamp: this.opts.now(),
      sequenceNumber: seq,
      deduplicationId: createHash("sha256").update(text + seq).digest("hex"),
      receiveCount: 0,
      visibleAt: 0,
      state: "queued",
    };
    this.messages.push(msg);
    return msg;
  }

  /** Drops messages past their retention period. */
  housekeep(): void {
    const now = this.opts.now();
    for (let i = 0; i < this.messages.length; ) {
      const m = this.messages[i];
      if (m.sentTimestamp + this.opts.retentionMs <= now) {
        m.state = "expired";
        this.messages.splice(i, 1);
      } else i++;
    }
  }

  /**
   * ReceiveMessage on a FIFO queue: up to `max` messages; a group with a
   * message in flight yields nothing; several consecutive messages of one
   * group may come in one batch, in order. A message already received
   * maxReceiveCount times moves to the failure queue instead.
   */
  receive(max = 10): QueueMessage[] {
    this.housekeep();
    const now = this.opts.now();
    const blocked = new Set<string>();
    for (const m of this.messages) if (m.visibleAt > now) blocked.add(m.group);
    const out: QueueMessage[] = [];
    for (let i = 0; i < this.messages.length && out.length < max; ) {
      const m = this.messages[i];
      if (blocked.has(m.group)) {
        i++;
        continue;
      }
      if (m.receiveCount >= this.opts.maxReceiveCount) {
        m.state = "failed";
        m.visibleAt = 0;
        this.messages.splice(i, 1);
        this.failed.push(m);
        continue;
      }
      m.receiveCount++;
      m.firstReceiveTimestamp ??= now;
      m.visibleAt = now + this.opts.visibilityTimeoutMs;
      m.currentHandle = "AQEB" + randomBytes(144).toString("base64");
      this.handles.set(m.currentHandle, m);
      out.push(m);
      i++;
    }
    return out;
  }

  delete(handle: string): DeleteOutcome {
    const m = this.handles.get(handle);
    if (!m) return { ok: false, reason: "invalid" };
    if (m.currentHandle !== handle) return { ok: false, reason: "expired" };
    if (m.state === "deleted") return { ok: true };
    if (m.state !== "queued" || m.visibleAt <= this.opts.now()) return { ok: false, reason: "expired" };
    m.state = "deleted";
    const idx = this.messages.indexOf(m);
    if (idx >= 0) this.messages.splice(idx, 1);
    return { ok: true };
  }

  view(m: QueueMessage): QueueMessageView {
    return {
      messageId: m.messageId,
      ticketNumber: m.group,
      transactionType: m.transactionType,
      body: JSON.parse(JSON.stringify(m.body)) as Record<string, unknown>,
      sentTimestamp: m.sentTimestamp,
      sequenceNumber: m.sequenceNumber,
      receiveCount: m.receiveCount,
      inFlight: m.state === "queued" && m.visibleAt > this.opts.now(),
      state: m.state,
    };
  }

  stats(): { visible: number; inFlight: number; failed: QueueMessageView[]; messages: QueueMessageView[] } {
    this.housekeep();
    const now = this.opts.now();
    const inFlight = this.messages.filter((m) => m.visibleAt > now).length;
    return {
      visible: this.messages.length - inFlight,
      inFlight,
      failed: this.failed.map((m) => this.view(m)),
      messages: this.messages.map((m) => this.view(m)),
    };
  }

  /** The message as GET /queue returns it (guide: "Reading from the Queue"). */
  static wire(m: QueueMessage): Record<string, unknown> {
    return {
      MessageId: m.messageId,
      ReceiptHandle: m.currentHandle,
      MD5OfBody: m.md5OfBody,
      Body: m.body,
      Attributes: {
        SenderId: m.senderId,
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? ""),
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentTimestamp),
        SequenceNumber: m.sequenceNumber,
        MessageDeduplicationId: m.deduplicationId,
        MessageGroupId: m.group,
        ClientReferenceAvailable: m.clientReferenceAvailable,
        TransactionType: m.transactionType,
      },
    };
  }
}
