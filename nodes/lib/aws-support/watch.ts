import * as crypto from "node:crypto";
import { isOwnBody } from "./marker";

/**
 * Watch logic, free of Node-RED and of the SDK: one paged DescribeCases sweep
 * per account (includeCommunications) returns every open case with its status
 * and latest communications; comparing it with the remembered state gives the
 * status changes and the new communications. Only a case that left the open
 * list (resolved) costs one more DescribeCases by id, and only a case with more
 * new communications than the sweep carries costs a DescribeCommunications.
 *
 * The state is plain JSON, kept by the caller in a persistent context store,
 * so each change is emitted once across restarts.
 */

export interface WatchCommunication {
  caseId?: string;
  body?: string;
  submittedBy?: string;
  timeCreated?: string;
  ccEmailAddresses?: string[];
  attachmentSet?: Array<{ attachmentId?: string; fileName?: string }>;
}

export interface WatchCase {
  caseId?: string;
  displayId?: string;
  subject?: string;
  status?: string;
  serviceCode?: string;
  categoryCode?: string;
  severityCode?: string;
  timeCreated?: string;
  /** newest first, as DescribeCases returns them */
  recentCommunications?: { communications?: WatchCommunication[]; nextToken?: string };
}

/** The three calls the watcher needs; AwsSupportAccountClient implements them. */
export interface WatchApi {
  /** every open case (all pages), with recent communications */
  describeOpenCases(): Promise<WatchCase[]>;
  /** the given cases, resolved included, with recent communications */
  describeCasesById(caseIds: string[]): Promise<WatchCase[]>;
  /** communications of a case created at or after `afterTime` (all of them when undefined), any order */
  describeCommunicationsSince(caseId: string, afterTime: string | undefined): Promise<WatchCommunication[]>;
}

export interface WatchedCase {
  status: string;
  displayId?: string;
  subject?: string;
  /** timeCreated of the newest communication seen */
  lastTime?: string;
  /** keys of the communications seen at lastTime (several may share a timestamp) */
  lastKeys: string[];
  /** when the watcher saw it resolved (ms); resolved cases are forgotten after the retention */
  resolvedSeenAt?: number;
}

export interface AccountWatchState {
  v: 1;
  /** false until the first sweep, which records what exists without emitting it */
  baselined: boolean;
  cases: Record<string, WatchedCase>;
}

export interface WatchEventBase {
  accountId: string;
  caseId: string;
  displayId?: string;
  subject?: string;
  status: string;
}

export interface StatusEvent extends WatchEventBase {
  type: "status";
  /** null for a case the watcher had not seen before */
  previousStatus: string | null;
}

export interface CommunicationEvent extends WatchEventBase {
  type: "communication";
  communication: WatchCommunication;
}

export type WatchEvent = StatusEvent | CommunicationEvent;

export interface SweepResult {
  events: WatchEvent[];
  state: AccountWatchState;
  /** how many cases are open after the sweep */
  openCases: number;
}

export interface CaseWatcherOptions {
  /** decides which communications this integration sent (default: the `[cx:…]` marker) */
  isOwn?: (c: WatchCommunication) => boolean;
  /** how long a resolved case is remembered, so a reopening reports `resolved → reopened` (default 30 days) */
  resolvedRetentionMs?: number;
  now?: () => number;
}

export function emptyWatchState(): AccountWatchState {
  return { v: 1, baselined: false, cases: {} };
}

export function communicationKey(c: WatchCommunication): string {
  const h = crypto.createHash("sha1").update(`${c.submittedBy ?? ""}\u0000${c.body ?? ""}`).digest("hex").slice(0, 16);
  return `${c.timeCreated ?? ""}|${h}`;
}

