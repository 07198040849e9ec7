/**
 * Ensono queue bench (issue 2): 1,000 transactions over 100 tickets, 50 ms of
 * simulated latency on every bridge call. Drains the queue twice, each time
 * from a freshly seeded simulator:
 *  - with ensono-queue-in in a real Node-RED (child process), the flow
 *    recording each transaction and confirming it by wiring back;
 *  - with a plain sequential read → process → delete loop.
 * Prints transactions per second for both and their ratio, and checks that
 * every ticket's transactions were handled once each, in order.
 * Run alone: `node <dist>/bench/ensono.js`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEnsonoSandbox, type EnsonoSandbox } from "../sandbox/ensono";
import { createEnsonoConnection } from "../nodes/lib/ensono/connection";
import { createEnsonoQueueClient } from "../nodes/lib/ensono/queue";
import { startNodeRed } from "../test/helpers/runtime";

export interface EnsonoBenchOptions {
  tickets?: number;
  perTicket?: number;
  latencyMs?: number;
  /** ensono-queue-in's concurrency (tickets at once) */
  concurrency?: number;
}

export interface EnsonoBenchRun {
  transactions: number;
  seconds: number;
  perSecond: number;
  /** every ticket's transactions handled in SentTimestamp order */
  orderHeld: boolean;
  /** every transaction handled exactly once */
  handledOnce: boolean;
}

export interface EnsonoBenchResult {
  tickets: number;
  transactions: number;
  latencyMs: number;
  node: EnsonoBenchRun;
  sequential: EnsonoBenchRun;
  /** node.perSecond / sequential.perSecond */
  ratio: number;
}

interface Handled {
  id: string;
  ticket: string;
  step: string;
}

async function seeded(tickets: number, perTicket: number, latencyMs: number): Promise<{ sb: EnsonoSandbox; numbers: string[] }> {
  const sb = await startEnsonoSandbox({ visibilityTimeoutMs: 30_000 });
  const numbers: string[] = [];
  for (let t = 0; t < tickets; t++) numbers.push(sb.agent.openTicket("dev", { ticketType: "Incident", shortDescription: `bench ${t}`, description: "bench" }));
  // interleaved: every ticket's step k is queued before any ticket's step k+1
  for (let step = 1; step < perTicket; step++) for (const n of numbers) sb.agent.comment("dev", n, `step ${step}`);
  sb.faults.add({ kind: "latency", ms: latencyMs });
  return { sb, numbers };
}

function check(handled: Handled[], numbers: string[], perTicket: number): { orderHeld: boolean; handledOnce: boolean } {
  const expected = ["create", ...Array.from({ length: perTicket - 1 }, (_, i) => `step ${i + 1}`)];
  const handledOnce = new Set(handled.map((h) => h.id)).size === handled.length && handled.length === numbers.length * perTicket;
  const byTicket = new Map<string, string[]>();
  for (const h of handled) byTicket.set(h.ticket, [...(byTicket.get(h.ticket) ?? []), h.step]);
  const orderHeld = numbers.every((n) => JSON.stringify(byTicket.get(n) ?? []) === JSON.stringify(expected));
  return { orderHeld, handledOnce };
}

