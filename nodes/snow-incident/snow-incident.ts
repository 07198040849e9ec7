import { CaseExchangeError, inputInvalid } from "../lib/errors";
import { redact } from "../lib/redact";
import type { SnowClient } from "../lib/servicenow/client";
import { SnowWatcher, type WatchEvent, type WatchState } from "../lib/servicenow/watch";
import { contextGet, contextSet, isPersistentStore } from "../shared/context";
import { given, numberSetting } from "../shared/env";
import { onClose, onInput, reportBackgroundError } from "../shared/node";
import { StatusReporter } from "../shared/status";
import type { NodeMessage, NodeRedRuntime, RuntimeNode } from "../shared/types";
import { actionOf, runAction } from "./actions";

/**
 * snow-incident: ServiceNow record actions on incident (or any task table),
 * and a watch mode that polls for changes (lib/servicenow/watch.ts) and
 * emits one message per changed record, comment, work note and attachment.
 */
interface SnowIncidentConfig {
  name?: string;
  instance?: string;
  table?: string;
  action?: string;
  guardCorrelation?: boolean;
  watch?: boolean;
  query?: string;
  fields?: string;
  interval?: string | number;
  emitExisting?: boolean;
  store?: string;
}

interface InstanceNode {
  client?: SnowClient;
  configError?: string;
  userName?: string;
}

const STATE_KEY = "snowWatch";

function watchMessage(e: WatchEvent, instanceUrl: string): NodeMessage {
  const payload: Record<string, unknown> = { record: e.record };
  if (e.event === "changed") payload.changes = e.changes;
  if (e.entry) payload.entry = e.entry;
  if (e.attachment) payload.attachment = e.attachment;
  return {
    topic: `${e.table}/${e.number || e.sys_id}/${e.event}`,
    payload,
    snow: {
      event: e.event,
      table: e.table,
      sys_id: e.sys_id,
      number: e.number,
      by: e.by,
      at: e.at,
      instance: instanceUrl,
      ...(e.created ? { created: true } : {}),
      ...(e.existing ? { existing: true } : {}),
      ...(e.entry ? { element: e.entry.element } : {}),
      ...(e.attachment ? { attachment_sys_id: e.attachment.sys_id, file_name: e.attachment.file_name } : {}),
    },
  };
}

export = function register(RED: NodeRedRuntime): void {
  function SnowIncident(this: RuntimeNode, config: SnowIncidentConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const instance = (config.instance ? RED.nodes.getNode(config.instance) : null) as InstanceNode | null;
    const client = instance?.client;
    const table = given(config.table) ?? "incident";

    if (!client) {
      const why = instance?.configError ? `not configured: ${instance.configError}` : "not configured: no snow-instance";
      status.notConfigured(instance ? "not configured: instance" : "not configured: no instance");
      node.error(`snow-incident: ${redact(why)}`);
      onInput(node, async () => {
        throw new CaseExchangeError("SNOW_NOT_CONFIGURED", `snow-incident: ${redact(why)}`);
      }, status);
      return;
    }

    if (!config.watch) {
      status.ready();
      onInput(
        node,
        async (msg, send) => {
          const action = actionOf(config.action, msg);
          status.busy(action);
          const r = await runAction(client, action, { table, query: config.query ?? "", guardCorrelation: config.guardCorrelation !== false }, msg);
          msg.payload = r.payload;
          msg.snow = { ...r.snow, instance: client.url };
          if (r.filename) msg.filename = r.filename;
          status.done(r.status);
          send(msg);
        },
        status,
      );
      return;
    }

    // ---------------------------------------------------------------- watch mode
    const store = given(config.store);
    const persistent = isPersistentStore(RED, store);
    const intervalMs = Math.round(numberSetting(config.interval, "SYNC_POLL_SECONDS", 60, 1, 86_400) * 1000);
    const fields = (config.fields ?? "").split(",").map((f) => f.trim()).filter(Boolean);
    let watcher: SnowWatcher;
    try {
      watcher = new SnowWatcher(client, { table, query: config.query ?? "", fields: fields.length ? fields : undefined, emitExisting: !!config.emitExisting });
    } catch (err) {
      status.notConfigured("not configured: query");
      node.error(`snow-incident: ${redact((err as Error).message)}`);
      onInput(node, async () => {
        throw err;
      }, status);
      return;
    }
    if (!persistent) node.warn(`snow-incident: the context store "${store ?? "default"}" is not persistent; after a restart the watch starts afresh. Enable localfilesystem context in settings.js.`);
    const ctx = node.context();
    let timer: NodeJS.Timeout | undefined;
    let paused = false;
    let closing = false;
    let running: Promise<void> | undefined;
    const abort = new AbortController();
    let lastOk = "";

    const idleStatus = () => {
      if (paused) status.paused();
      else if (!persistent) status.warning(`watching (not persistent)${lastOk}`);
      else status.ready(`watching${lastOk}`);
    };

    async function pollOnce(): Promise<void> {
      const previous = await contextGet<WatchState>(ctx, STATE_KEY, store);
      const r = await watcher.poll(previous, abort.signal);
      // the position is stored before the events go out: a restart resumes after them
      await contextSet(ctx, STATE_KEY, r.state, store);
      for (const e of r.events) node.send(watchMessage(e, client!.url));
      const t = new Date();
      lastOk = ` · ${r.initial ? "started" : `${r.events.length} events`} ${String(t.getHours()).padStart(2, "0")}:${String(t.getMinutes()).padStart(2, "0")}:${String(t.getSeconds()).padStart(2, "0")}`;
    }

    function run(): Promise<void> {
      if (running) return running;
      running = (async () => {
        try {
          await pollOnce();
          idleStatus();
        } catch (err) {
          if (!closing) {
            const e = reportBackgroundError(node, err, { snow: { event: "error", table } });
            status.failed(e.code);
          }
        } finally {
          running = undefined;
        }
      })();
      return running;
    }

    function schedule(ms: number): void {
      if (closing || paused) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        void run().then(() => schedule(intervalMs));
      }, ms);
    }

    idleStatus();
    schedule(0);

    onInput(
      node,
      async (msg) => {
        const a = String(msg.action ?? "poll").toLowerCase();
        if (a === "pause") {
          paused = true;
          clearTimeout(timer);
          idleStatus();
        } else if (a === "resume") {
          paused = false;
          idleStatus();
          schedule(0);
        } else if (a === "poll") {
          clearTimeout(timer);
          await run();
          schedule(intervalMs);
        } else if (a === "reset") {
          clearTimeout(timer);
          await running;
          await contextSet(ctx, STATE_KEY, undefined, store);
          schedule(0);
        } else {
          throw inputInvalid(`A watching snow-incident takes msg.action poll, pause, resume or reset, not "${a}"`);
        }
      },
      status,
    );

    onClose(node, async () => {
      closing = true;
      clearTimeout(timer);
      abort.abort();
      await running;
    });
  }

  RED.nodes.registerType("snow-incident", SnowIncident);
};
