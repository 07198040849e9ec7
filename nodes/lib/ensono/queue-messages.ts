import { transactionPayload, type EnsonoTransaction } from "./queue";

/**
 * The messages ensono-queue-in sends and takes back, as plain objects (no
 * Node-RED import): a transaction out of the first output, a transaction
 * given up out of the second, and what a returning message says.
 */
export type QueueMessage = Record<string, unknown>;

/** msg.ensono of an emitted transaction (the full body stays available beside the payload). */
export function ensonoMeta(tx: EnsonoTransaction): Record<string, unknown> {
  return {
    transactionType: tx.transactionType,
    ticketNumber: tx.ticketNumber,
    ticketType: tx.ticketType,
    clientTicketNumber: tx.clientTicketNumber,
    clientReferenceAvailable: tx.clientReferenceAvailable,
    body: tx.body,
    attributes: tx.attributes,
    messageId: tx.messageId,
    receiveCount: tx.receiveCount,
    sentTimestamp: tx.sentTimestamp,
  };
}

/** The first output's message. */
export function transactionMessage(tx: EnsonoTransaction): QueueMessage {
  return { topic: tx.ticketNumber, payload: transactionPayload(tx), ensono: ensonoMeta(tx) };
}

/** The second output's message: for a body that could not be read, the payload is what was received. */
export function givenUpMessage(tx: EnsonoTransaction, reason: string): QueueMessage {
  return { topic: tx.ticketNumber, payload: tx.problem ? (tx.rawBody ?? tx.body) : transactionPayload(tx), ensono: { ...ensonoMeta(tx), failureReason: reason } };
}

/** The transaction a returning message is about (msg.ensono.messageId), if any. */
export function returningMessageId(msg: QueueMessage): string | undefined {
  const id = (msg.ensono as { messageId?: unknown } | undefined)?.messageId;
  return typeof id === "string" && id ? id : undefined;
}

/** Why a returning message says its handling failed, or undefined when it confirms. */
export function failureOf(msg: QueueMessage): string | undefined {
  const ens = msg.ensono as { failed?: unknown } | undefined;
  if (typeof ens?.failed === "string" && ens.failed.trim()) return ens.failed;
  if (ens?.failed === true) return "marked failed by the flow";
  if (msg.error) {
    const e = msg.error as { message?: unknown; code?: unknown };
    const text = typeof e.message === "string" ? e.message : String(msg.error);
    return typeof e.code === "string" ? `${e.code}: ${text}` : text;
  }
  return undefined;
}
