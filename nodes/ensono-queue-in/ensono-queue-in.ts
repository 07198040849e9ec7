import type { EnsonoConnection } from "../lib/ensono/connection";
import { createEnsonoQueueClient, transactionPayload, TICKET_TYPES, TRANSACTION_TYPES, type EnsonoTransaction } from "../lib/ensono/queue";
import { inputInvalid } from "../lib/errors";
import { redact } from "../lib/redact";
import { contextGet, contextSet, isPersistentStore } from "../shared/context";
import { given, numberSetting } from "../shared/env";
import { onClose, onInput, reportBackgroundError } from "../shared/node";
import { StatusReporter } from "../shared/status";
import type { NodeMessage, NodeRedRuntime, RuntimeNode } from "../shared/types";
import { QueueConsumer } from "../lib/ensono/consumer";

interface QueueInConfig {
  name?: string;
  bridge?: string;
  interval?: string | number;
  maxConcurrency?: string | number;
  handlingTimeout?: string | number;
  store?: string;
  ticketTypes?: string[];
  transactionTypes?: string[];
}

interface BridgeNode {
  connection?: EnsonoConnection;
  configError?: string;
  maxDeliveries?: number;
}

const CONFIRMATIONS_KEY = "ensonoQueueConfirmed";

function hhmmss(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** msg.ensono of an emitted transaction (the full body stays available beside the payload). */
function ensonoMeta(tx: EnsonoTransaction): Record<string, unknown> {
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

/** Why a returning message says its handling failed, or undefined when it confirms. */
function failureOf(msg: NodeMessage): string | undefined {
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

export = function register(RED: NodeRedRuntime): void {
  function EnsonoQueueInNode(this: RuntimeNode, config: QueueInConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const bridge = (config.bridge ? RED.nodes.getNode(config.bridge) : null) as BridgeNode | null;
    const store = given(config.store);
    const persistent = isPersistentStore(RED, store);
    const ticketTypes = new Set(Array.isArray(config.ticketTypes) ? config.ticketTypes : TICKET_TYPES);
    const transactionTypes = new Set(Array.isArray(config.transactionTypes) ? config.transactionTypes : TRANSACTION_TYPES);

    if (!bridge || !bridge.connection) {
      status.notConfigured(bridge?.configError ? "not configured: bridge" : "not configured: no bridge");
      if (bridge?.configError) node.error(`ensono-queue-in: ${redact(bridge.configError)}`);
      onInput(node, async () => {
        throw inputInvalid("ensono-queue-in has no usable ensono-bridge configuration");
      }, status);
      return;
    }
    if (!persistent) node.warn(`ensono-queue-in: the context store "${store ?? "default"}" is not persistent; confirmations do not survive a restart (see the node's help)`);
    const note = persistent ? "" : " · store not persistent";

    let statusTimer: NodeJS.Timeout | undefined;
    let closed = false;
    let reportedCode: string | undefined;
    function showStatus(): void {
      if (statusTimer || closed) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        if (consumer.errorCode) return status.failed(consumer.errorCode);
        const polled = consumer.lastPoll ? `polled ${hhmmss(consumer.lastPoll)}` : "starting";
        const text = `${polled} · ${consumer.inFlightCount} in flight${note}`;
        if (consumer.isPaused) status.paused(`paused · ${consumer.inFlightCount} in flight`);
        else if (!persistent) status.warning(text);
        else status.ready(text);
      }, 100);
    }

    const consumer = new QueueConsumer({
      queue: createEnsonoQueueClient(bridge.connection),
      store: {
        load: () => contextGet<Record<string, number>>(node.context(), CONFIRMATIONS_KEY, store),
        save: (confirmed) => contextSet(node.context(), CONFIRMATIONS_KEY, confirmed, store),
      },
      intervalMs: numberSetting(config.interval, undefined, 60, 1, 86_400) * 1000,
      maxConcurrency: numberSetting(config.maxConcurrency, undefined, 10, 1, 1000),
      handlingTimeoutMs: numberSetting(config.handlingTimeout, undefined, 60, 1, 86_400) * 1000,
      maxDeliveries: Math.max(1, Number(bridge.maxDeliveries) || 5),
      inScope: (tx) => ticketTypes.has(tx.ticketType) && transactionTypes.has(tx.transactionType),
      emit: (tx) => node.send([{ topic: tx.ticketNumber, payload: transactionPayload(tx), ensono: ensonoMeta(tx) }, null]),
      reject: (tx, reason) =>
        node.send([null, { topic: tx.ticketNumber, payload: tx.problem ? (tx.rawBody ?? tx.body) : transactionPayload(tx), ensono: { ...ensonoMeta(tx), failureReason: reason } }]),
      onEvent: (e) => {
        if (e.type === "poll-failed") {
          status.failed(e.error.code);
          // once per run of failures, not once a poll
          if (reportedCode !== e.error.code) reportBackgroundError(node, e.error);
          reportedCode = e.error.code;
        } else if (e.type === "polled") {
          reportedCode = undefined;
        } else if (e.type === "delete-deferred") {
          const expected = e.error.code === "ENSONO_RECEIPT_EXPIRED" || e.error.code === "ENSONO_RECEIPT_INVALID";
          const text = `ensono-queue-in: transaction ${e.tx.transactionType} of ${e.tx.ticketNumber} is confirmed but not deleted yet (${e.error.code}); it is deleted when the bridge delivers it again`;
          if (expected) node.debug(text);
          else node.warn(redact(text));
        } else if (e.type === "released") {
          node.warn(`ensono-queue-in: ${e.tx.transactionType} of ${e.tx.ticketNumber} failed (delivery ${e.tx.receiveCount}): ${redact(e.reason)}; it comes back after the bridge's visibility timeout`);
        } else if (e.type === "out-of-scope") {
          node.debug(`ensono-queue-in: ${e.tx.ticketType} ${e.tx.transactionType} of ${e.tx.ticketNumber} is out of scope: deleted`);
        }
        if (e.type !== "poll-failed") showStatus();
      },
    });

    status.ready(`starting${note}`);
    consumer.start().catch((err: unknown) => {
      status.failed("CONTEXT_UNAVAILABLE");
      reportBackgroundError(node, err);
    });

    onInput(node, async (msg) => {
      if (msg.action !== undefined) {
        if (msg.action === "pause") consumer.pause();
        else if (msg.action === "resume") consumer.resume();
        else if (msg.action === "poll") {
          if (consumer.isPaused) throw inputInvalid('ensono-queue-in is paused: send msg.action "resume" before "poll"');
          consumer.pollNow();
        } else throw inputInvalid(`msg.action must be "pause", "resume" or "poll", not ${JSON.stringify(msg.action)}`);
        showStatus();
        return;
      }
      const messageId = (msg.ensono as { messageId?: unknown } | undefined)?.messageId;
      if (typeof messageId !== "string" || !messageId) {
        // a Catch node's message about something else: never bounce an error back into a loop
        if (msg.error) return node.debug("ensono-queue-in: ignored an error message that carries no msg.ensono.messageId");
        throw inputInvalid("ensono-queue-in takes back the messages it emitted (msg.ensono.messageId) to confirm them, or msg.action pause/resume/poll");
      }
      const failure = failureOf(msg);
      if (failure) await consumer.fail(messageId, failure);
      else await consumer.confirm(messageId);
    }, status);

    onClose(node, async () => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      await consumer.close(500);
    });
  }

  RED.nodes.registerType("ensono-queue-in", EnsonoQueueInNode);
};
