import { CaseExchangeError, toCaseExchangeError } from "../lib/errors";
import { redact } from "../lib/redact";
import type { DoneFn, NodeMessage, RuntimeNode, SendFn } from "./types";
import type { StatusReporter } from "./status";

/**
 * The one place async work meets Node-RED's callbacks: the handler's promise
 * always ends in done() or done(err), so no rejection goes unhandled and a
 * Catch node sees each failure exactly once, with msg.error.code set.
 */
export function onInput(
  node: RuntimeNode,
  handler: (msg: NodeMessage, send: SendFn) => Promise<void>,
  status?: StatusReporter,
): void {
  node.on("input", (msg: NodeMessage, send: SendFn, done: DoneFn) => {
    let settled = false;
    Promise.resolve()
      .then(() => handler(msg, send))
      .then(
        () => {
          settled = true;
          done();
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          const e = toNodeError(err);
          status?.failed(e.code);
          done(e);
        },
      );
  });
}

/** A close handler that always finishes (the runtime waits at most 15 s). */
export function onClose(node: RuntimeNode, handler: (removed: boolean) => Promise<void> | void): void {
  node.on("close", (removed: boolean, done: () => void) => {
    Promise.resolve()
      .then(() => handler(removed))
      .catch((err: unknown) => node.warn(`close: ${redact(String((err as Error)?.message ?? err))}`))
      .finally(() => done());
  });
}

/**
 * The Error handed to done(err): message redacted, `code` kept (Node-RED
 * copies it to msg.error.code), no cause objects that could hold headers.
 */
export function toNodeError(err: unknown): Error & { code: string; details?: Record<string, unknown> } {
  const e = toCaseExchangeError(err);
  const out = new Error(redact(e.message)) as Error & { code: string; details?: Record<string, unknown> };
  out.code = e.code;
  if (Object.keys(e.details).length) out.details = JSON.parse(redact(JSON.stringify(e.details))) as Record<string, unknown>;
  return out;
}

/** Reports a failure that has no input message (a poll) as a node error a Catch node sees. */
export function reportBackgroundError(node: RuntimeNode, err: unknown, msg: NodeMessage = {}): CaseExchangeError {
  const e = toCaseExchangeError(err);
  const ne = toNodeError(e);
  node.error(ne, { ...msg, error: { message: ne.message, code: ne.code } } as NodeMessage);
  return e;
}
