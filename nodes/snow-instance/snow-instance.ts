import { createSnowClient, type SnowClient } from "../lib/servicenow/client";
import { probeInstance } from "../lib/servicenow/probe";
import { redact } from "../lib/redact";
import { adminRoute } from "../shared/admin";
import { given, numberSetting, setting } from "../shared/env";
import type { NodeRedRuntime } from "../shared/types";
import type { SnowInstanceNode } from "./types";

/**
 * snow-instance: one ServiceNow instance (URL, basic or OAuth credentials,
 * timeout, extra CA) and the one SnowClient every node using it shares.
 * Values missing from the dialog come from SNOW_URL / SNOW_USER /
 * SNOW_PASSWORD (PRODUCT.md): a flow file loaded at start carries no
 * credentials, and an unset `${VAR}` stays literal text.
 */
interface SnowInstanceConfig {
  id: string;
  name?: string;
  url?: string;
  authType?: string;
  timeout?: string | number;
  ca?: string;
}

interface SnowInstanceCredentials {
  user?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
}


/** The dialog leaves this in a password field whose stored value was not changed. */
const UNCHANGED = "__PWRD__";

interface Resolved {
  url?: string;
  authType: "basic" | "oauth";
  user?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  timeoutMs: number;
  ca?: string;
}

function resolve(config: Partial<SnowInstanceConfig>, creds: SnowInstanceCredentials): Resolved {
  return {
    url: setting(config.url, "SNOW_URL"),
    authType: config.authType === "oauth" ? "oauth" : "basic",
    user: setting(creds.user, "SNOW_USER"),
    password: setting(creds.password, "SNOW_PASSWORD"),
    clientId: setting(creds.clientId, "SNOW_CLIENT_ID"),
    clientSecret: setting(creds.clientSecret, "SNOW_CLIENT_SECRET"),
    timeoutMs: Math.round(numberSetting(config.timeout, undefined, 30, 1, 600) * 1000),
    ca: given(config.ca) ? String(config.ca) : undefined,
  };
}

function clientFor(r: Resolved): SnowClient {
  const missing = [!r.url && "URL (or SNOW_URL)", !r.user && "user (or SNOW_USER)", !r.password && "password (or SNOW_PASSWORD)"];
  if (r.authType === "oauth") missing.push(!r.clientId && "OAuth client id", !r.clientSecret && "OAuth client secret");
  const gaps = missing.filter(Boolean);
  if (gaps.length) throw Object.assign(new Error(`missing ${gaps.join(", ")}`), { code: "SNOW_NOT_CONFIGURED" });
  return createSnowClient({
    url: r.url!,
    auth: r.authType === "oauth" ? { type: "oauth", user: r.user!, password: r.password!, clientId: r.clientId!, clientSecret: r.clientSecret! } : { type: "basic", user: r.user!, password: r.password! },
    timeoutMs: r.timeoutMs,
    ca: r.ca,
  });
}

/** Resolved settings of deployed nodes, kept off the node object. */
const deployed = new WeakMap<object, Resolved>();

export = function register(RED: NodeRedRuntime): void {
  function SnowInstance(this: SnowInstanceNode, config: SnowInstanceConfig): void {
    RED.nodes.createNode(this, config);
    const r = resolve(config, (this.credentials ?? {}) as SnowInstanceCredentials);
    deployed.set(this, r);
    this.url = r.url ?? "";
    this.userName = r.user ?? "";
    this.authType = r.authType;
    this.client = undefined;
    this.configError = undefined;
    try {
      this.client = clientFor(r);
    } catch (err) {
      this.configError = redact((err as Error).message);
      this.warn(`snow-instance: ${this.configError}`);
    }
  }

  RED.nodes.registerType("snow-instance", SnowInstance, {
    credentials: {
      user: { type: "text" },
      password: { type: "password" },
      clientId: { type: "text" },
      clientSecret: { type: "password" },
    },
  });

  /**
   * Test connection: the dialog's values (the deployed node's stored secrets
   * where the dialog sends the unchanged placeholder), a login check, then a
   * read and a write check per table — nothing is created or changed.
   */
  adminRoute(RED, "post", "/snow-instance/test", "snow-instance.write", async (req) => {
    const body = (req.body ?? {}) as Partial<SnowInstanceConfig> & SnowInstanceCredentials;
    const node = body.id ? (RED.nodes.getNode(body.id) as SnowInstanceNode | null) : null;
    const stored = node ? deployed.get(node) : undefined;
    const secret = (v: string | undefined, fallback: string | undefined) => (v === UNCHANGED || v === undefined || v === "" ? fallback : v);
    const r = resolve(body, {
      user: body.user || stored?.user,
      password: secret(body.password, stored?.password),
      clientId: body.clientId || stored?.clientId,
      clientSecret: secret(body.clientSecret, stored?.clientSecret),
    });
    let client: SnowClient;
    try {
      client = clientFor(r);
    } catch (err) {
      const hint = node ? "" : " (stored secrets are only known once the node is deployed)";
      return { ok: false, message: `Cannot test: ${redact((err as Error).message)}${hint}.` };
    }
    const report = await probeInstance(client);
    return { ok: report.ok, message: redact(report.summary), report: JSON.parse(redact(JSON.stringify(report))) };
  });
};
