import type { EnsonoConnection } from "../lib/ensono/connection";
import { createEnsonoQueueClient, TICKET_TYPES, TRANSACTION_TYPES } from "../lib/ensono/queue";
import { failureOf, givenUpMessage, returningMessageId, transactionMessage } from "../lib/ensono/queue-messages";
import { subscribeQueue, type SharedQueueEvent } from "../lib/ensono/shared-queue";
import { inputInvalid } from "../lib/errors";
import { redact } from "../lib/redact";
import { contextGet, contextSet, isPersistentStore } from "../shared/context";
import { given, numberSetting } from "../shared/env";
import { onClose, onInput, reportBackgroundError } from "../shared/node";
import { StatusReporter } from "../shared/status";
import type { NodeRedRuntime, RuntimeNode } from "../shared/types";

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

/** Each node's context keeps its queue's whole confirmation record (the nodes of one queue share it: see shared-queue.ts). */
const CONFIRMATIONS_KEY = "ensonoQueueConfirmed";

function hhmmss(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

export = function register(RED: NodeRedRuntime): void {
  function EnsonoQueueInNode(this: RuntimeNode, config: QueueInConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const bridge = (config.bridge ? RED.nodes.getNode(config.bridge) : null) as BridgeNode | null;
    const store = given(config.store);
    const persistent = isPersistentStore(RED, store);
    const label = config.name || `ensono queue in ${node.id}`;

    if (!bridge || !bridge.connection) {
      status.notConfigured(bridge?.configError ? "not configured: bridge" : "not configured: no bridge");
      if (bridge?.configError) node.error(`ensono-queue-in: ${redact(bridge.configError)}`);
      onInput(node, async () => {
        throw inputInvalid("ensono-queue-in has no usable ensono-bridge configuration");
      }, status);
      return;
    }
    const connection = bridge.connection;
    if (!persistent) node.warn(`ensono-queue-in: the context store "${store ?? "default"}" is not persistent; confirmations do not survive a restart (see the node's help)`);
    const note = persistent ? "" : " · store not persistent";

    let statusTimer: NodeJS.Timeout | undefined;
    let closed = false;
    let reportedCode: string | undefined;
    function showStatus(): void {
      if (statusTimer || closed) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        if (queue.errorCode) return status.failed(queue.errorCode);
        const overlap = queue.overlaps.length ? ` · overlaps ${queue.overlaps.join(", ")}` : "";
        const polled = queue.lastPoll ? `polled ${hhmmss(queue.lastPoll)}` : "starting";
        const text = `${polled} · ${queue.inFlightCount} in flight${note}${overlap}`;
        if (queue.isPaused) status.paused(`paused · ${queue.inFlightCount} in flight`);
        else if (!persistent || overlap) status.warning(text);
        else status.ready(text);
      }, 100);
    }

    function onEvent(e: SharedQueueEvent): void {
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
        node.debug(`ensono-queue-in: ${e.tx.ticketType} ${e.tx.transactionType} of ${e.tx.ticketNumber} is out of scope of every node reading this queue: deleted`);
      } else if (e.type === "overlap") {
        const who = e.owner === label ? "this node receives them (it subscribed first)" : `they go to "${e.owner}" (it subscribed first)`;
        node.warn(`ensono-queue-in: "${e.other}" reads the same queue and also takes ${e.types.join(", ")}; ${who}`);
      }
      if (e.type !== "poll-failed") showStatus();
    }

    const queue = subscribeQueue(
      { envUrl: connection.envUrl, clientName: connection.clientName, createQueue: () => createEnsonoQueueClient(connection) },
      {
        id: node.id,
        label,
        ticketTypes: Array.isArray(config.ticketTypes) ? config.ticketTypes : [...TICKET_TYPES],
        transactionTypes: Array.isArray(config.transactionTypes) ? config.transactionTypes : [...TRANSACTION_TYPES],
        intervalMs: numberSetting(config.interval, undefined, 60, 1, 86_400) * 1000,
        maxConcurrency: numberSetting(config.maxConcurrency, undefined, 10, 1, 1000),
        handlingTimeoutMs: numberSetting(config.handlingTimeout, undefined, 60, 1, 86_400) * 1000,
        maxDeliveries: Math.max(1, Number(bridge.maxDeliveries) || 5),
        store: {
          load: () => contextGet<Record<string, number>>(node.context(), CONFIRMATIONS_KEY, store),
          save: (confirmed) => contextSet(node.context(), CONFIRMATIONS_KEY, confirmed, store),
        },
        emit: (tx) => node.send([transactionMessage(tx), null]),
        reject: (tx, reason) => node.send([null, givenUpMessage(tx, reason)]),
        onEvent,
      },
    );

    status.ready(`starting${note}`);
    queue.ready.catch((err: unknown) => {
      status.failed("CONTEXT_UNAVAILABLE");
      reportBackgroundError(node, err);
    });

    onInput(node, async (msg) => {
      if (msg.action !== undefined) {
        if (msg.action === "pause") queue.pause();
        else if (msg.action === "resume") queue.resume();
        else if (msg.action === "poll") {
          if (queue.isPaused) throw inputInvalid('ensono-queue-in is paused: send msg.action "resume" before "poll"');
          queue.pollNow();
        } else throw inputInvalid(`msg.action must be "pause", "resume" or "poll", not ${JSON.stringify(msg.action)}`);
        showStatus();
        return;
      }
      const messageId = returningMessageId(msg);
      if (!messageId) {
        // a Catch node's message about something else: never bounce an error back into a loop
        if (msg.error) return node.debug("ensono-queue-in: ignored an error message that carries no msg.ensono.messageId");
        throw inputInvalid("ensono-queue-in takes back the messages it emitted (msg.ensono.messageId) to confirm them, or msg.action pause/resume/poll");
      }
      const failure = failureOf(msg);
      if (failure) await queue.fail(messageId, failure);
      else await queue.confirm(messageId);
    }, status);

    onClose(node, async (removed) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      await queue.close(removed);
    });
  }

  RED.nodes.registerType("ensono-queue-in", EnsonoQueueInNode);
};
