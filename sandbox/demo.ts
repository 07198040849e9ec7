/**
 * The demo's simulated people (`npm run demo`, scripts/demo.js): a few seed
 * tickets in the three simulators and the people who answer them, so a
 * newcomer watching the editor sees tickets cross within a minute.
 *
 * - seed: agent.smith's incidents in ServiceNow (two for AWS Support, two for
 *   Ensono, one that stays with the service desk) and, at Ensono, an agent's
 *   Incident, Request and Normal change (approver: ServiceNow's CAB approver);
 * - an AWS support engineer answers every new customer communication of the
 *   account's cases, and resolves a case at its third exchange;
 * - an Ensono agent picks up every ticket the client created through the
 *   bridge, works on it, and resolves it once the client has commented twice;
 * - the service desk (agent.smith) answers, at most twice per seeded incident,
 *   the comments that the sync brings into the seeded incidents — so the
 *   conversations above reach their end without anyone typing;
 * - the CAB approver approves the change approvals that reach ServiceNow.
 *
 * Everything runs in-process against the simulators' own interfaces (no HTTP),
 * on real-time timers; each action is one console line. The seed is
 * idempotent: records that exist already are not created again.
 */
import type { AwsSupportSandbox, CaseView } from "./aws-support";
import type { EnsonoSandbox, TicketView } from "./ensono";
import type { SnowSandbox } from "./servicenow";

export interface DemoActorOptions {
  ensono: EnsonoSandbox;
  snow: SnowSandbox;
  aws: AwsSupportSandbox;
  /** the demo's environment (PRODUCT.md variables): AWS_ACCOUNT_ID, ENSONO_URL, ENSONO_GROUP, SNOW_USER, SYNC_POLL_SECONDS */
  env: Record<string, string>;
  /** how often (real time) every actor looks for work; default 2000 ms */
  intervalMs?: number;
  /** how long (real time) a person takes before answering; default 3000 ms */
  replyDelayMs?: number;
  /**
   * The ServiceNow seed waits until the flows have polled the incident table
   * once (a watcher's first poll takes the records already there as its
   * baseline and would never send them), then one poll interval more; at most
   * this long (default 45 000 ms). 0 seeds at once.
   */
  snowSeedWaitMs?: number;
  /** where the story goes; default console.log */
  log?: (line: string) => void;
}

/** The AWS engineer's name on communications (the simulator's own). */
const AWS_ENGINEER = "Amazon Web Services";
export const ENSONO_PICKUP = "Ensono Service Desk: we have picked this up.";
const ENSONO_COMMENTER = { commenter: "Priya Nair (Ensono Service Desk)", commenterEmail: "servicedesk@ensono.example" };
const SERVICE_DESK_USER = "agent.smith";
const CAB_USER = "cab.approver";

