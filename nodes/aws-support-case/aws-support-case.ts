import { CaseWatcher, stripMarker, type AccountWatchState, type AwsSupportAccountClient, type WatchEvent } from "../lib/aws-support";
import { CaseExchangeError, inputInvalid } from "../lib/errors";
import { contextGet, contextSet, isPersistentStore } from "../shared/context";
import { numberSetting } from "../shared/env";
import { onClose, onInput, reportBackgroundError } from "../shared/node";
import { StatusReporter } from "../shared/status";
import type { NodeMessage, NodeRedRuntime, RuntimeNode } from "../shared/types";
import { allAccounts, type AwsSupportAccountNode } from "../aws-support-account/account";
import { runAction, ACTIONS, type Action } from "./actions";

interface CaseNodeConfig {
  name?: string;
  account?: string;
  action?: string;
  serviceCode?: string;
  categoryCode?: string;
  severityCode?: string;
  issueType?: string;
  watch?: boolean | string;
  watchAccounts?: "own" | "all" | string;
  interval?: string | number;
  contextStore?: string;
}

function register(RED: NodeRedRuntime): void {
  function AwsSupportCase(this: RuntimeNode, config: CaseNodeConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const own = config.account ? (RED.nodes.getNode(config.account) as AwsSupportAccountNode | null) : null;
    const defaults = { serviceCode: config.serviceCode, categoryCode: config.categoryCode, severityCode: config.severityCode, issueType: config.issueType };
    const configuredAction = (config.action || "msg") as Action | "msg";

    if (own?.configError) status.notConfigured(own.configError.slice(0, 60));
    else if (!own && config.account) status.notConfigured("account missing");
    else status.ready();

    /** The account for a message: msg.awsSupport.accountId, then its assignment group, then the node's own. */
    function accountFor(msg: NodeMessage): AwsSupportAccountNode {
      const sel = (msg.awsSupport ?? {}) as { accountId?: unknown; assignmentGroup?: unknown };
      let acct: AwsSupportAccountNode | undefined;
      if (sel.accountId !== undefined && sel.accountId !== "") {
        acct = allAccounts(RED).find((a) => a.accountId === String(sel.accountId));
        if (!acct) throw new CaseExchangeError("AWS_SUPPORT_ACCOUNT_UNKNOWN", `no aws-support-account is configured for account ${String(sel.accountId)}`, { details: { accountId: String(sel.accountId) } });
      } else if (sel.assignmentGroup !== undefined && sel.assignmentGroup !== "") {
        acct = allAccounts(RED).find((a) => a.assignmentGroup === String(sel.assignmentGroup));
        if (!acct)
          throw new CaseExchangeError("AWS_SUPPORT_ACCOUNT_UNKNOWN", `the assignment group "${String(sel.assignmentGroup)}" is no AWS account's group`, {
            details: { assignmentGroup: String(sel.assignmentGroup) },
          });
      } else acct = own ?? undefined;
      if (!acct) throw new CaseExchangeError("AWS_SUPPORT_NOT_CONFIGURED", "no AWS account: choose one in the node or give msg.awsSupport.accountId / assignmentGroup");
      if (!acct.client) throw new CaseExchangeError("AWS_SUPPORT_NOT_CONFIGURED", `account ${acct.accountId || acct.id} is not configured: ${acct.configError ?? "no client"}`, { details: { accountId: acct.accountId } });
      return acct;
    }

    // ---------------------------------------------------------------- watch
    const watchOn = config.watch === true || config.watch === "true";
    const store = config.contextStore || undefined;
    const intervalMs = numberSetting(config.interval, "SYNC_POLL_SECONDS", 60, 1, 86_400) * 1000;
    let timer: NodeJS.Timeout | undefined;
    let closing = false;
    // sweeps never overlap: the timer's and those asked for by a message queue up
    let chain: Promise<void> = Promise.resolve();
    const runSweep = (): Promise<void> => {
      const p = chain.then(() => (closing ? undefined : sweepAll()));
      chain = p.catch(() => undefined);
      return p;
    };
    const persistent = isPersistentStore(RED, store);

    function watchedAccounts(): AwsSupportAccountNode[] {
      if (config.watchAccounts === "all") return allAccounts(RED);
      return own ? [own] : [];
    }

    function emit(acct: AwsSupportAccountNode, e: WatchEvent): void {
      const payload = e.type === "communication" ? { ...e, communication: { ...e.communication, body: stripMarker(e.communication.body ?? "") } } : e;
      node.send({
        topic: e.type,
        payload,
        awsSupport: { accountId: acct.accountId, accountName: acct.accountName, assignmentGroup: acct.assignmentGroup, caseId: e.caseId, displayId: e.displayId, event: e.type, status: e.status },
      });
    }

    async function sweepAll(): Promise<void> {
      const ctx = node.context();
      let emitted = 0;
      let open = 0;
      let failed: string | undefined;
      for (const acct of watchedAccounts()) {
        if (closing) return;
        if (!acct.client) continue;
        const key = `aws-watch-${acct.accountId}`;
        try {
          const prev = await contextGet<AccountWatchState>(ctx, key, store);
          const r = await new CaseWatcher(acct.accountId, acct.client).sweep(prev);
          if (closing) return; // a sweep cut short by a stop is redone after the restart
          for (const e of r.events) emit(acct, e);
          await contextSet(ctx, key, r.state, store);
          emitted += r.events.length;
          open += r.openCases;
        } catch (err) {
          const e = reportBackgroundError(node, err, { awsSupport: { accountId: acct.accountId } });
          failed = e.code;
        }
      }
      if (failed) status.failed(failed);
      else if (!persistent) status.warning(`watching ${open} open; state not persistent`);
      else status.ready(`watching ${open} open${emitted ? `, ${emitted} new` : ""}`);
    }

    function schedule(ms: number): void {
      if (closing) return;
      timer = setTimeout(() => {
        void runSweep().finally(() => schedule(intervalMs));
      }, ms);
    }

    if (watchOn) {
      if (!persistent) node.warn("aws-support-case: the watch state is kept in a context store that does not survive a restart; changes made while Node-RED is down will be missed or repeated. Configure a persistent (localfilesystem) context store.");
      schedule(200);
    }

    onInput(
      node,
      async (msg, send) => {
        const actionRaw = configuredAction === "msg" ? msg.action : configuredAction;
        const action = String(actionRaw ?? "");
        if (action === "watch") {
          if (!watchOn) throw inputInvalid("this node is not in watch mode");
          await runSweep();
          return;
        }
        if (!(ACTIONS as readonly string[]).includes(action)) throw inputInvalid(`unknown action "${action}"; one of ${ACTIONS.join(", ")}`);
        const acct = accountFor(msg);
        status.busy(action);
        const r = await runAction(acct.client as AwsSupportAccountClient, action as Action, msg, defaults);
        msg.payload = r.payload;
        for (const [k, v] of Object.entries(r.extra ?? {})) msg[k] = v;
        msg.awsSupport = { ...((msg.awsSupport as object) ?? {}), accountId: acct.accountId, accountName: acct.accountName, assignmentGroup: acct.assignmentGroup, action, ...(r.caseId ? { caseId: r.caseId } : {}) };
        status.done(r.summary);
        send(msg);
      },
      status,
    );

    onClose(node, async () => {
      closing = true;
      if (timer) clearTimeout(timer);
      await chain;
    });
  }

  RED.nodes.registerType("aws-support-case", AwsSupportCase);
}

export = register;
