/**
 * AWS Support watch bench: an hour of simulated watching over 500 open cases
 * in 5 accounts, mostly idle, with engineer replies at random moments. Three
 * strategies run side by side against one simulator on its SimClock:
 *   - the node's watch logic (CaseWatcher): one paged DescribeCases sweep per
 *     account per poll (includeCommunications);
 *   - a naive loop: DescribeCommunications of every open case per poll;
 *   - the seed app's per-case back-off: a case is polled 30 s after its last
 *     activity, then 60 s, 120 s… up to 24 h, back to 30 s on activity.
 * Figures: API calls per simulated hour, and the delay (simulated seconds)
 * between an engineer's reply and its emission.
 * Run alone: `node dist/bench/aws-support.js` (after the build).
 */
import { CreateCaseCommand } from "@aws-sdk/client-support";
import { SimClock } from "../sandbox/common/clock";
import { startAwsSupportSandbox } from "../sandbox/aws-support";
import { AwsSupportAccountClient } from "../nodes/lib/aws-support/client";
import { CaseWatcher, type AccountWatchState } from "../nodes/lib/aws-support/watch";

const ACCOUNTS = 5;
const CASES_PER_ACCOUNT = 100;
const HOUR = 3_600_000;
const POLL_MS = 60_000; // SYNC_POLL_SECONDS default
const TICK_MS = 5_000; // simulation step
const REPLIES = 40; // engineer replies during the hour: most cases stay idle

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Figures {
  apiCallsPerHour: number;
  emitted: number;
  missed: number;
  delaySeconds: { mean: number; p95: number; max: number };
}

function figures(calls: number, delays: number[], total: number): Figures {
  const sorted = [...delays].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN;
  const p95 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] : NaN;
  return { apiCallsPerHour: calls, emitted: delays.length, missed: total - delays.length, delaySeconds: { mean: Math.round(mean), p95: Math.round(p95), max: Math.round(sorted[sorted.length - 1] ?? NaN) } };
}