function timeOf(c: WatchCommunication): number {
  const t = Date.parse(c.timeCreated ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/** Oldest first; ties keep API order reversed (the API lists newest first). */
function oldestFirst(list: WatchCommunication[]): WatchCommunication[] {
  return list
    .map((c, i) => ({ c, i }))
    .sort((a, b) => timeOf(a.c) - timeOf(b.c) || b.i - a.i)
    .map((x) => x.c);
}

function isNewer(c: WatchCommunication, w: WatchedCase | undefined): boolean {
  if (!w || w.lastTime === undefined) return true;
  const t = timeOf(c);
  const last = Date.parse(w.lastTime);
  if (t > last) return true;
  if (t < last) return false;
  return !w.lastKeys.includes(communicationKey(c));
}

export class CaseWatcher {
  private readonly isOwn: (c: WatchCommunication) => boolean;
  private readonly retention: number;
  private readonly now: () => number;

  constructor(
    readonly accountId: string,
    private readonly api: WatchApi,
    options: CaseWatcherOptions = {},
  ) {
    this.isOwn = options.isOwn ?? ((c) => isOwnBody(c.body));
    this.retention = options.resolvedRetentionMs ?? 30 * 24 * 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** One sweep of the account. Does not modify `previous`. */
  async sweep(previous: AccountWatchState | undefined): Promise<SweepResult> {
    const prev: AccountWatchState = previous && previous.v === 1 ? previous : emptyWatchState();
    const baseline = !prev.baselined;
    const next: AccountWatchState = { v: 1, baselined: true, cases: {} };
    const events: WatchEvent[] = [];

    const open = await this.api.describeOpenCases();
    const seen = new Set<string>();
    for (const c of open) {
      if (!c.caseId) continue;
      seen.add(c.caseId);
      next.cases[c.caseId] = await this.diff(c, prev.cases[c.caseId], baseline, events);
    }

    // cases that were open and left the open list: ask for them by id (resolved included)
    const gone = Object.entries(prev.cases)
      .filter(([id, w]) => !seen.has(id) && w.status !== "resolved")
      .map(([id]) => id);
    for (let i = 0; i < gone.length; i += 100) {
      const chunk = gone.slice(i, i + 100);
      const found = await this.api.describeCasesById(chunk);
      for (const c of found) {
        if (!c.caseId || !chunk.includes(c.caseId)) continue;
        seen.add(c.caseId);
        next.cases[c.caseId] = await this.diff(c, prev.cases[c.caseId], baseline, events);
      }
    }

    // resolved cases stay remembered for a while (a reopening then reports resolved → reopened)
    const now = this.now();
    for (const [id, w] of Object.entries(prev.cases)) {
      if (seen.has(id) || w.status !== "resolved") continue;
      if (w.resolvedSeenAt !== undefined && now - w.resolvedSeenAt > this.retention) continue;
      next.cases[id] = w;
    }
    for (const w of Object.values(next.cases)) {
      if (w.status === "resolved") w.resolvedSeenAt = w.resolvedSeenAt ?? now;
      else delete w.resolvedSeenAt;
    }
    const openCases = Object.values(next.cases).filter((w) => w.status !== "resolved").length;
    return { events, state: next, openCases };
  }

  private async diff(c: WatchCase, known: WatchedCase | undefined, baseline: boolean, events: WatchEvent[]): Promise<WatchedCase> {
    const caseId = c.caseId!;
    const status = c.status ?? "unknown";
    const recent = c.recentCommunications?.communications ?? [];
    let comms = recent;
    const fresh = recent.filter((m) => isNewer(m, known));
    // every communication the sweep carries is new and there are older ones: fetch what was missed
    if (!baseline && c.recentCommunications?.nextToken && fresh.length === recent.length) {
      comms = await this.api.describeCommunicationsSince(caseId, known?.lastTime);
    }
    const ordered = oldestFirst(comms);
    const base: WatchEventBase = { accountId: this.accountId, caseId, displayId: c.displayId ?? known?.displayId, subject: c.subject ?? known?.subject, status };
    if (!baseline) {
      for (const m of ordered) {
        if (!isNewer(m, known) || this.isOwn(m)) continue;
        events.push({ ...base, type: "communication", communication: m });
      }
      if (!known || known.status !== status) events.push({ ...base, type: "status", previousStatus: known?.status ?? null });
    }
    // the new position: the newest communication seen (ours included)
    let lastTime = known?.lastTime;
    let lastKeys = known?.lastKeys ?? [];
    for (const m of ordered) {
      if (!m.timeCreated) continue;
      if (lastTime === undefined || timeOf(m) > Date.parse(lastTime)) {
        lastTime = m.timeCreated;
        lastKeys = [communicationKey(m)];
      } else if (timeOf(m) === Date.parse(lastTime)) {
        const k = communicationKey(m);
        if (!lastKeys.includes(k)) lastKeys = [...lastKeys, k];
      }
    }
    return { status, displayId: base.displayId, subject: base.subject, lastTime, lastKeys, ...(known?.resolvedSeenAt !== undefined ? { resolvedSeenAt: known.resolvedSeenAt } : {}) };
  }
}