async function waitFor(cond: () => boolean, ms: number, every = 10): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`bench: condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** ensono-queue-in in a real Node-RED, a function node recording each transaction and wired back to confirm it. */
async function runNode(tickets: number, perTicket: number, latencyMs: number, concurrency: number): Promise<EnsonoBenchRun> {
  const { sb, numbers } = await seeded(tickets, perTicket, latencyMs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cx-bench-ensono-"));
  const file = path.join(dir, "handled.jsonl");
  const record = `fs.appendFileSync(${JSON.stringify(file)}, JSON.stringify({ id: msg.ensono.messageId, ticket: msg.topic, step: msg.ensono.transactionType === "Create" ? "create" : msg.payload.body }) + "\\n");\nreturn msg;`;
  const flows = [
    { id: "bench-tab", type: "tab", label: "bench" },
    { id: "bench-bridge", type: "ensono-bridge", url: "${ENSONO_URL}", clientName: "${ENSONO_CLIENT_NAME}" },
    { id: "bench-queue", type: "ensono-queue-in", z: "bench-tab", bridge: "bench-bridge", interval: "${SYNC_POLL_SECONDS}", maxConcurrency: concurrency, handlingTimeout: 60, wires: [["bench-handle"], []] },
    { id: "bench-handle", type: "function", z: "bench-tab", name: "handle", func: record, outputs: 1, libs: [{ var: "fs", module: "fs" }], wires: [["bench-queue"]] },
  ];
  const red = await startNodeRed({ flows, env: { ENSONO_URL: sb.envUrl("dev"), ENSONO_CLIENT_NAME: "testClient", ENSONO_API_KEY: "test-api-key", SYNC_POLL_SECONDS: "1" } });
  try {
    await waitFor(() => sb.inspect.queue("dev").messages.length === 0, 300_000, 20);
    const end = Date.now();
    const firstRead = sb.inspect.calls().find((c) => c.method === "GET");
    const start = firstRead ? firstRead.at : end;
    const handled = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Handled);
    const seconds = (end - start) / 1000;
    return { transactions: handled.length, seconds, perSecond: handled.length / seconds, ...check(handled, numbers, perTicket) };
  } finally {
    await red.stop();
    red.cleanup();
    await sb.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The plain loop: read up to 10, handle each in the order received, delete each, read again until a read is empty. */
async function runSequential(tickets: number, perTicket: number, latencyMs: number): Promise<EnsonoBenchRun> {
  const { sb, numbers } = await seeded(tickets, perTicket, latencyMs);
  try {
    const queue = createEnsonoQueueClient(createEnsonoConnection({ envUrl: sb.envUrl("dev"), clientName: "testClient", apiKey: "test-api-key" }));
    const handled: Handled[] = [];
    const start = Date.now();
    for (;;) {
      const txs = await queue.receive();
      if (!txs.length) break;
      for (const tx of txs) {
        const notes = tx.body.notes as { body?: string } | undefined;
        handled.push({ id: tx.messageId, ticket: tx.ticketNumber, step: tx.transactionType === "Create" ? "create" : String(notes?.body) });
        await queue.delete(tx.receiptHandle);
      }
    }
    const seconds = (Date.now() - start) / 1000;
    return { transactions: handled.length, seconds, perSecond: handled.length / seconds, ...check(handled, numbers, perTicket) };
  } finally {
    await sb.close();
  }
}

export async function benchEnsono(options: EnsonoBenchOptions = {}): Promise<EnsonoBenchResult> {
  const tickets = options.tickets ?? 100;
  const perTicket = options.perTicket ?? 10;
  const latencyMs = options.latencyMs ?? 50;
  const node = await runNode(tickets, perTicket, latencyMs, options.concurrency ?? 100);
  const sequential = await runSequential(tickets, perTicket, latencyMs);
  return { tickets, transactions: tickets * perTicket, latencyMs, node, sequential, ratio: node.perSecond / sequential.perSecond };
}

export function formatEnsonoBench(r: EnsonoBenchResult): string {
  const line = (name: string, x: EnsonoBenchRun) =>
    `  ${name.padEnd(34)} ${x.perSecond.toFixed(1).padStart(7)} transactions/s  (${x.transactions} in ${x.seconds.toFixed(2)} s; per-ticket order ${x.orderHeld ? "held" : "BROKEN"}; ${x.handledOnce ? "each once" : "DUPLICATES OR LOSSES"})`;
  return [
    `Ensono queue: ${r.transactions} transactions over ${r.tickets} tickets, ${r.latencyMs} ms latency per bridge call`,
    line("ensono-queue-in (Node-RED)", r.node),
    line("sequential read-process-delete", r.sequential),
    `  ratio: ${r.ratio.toFixed(1)}×`,
  ].join("\n");
}

if (require.main === module) {
  benchEnsono().then(
    (r) => {
      console.log(formatEnsonoBench(r));
      const ok = r.node.orderHeld && r.node.handledOnce && r.sequential.orderHeld && r.sequential.handledOnce;
      process.exit(ok ? 0 : 1);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