export async function benchAwsSupport(): Promise<Record<string, unknown>> {
  const clock = new SimClock({ frozen: true });
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => {
    const d = String(i + 1);
    return { accountId: d.repeat(12), accessKeyId: `AKIABENCH${d.repeat(11)}`, secretAccessKey: `bench-secret-${d}` };
  });
  const sb = await startAwsSupportSandbox({ clock, accounts });
  const rand = prng(42);
  const mk = (a: (typeof accounts)[number]) =>
    new AwsSupportAccountClient({ accountId: a.accountId, endpoint: sb.endpoint, credentials: { mode: "keys", accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey } });
  const setup = accounts.map(mk);
  const watchClients = accounts.map(mk);
  const naiveClients = accounts.map(mk);
  const seedClients = accounts.map(mk);
  const started = Date.now();
  try {
    // 500 open cases
    const cases: Array<{ account: number; caseId: string }> = [];
    for (let a = 0; a < ACCOUNTS; a++) {
      for (let i = 0; i < CASES_PER_ACCOUNT; i++) {
        const r = await setup[a].sdk.send(
          new CreateCaseCommand({
            subject: `bench case ${a}-${i}`,
            communicationBody: "opened by the bench [cx:0000000000000000]",
            serviceCode: "amazon-elastic-compute-cloud-linux",
            categoryCode: "general-guidance",
            severityCode: "low",
          }),
        );
        cases.push({ account: a, caseId: r.caseId! });
      }
    }
    const t0 = clock.now();
    // engineer replies at random moments of the hour, on random cases
    const replies = Array.from({ length: REPLIES }, (_, i) => ({ at: t0 + Math.floor(rand() * (HOUR - POLL_MS)), c: cases[Math.floor(rand() * cases.length)], body: `engineer reply ${i}` })).sort((x, y) => x.at - y.at);
    const replyAt = new Map(replies.map((r) => [r.body, r.at]));

    // --- the node's watch logic
    const watchers = watchClients.map((c, i) => new CaseWatcher(accounts[i].accountId, c));
    const watchState: Array<AccountWatchState | undefined> = accounts.map(() => undefined);
    const watchDelays: number[] = [];
    async function watchPoll(now: number) {
      for (let a = 0; a < ACCOUNTS; a++) {
        const r = await watchers[a].sweep(watchState[a]);
        watchState[a] = r.state;
        for (const e of r.events) if (e.type === "communication" && replyAt.has(e.communication.body ?? "")) watchDelays.push((now - replyAt.get(e.communication.body!)!) / 1000);
      }
    }

    // --- naive: every case's communications at every poll
    const naiveSeen = new Map<string, number>();
    const naiveDelays: number[] = [];
    async function naivePoll(now: number, first: boolean) {
      for (const c of cases) {
        const comms = await naiveClients[c.account].describeCommunications(c.caseId);
        const before = naiveSeen.get(c.caseId) ?? 0;
        if (!first && comms.length > before) for (const m of comms.slice(0, comms.length - before)) if (replyAt.has(m.body ?? "")) naiveDelays.push((now - replyAt.get(m.body!)!) / 1000);
        naiveSeen.set(c.caseId, comms.length);
      }
    }

    // --- the seed app's per-case back-off, 30 s doubling to 24 h
    const seed = new Map(cases.map((c) => [c.caseId, { next: t0 + 30_000, wait: 30_000, seen: 1 }]));
    const seedDelays: number[] = [];
    async function seedPoll(now: number) {
      for (const c of cases) {
        const s = seed.get(c.caseId)!;
        if (now < s.next) continue;
        const comms = await seedClients[c.account].describeCommunications(c.caseId);
        if (comms.length > s.seen) {
          for (const m of comms.slice(0, comms.length - s.seen)) if (replyAt.has(m.body ?? "")) seedDelays.push((now - replyAt.get(m.body!)!) / 1000);
          s.seen = comms.length;
          s.wait = 30_000;
        } else s.wait = Math.min(s.wait * 2, 24 * HOUR);
        s.next = now + s.wait;
      }
    }

    // baseline at t0 (not counted: every strategy starts from what exists)
    await watchPoll(t0);
    await naivePoll(t0, true);
    const base = { watch: sum(watchClients), naive: sum(naiveClients), seed: sum(seedClients) };
    let ri = 0;
    for (let now = t0 + TICK_MS; now <= t0 + HOUR; now += TICK_MS) {
      // replies due before this tick happen at their own time
      while (ri < replies.length && replies[ri].at <= now) {
        clock.advance(Math.max(0, replies[ri].at - clock.now()));
        sb.engineer.reply(replies[ri].c.caseId, replies[ri].body);
        ri++;
      }
      clock.advance(now - clock.now());
      if ((now - t0) % POLL_MS === 0) {
        await watchPoll(now);
        await naivePoll(now, false);
      }
      await seedPoll(now);
    }

    const result = {
      setup: { accounts: ACCOUNTS, openCases: cases.length, simulatedHours: 1, pollSeconds: POLL_MS / 1000, engineerReplies: REPLIES },
      node: figures(sum(watchClients) - base.watch, watchDelays, REPLIES),
      naivePollEveryCase: figures(sum(naiveClients) - base.naive, naiveDelays, REPLIES),
      seedBackoff30sTo24h: figures(sum(seedClients) - base.seed, seedDelays, REPLIES),
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    const ratio = result.naivePollEveryCase.apiCallsPerHour / Math.max(1, result.node.apiCallsPerHour);
    console.log(`AWS Support watch, ${cases.length} open cases in ${ACCOUNTS} accounts, ${REPLIES} engineer replies in one simulated hour, poll every ${POLL_MS / 1000} s`);
    console.log(pad("strategy") + pad("API calls/h") + pad("delay mean s") + pad("p95 s") + pad("max s") + "emitted");
    for (const [name, f] of [["node (DescribeCases sweep)", result.node], ["naive (every case)", result.naivePollEveryCase], ["seed back-off 30s→24h", result.seedBackoff30sTo24h]] as const)
      console.log(pad(name) + pad(String(f.apiCallsPerHour)) + pad(String(f.delaySeconds.mean)) + pad(String(f.delaySeconds.p95)) + pad(String(f.delaySeconds.max)) + `${f.emitted}/${REPLIES}`);
    console.log(`node needs ${ratio.toFixed(1)}× fewer calls than the naive loop; wall time ${result.wallSeconds} s`);
    return { ...result, callRatioNaiveToNode: Math.round(ratio * 10) / 10 };
  } finally {
    for (const c of [...setup, ...watchClients, ...naiveClients, ...seedClients]) c.destroy();
    await sb.close();
  }
}

function sum(clients: AwsSupportAccountClient[]): number {
  return clients.reduce((n, c) => n + c.stats.requests, 0);
}

function pad(s: string): string {
  return s.padEnd(28);
}

if (require.main === module) {
  benchAwsSupport().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
