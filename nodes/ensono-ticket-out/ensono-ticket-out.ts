import { parseAction } from "../lib/ensono/payload";
import type { EnsonoAction, EnsonoCallResult } from "../lib/ensono/types";
import { CaseExchangeError, inputInvalid } from "../lib/errors";
import type { EnsonoBridgeNode } from "../ensono-bridge/bridge";
import { onClose, onInput } from "../shared/node";
import { StatusReporter } from "../shared/status";
import type { NodeMessage, NodeRedRuntime, RuntimeNode } from "../shared/types";

interface TicketOutConfig {
  id: string;
  name?: string;
  bridge?: string;
  /** one of the actions, or "msg" (msg.action) */
  action?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** msg.payload in the guide's field names (an attachment may also be a Buffer with msg.filename). */
function inputOf(msg: NodeMessage, action: EnsonoAction): Record<string, unknown> {
  const p = msg.payload;
  const meta = isObject(msg.ensono) ? msg.ensono : {};
  let input: Record<string, unknown>;
  if (action === "attachment" && (Buffer.isBuffer(p) || typeof p === "string")) {
    input = { content: p, filename: msg.filename, contentType: msg.contentType };
  } else if (isObject(p)) {
    input = { ...p };
  } else {
    throw inputInvalid(`msg.payload must be an object with the guide's fields for ${action} (it is ${p === null ? "null" : Array.isArray(p) ? "an array" : typeof p})`, { field: "payload" });
  }
  // the Ensono number may ride along from an earlier node (ensono-queue-in, a create)
  if (action !== "create" && (input.ticketNumber === undefined || input.ticketNumber === "") && typeof meta.ticketNumber === "string") input.ticketNumber = meta.ticketNumber;
  return input;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

export = function register(RED: NodeRedRuntime): void {
  function EnsonoTicketOut(this: RuntimeNode, config: TicketOutConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const bridge = (config.bridge ? RED.nodes.getNode(config.bridge) : null) as EnsonoBridgeNode | null;
    const fixedAction = config.action && config.action !== "msg" ? config.action : undefined;
    let aborter = new AbortController();

    if (!bridge) status.notConfigured("not configured: no bridge");
    else if (!bridge.tickets) status.notConfigured("not configured: bridge");
    else status.ready();

    onInput(
      node,
      async (msg, send) => {
        if (!bridge) throw new CaseExchangeError("ENSONO_NOT_CONFIGURED", "ensono-ticket-out has no ensono-bridge config node selected");
        if (!bridge.tickets) throw new CaseExchangeError("ENSONO_NOT_CONFIGURED", `the ensono-bridge config is not usable: ${bridge.configError ?? "unknown reason"}`);
        const action = parseAction(fixedAction ?? msg.action);
        const input = inputOf(msg, action);
        status.busy(action);
        const result: EnsonoCallResult = await bridge.tickets.call(action, input, {
          signal: aborter.signal,
          onResend: ({ waitMs }) => status.warning(`timeout: resend in ${seconds(waitMs)}`),
          onGroupFallback: ({ requested, sent }) => node.warn(`Ensono refused the group "${requested}"; sending the default group "${sent}" instead`),
        });
        const { response, ...meta } = result;
        msg.payload = response;
        msg.ensono = { ...(isObject(msg.ensono) ? msg.ensono : {}), ...meta };
        const extra = result.resent ? " (resent)" : result.groupFallback ? " (default group)" : "";
        status.done(`${action} ${result.ticketNumber}${extra}`);
        send(msg);
      },
      status,
    );

    onClose(node, () => {
      // stops a resend that is waiting; the message ends with ABORTED
      aborter.abort();
      aborter = new AbortController();
    });
  }

  RED.nodes.registerType("ensono-ticket-out", EnsonoTicketOut);
};