/** The seed, exported so tests and the README can name it. */
export const DEMO_SEED = {
  snowIncidents: [
    {
      key: "aws-ec2",
      short_description: "EC2 web server i-0a1b2c3d failing instance status checks",
      description:
        "Since 08:40 UTC the web server i-0a1b2c3d4e5f60718 in us-east-1 fails its instance status check and is unreachable over SSH. A reboot did not help.",
      category: "aws",
      subcategory: "amazon-elastic-compute-cloud-linux",
      target: "aws",
      impact: "2",
      urgency: "1",
      comment: "The application team reports that the instance stopped answering right after the scheduled kernel update.",
    },
    {
      key: "aws-s3",
      short_description: "S3 bucket acme-invoices returns 403 to the billing app",
      description: "The billing application gets AccessDenied (403) on PutObject to s3://acme-invoices since this morning; nothing changed on our side.",
      category: "aws",
      subcategory: "amazon-simple-storage-service",
      target: "aws",
      impact: "2",
      urgency: "2",
    },
    {
      key: "ensono-vpn",
      short_description: "Site-to-site VPN to the Chicago data centre drops every hour",
      description: "The IPsec tunnel between the Chicago DC and our office renegotiates every 60 minutes and drops active sessions for about a minute.",
      category: "network",
      target: "ensono",
      impact: "2",
      urgency: "2",
    },
    {
      key: "ensono-backup",
      short_description: "Nightly backup of the SAP database failed",
      description: "The 01:00 backup job of the SAP HANA database ended with error 'media not available'. The previous backup is from two days ago.",
      category: "database",
      target: "ensono",
      impact: "2",
      urgency: "3",
    },
    {
      key: "local-laptop",
      short_description: "Laptop keyboard not working after coffee spill",
      description: "A user spilled coffee on a laptop keyboard; several keys no longer respond. Needs a loan device.",
      category: "hardware",
      target: "local",
      impact: "3",
      urgency: "3",
    },
  ],
  ensonoTickets: [
    {
      ticketType: "Incident" as const,
      shortDescription: "Disk usage above 90% on file server FS01",
      description: "Ensono monitoring: volume E: on FS01 is at 93% and growing about 1% a day. Please confirm which shares can be archived.",
      priority: "3",
      group: "Ensono Support",
    },
    {
      ticketType: "Request" as const,
      shortDescription: "Add two vCPUs to application server APP02",
      description: "Capacity review: APP02 averages 85% CPU during month-end. Ensono proposes adding two vCPUs during the next maintenance window.",
      priority: "4",
      group: "Ensono Support",
    },
  ],
  ensonoChange: {
    type: "Normal" as const,
    shortDescription: "Apply the quarterly firmware update to the core switches",
    description: "Firmware 9.3.12 on both core switches (one at a time, HA pair), as recommended by the vendor advisory.",
    risk: "Moderate",
    impact: "Medium",
    justification: "Fixes the vendor's security advisory for the management plane.",
    implementationPlan: "Fail over to switch B, upgrade switch A, verify, fail back, upgrade switch B.",
    testPlan: "Check routing tables, VLAN trunks and the monitoring dashboards after each switch.",
    backoutPlan: "Boot the previous firmware image from the alternate partition.",
    approver: { name: "CAB Approver", email: "cab.approver@client.example" },
  },
};

const AWS_REPLIES: Record<string, string[]> = {
  "amazon-elastic-compute-cloud-linux": [
    "Thanks, we're looking into the instance's status checks. The underlying host looks healthy, so this points at the guest OS; we're reviewing the system log now.",
    "The console output shows a kernel panic at boot (the new kernel cannot mount the root volume). Could you stop the instance and start it again so it comes up on the previous kernel, and tell us whether the status checks pass?",
  ],
  "amazon-simple-storage-service": [
    "Thanks, we're looking at the bucket policy and the billing role's permissions for acme-invoices.",
    "The bucket policy has an explicit Deny for requests without aws:SecureTransport, added yesterday. Could you confirm the billing app uses HTTPS to reach S3?",
  ],
};
const AWS_GENERIC = [
  "Thanks for the details, we're looking into this now.",
  "We need one more detail to continue: could you send the request id and the time (UTC) of a failing call?",
];
const AWS_CLOSING = "Glad to hear it's working again. We're resolving this case; reply to it if anything comes back and it will reopen.";

const DESK_REPLIES = {
  aws: [
    "Thanks. For reference: nothing else changed on our side, and the monitoring alert fired at 08:41 UTC.",
    "Done, it's working again on our side. Thanks for the quick help!",
  ],
  ensono: ["Thanks. It affects about 40 users at the moment; please keep us posted.", "Confirmed, everything looks fine again from our side. Thanks!"],
};

/** Starts the seed and the actors; the function returned stops every timer. */
export function startDemoActors(opts: DemoActorOptions): () => void {
  const { ensono, snow, aws, env } = opts;
  const log = opts.log ?? ((line: string) => console.log(line));
  const intervalMs = positive(opts.intervalMs, 2000);
  const replyDelayMs = opts.replyDelayMs !== undefined && opts.replyDelayMs >= 0 ? opts.replyDelayMs : 3000;
  const snowSeedWaitMs = opts.snowSeedWaitMs !== undefined && opts.snowSeedWaitMs >= 0 ? opts.snowSeedWaitMs : 45_000;
  const accountId = given(env.AWS_ACCOUNT_ID) ?? "111111111111";
  const awsGroup = `AWS-${accountId}`;
  const ensonoGroup = given(env.ENSONO_GROUP) ?? "Ensono";
  const integrationUser = given(env.SNOW_USER) ?? "integration";
  const ensonoEnv = envOf(given(env.ENSONO_URL));
  const pollMs = Math.min(10_000, Math.max(1000, Number(given(env.SYNC_POLL_SECONDS) ?? 2) * 1000 || 2000));

  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const every = (who: string, fn: () => void) => {
    const t = setInterval(() => guard(who, fn), intervalMs);
    timers.push(t);
  };
  const guard = (who: string, fn: () => void) => {
    if (stopped) return;
    try {
      fn();
    } catch (err) {
      log(`[${who}] ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  // ---- seed --------------------------------------------------------------------------
  guard("seed", () => seedEnsono());
  const seededSysIds = new Set<string>();
  if (snowSeedWaitMs === 0) guard("seed", () => seedSnow());
  else {
    const waitUntil = Date.now() + snowSeedWaitMs;
    let firstPollAt: number | undefined;
    let seen = 0;
    const wait = setInterval(() => {
      guard("seed", () => {
        if (seen > snow.requests.length) seen = 0;
        for (; seen < snow.requests.length; seen++) {
          const r = snow.requests[seen];
          if (firstPollAt === undefined && r.method === "GET" && /^\/api\/now\/table\/(incident|task)$/.test(r.path) && r.status === 200) firstPollAt = Date.now();
        }
        const due = firstPollAt !== undefined ? Date.now() >= firstPollAt + pollMs : Date.now() >= waitUntil;
        if (!due) return;
        clearInterval(wait);
        if (firstPollAt === undefined) log(`[seed] the flows have not polled ServiceNow yet; seeding anyway`);
        seedSnow();
      });
    }, Math.min(intervalMs, 250));
    timers.push(wait);
  }
  // records seeded by an earlier call on the same simulators still count as ours
  guard("seed", () => {
    for (const s of DEMO_SEED.snowIncidents) for (const r of findSnowSeed(s.short_description)) seededSysIds.add(r.sys_id);
  });

  function findSnowSeed(shortDescription: string): Array<Record<string, string>> {
    return snow.table("incident").query(`sys_created_by=${SERVICE_DESK_USER}^short_description=${shortDescription.replace(/\^/g, "^^")}`);
  }

  function seedSnow(): void {
    const agent = snow.agent(SERVICE_DESK_USER);
    for (const s of DEMO_SEED.snowIncidents) {
      const existing = findSnowSeed(s.short_description);
      if (existing.length) {
        for (const r of existing) seededSysIds.add(r.sys_id);
        continue;
      }
      const group = s.target === "aws" ? awsGroup : s.target === "ensono" ? ensonoGroup : "Service Desk";
      const fields: Record<string, unknown> = {
        short_description: s.short_description,
        description: s.description,
        category: s.category,
        impact: s.impact,
        urgency: s.urgency,
        caller_id: SERVICE_DESK_USER,
        assignment_group: group,
      };
      if (s.subcategory) fields.subcategory = s.subcategory;
      const rec = agent.createIncident(fields);
      seededSysIds.add(rec.sys_id);
      if (s.comment) agent.comment("incident", rec.sys_id, s.comment);
      log(`[service desk] opened ${rec.number} for ${group}: ${s.short_description}`);
    }
  }

  function seedEnsono(): void {
    const tickets = ensono.inspect.tickets(ensonoEnv).filter((t) => t.createdBy === "ensono");
    for (const s of DEMO_SEED.ensonoTickets) {
      if (tickets.some((t) => t.shortDescription === s.shortDescription && t.ticketType === s.ticketType)) continue;
      const n = ensono.agent.openTicket(ensonoEnv, { ...s, contactName: "Ensono Monitoring", contactEmail: "monitoring@ensono.example" });
      log(`[ensono agent] opened ${s.ticketType} ${n}: ${s.shortDescription}`);
    }
    const c = DEMO_SEED.ensonoChange;
    if (!tickets.some((t) => t.ticketType === "Change" && t.shortDescription === c.shortDescription)) {
      const { approver, ...fields } = c;
      const n = ensono.agent.createChange(ensonoEnv, { ...fields, approvers: [approver] });
      log(`[ensono agent] opened Normal change ${n} for approval by ${approver.email}: ${c.shortDescription}`);
    }
  }

  // ---- the AWS support engineer ----------------------------------------------------------
  const awsDue = new Map<string, number>();
  every("aws engineer", () => {
    for (const c of aws.inspect.cases(accountId)) {
      if (c.status === "resolved" || !awaitsEngineer(c)) {
        awsDue.delete(c.caseId);
        continue;
      }
      const due = awsDue.get(c.caseId);
      if (due === undefined) {
        awsDue.set(c.caseId, Date.now() + replyDelayMs);
        continue;
      }
      if (Date.now() < due) continue;
      awsDue.delete(c.caseId);
      guard("aws engineer", () => answerCase(c));
    }
  });

  function answerCase(c: CaseView): void {
    const answered = c.communications.filter((m) => m.submittedBy === AWS_ENGINEER).length;
    const ref = `case ${c.displayId}${incidentOf("correlation_id", c.caseId)}`;
    if (answered >= 2) {
      aws.engineer.reply(c.caseId, AWS_CLOSING, { status: "work-in-progress" });
      aws.engineer.resolve(c.caseId, "operator");
      log(`[aws engineer] replied to ${ref} and resolved it`);
      return;
    }
    const text = (AWS_REPLIES[c.serviceCode] ?? AWS_GENERIC)[answered];
    const status = answered === 0 ? "work-in-progress" : "pending-customer-action";
    aws.engineer.reply(c.caseId, text, { status });
    log(`[aws engineer] replied to ${ref} → ${status}: "${short(text)}"`);
  }

  // ---- the Ensono agent ----------------------------------------------------------------------
  const ensonoDue = new Map<string, number>();
  every("ensono agent", () => {
    for (const t of ensono.inspect.tickets(ensonoEnv)) {
      if (t.createdBy !== "client" || t.ticketType === "Change" || ["resolved", "closed", "cancelled"].includes(t.status)) continue;
      const next = nextEnsonoStep(t);
      if (!next) continue;
      const key = `${t.number} ${next}`;
      const due = ensonoDue.get(key);
      if (due === undefined) {
        ensonoDue.set(key, Date.now() + replyDelayMs);
        continue;
      }
      if (Date.now() < due) continue;
      ensonoDue.delete(key);
      guard("ensono agent", () => ensonoAct(t, next));
    }
  });

  function nextEnsonoStep(t: TicketView): "pickup" | "work" | "resolve" | undefined {
    if (!t.comments.some((c) => c.source === "ensono" && c.body === ENSONO_PICKUP)) return "pickup";
    if (t.status === "open") return "work";
    if (t.comments.filter((c) => c.source === "client").length >= 2) return "resolve";
    return undefined;
  }

  function ensonoAct(t: TicketView, step: "pickup" | "work" | "resolve"): void {
    const ref = `${t.ticketType.toLowerCase()} ${t.number}${t.clientTicketNumber ? ` (${t.clientTicketNumber})` : ""}`;
    if (step === "pickup") {
      ensono.agent.comment(ensonoEnv, t.number, ENSONO_PICKUP, ENSONO_COMMENTER);
      log(`[ensono agent] commented on ${ref}: "${ENSONO_PICKUP}"`);
    } else if (step === "work") {
      ensono.agent.update(ensonoEnv, t.number, { status: "workingprogress" });
      log(`[ensono agent] moved ${ref} to workingprogress`);
    } else {
      ensono.agent.resolve(ensonoEnv, t.number, "resolved", "Ensono Service Desk: root cause found and fixed; the client confirmed the service is back to normal.");
      log(`[ensono agent] resolved ${ref} (closeCode resolved)`);
    }
  }

  // ---- the service desk (agent.smith) and the CAB approver ------------------------------------
  const deskDue = new Map<string, number>();
  every("service desk", () => {
    for (const sysId of seededSysIds) {
      const inc = snow.table("incident").get(sysId);
      if (!inc || ["6", "7", "8"].includes(inc.state)) continue;
      const comments = snow.journal(sysId).filter((j) => j.element === "comments");
      const replies = comments.filter((j) => j.sys_created_by === SERVICE_DESK_USER).length - (hasSeedComment(inc) ? 1 : 0);
      const last = comments[comments.length - 1];
      if (!last || last.sys_created_by !== integrationUser || replies >= 2) {
        deskDue.delete(sysId);
        continue;
      }
      const due = deskDue.get(sysId);
      if (due === undefined) {
        deskDue.set(sysId, Date.now() + replyDelayMs);
        continue;
      }
      if (Date.now() < due) continue;
      deskDue.delete(sysId);
      const target = inc.correlation_display?.startsWith("AWS") || inc.category === "aws" ? "aws" : "ensono";
      const text = DESK_REPLIES[target][replies];
      guard("service desk", () => {
        snow.agent(SERVICE_DESK_USER).comment("incident", sysId, text);
        log(`[service desk] answered on ${inc.number}: "${short(text)}"`);
      });
    }
  });

  function hasSeedComment(inc: Record<string, string>): boolean {
    return DEMO_SEED.snowIncidents.some((s) => s.comment && s.short_description === inc.short_description);
  }

  const cabDue = new Map<string, number>();
  every("cab approver", () => {
    let cabId: string;
    try {
      cabId = snow.userId(CAB_USER);
    } catch {
      return; // the instance has no such user
    }
    for (const a of snow.table("sysapproval_approver").query(`approver=${cabId}^state=requested`)) {
      const due = cabDue.get(a.sys_id);
      if (due === undefined) {
        cabDue.set(a.sys_id, Date.now() + replyDelayMs);
        continue;
      }
      if (Date.now() < due) continue;
      cabDue.delete(a.sys_id);
      guard("cab approver", () => {
        snow.agent(CAB_USER).approve(a.sys_id, "Approved by the CAB: the rollback plan is sound and the window is agreed.");
        const change = a.sysapproval ? snow.table("change_request").get(a.sysapproval) : undefined;
        log(`[cab approver] approved ${change?.number ?? "a change"}${change?.correlation_id ? ` (Ensono ${change.correlation_id})` : ""}`);
      });
    }
  });

  function incidentOf(field: string, value: string): string {
    const inc = snow.table("incident").query(`${field}=${value.replace(/\^/g, "^^")}`)[0];
    return inc ? ` (${inc.number})` : "";
  }

  return () => {
    stopped = true;
    for (const t of timers) clearInterval(t);
    timers.length = 0;
  };
}

/** A customer communication came after the engineer's last one (or the engineer never answered). */
function awaitsEngineer(c: CaseView): boolean {
  const comms = c.communications; // oldest first
  return comms.length > 0 && comms[comms.length - 1].submittedBy !== AWS_ENGINEER;
}

/** An unset `${VAR}` reaches us as literal text: treat it as not given. */
function given(v: string | undefined): string | undefined {
  if (v === undefined || v.trim() === "" || /^\$\{[^}]*\}$/.test(v.trim())) return undefined;
  return v;
}

/** The Ensono environment of an ENSONO_URL (`…/<client>/<env>`), default dev. */
function envOf(url: string | undefined): "dev" | "cert" | "prod" {
  const last = (url ?? "").replace(/\/+$/, "").split("/").pop();
  return last === "cert" || last === "prod" ? last : "dev";
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}

function short(text: string): string {
  return text.length > 70 ? `${text.slice(0, 67)}…` : text;
}
