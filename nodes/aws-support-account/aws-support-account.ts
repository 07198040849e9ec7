import { SUBSCRIPTION_REQUIRED_TEXT, type AwsSupportAccountClient } from "../lib/aws-support";
import { toCaseExchangeError } from "../lib/errors";
import { redact } from "../lib/redact";
import { adminRoute } from "../shared/admin";
import type { NodeRedRuntime } from "../shared/types";
import type { SnowInstanceNode } from "../snow-instance/types";
import { ensureAssignmentGroup } from "./group";
import { buildClient, type AwsSupportAccountConfig, type AwsSupportAccountCredentials, type AwsSupportAccountNode } from "./account";

function register(RED: NodeRedRuntime): void {
  function AwsSupportAccount(this: AwsSupportAccountNode, config: AwsSupportAccountConfig) {
    RED.nodes.createNode(this, config);
    const built = buildClient(config, (this.credentials ?? {}) as AwsSupportAccountCredentials);
    this.accountId = built.resolved.accountId;
    this.accountName = built.resolved.accountName;
    this.assignmentGroup = built.resolved.assignmentGroup;
    this.production = built.resolved.production;
    this.createGroup = built.resolved.createGroup;
    this.language = built.resolved.language;
    this.region = built.resolved.region;
    this.client = built.client;
    this.configError = built.error;
    if (built.error) this.warn(`aws-support-account: ${built.error}`);
    if (this.createGroup && this.assignmentGroup) {
      // the snow-instance may be created after this node: look it up once every config node exists
      const groupName = this.assignmentGroup;
      setImmediate(() => {
        const inst = config.snowInstance ? (RED.nodes.getNode(config.snowInstance) as SnowInstanceNode | null) : null;
        if (!inst) {
          this.warn(`aws-support-account: "create the assignment group" is ticked but no ServiceNow instance is chosen; group ${groupName} not checked`);
          return;
        }
        if (!inst.client) {
          this.warn(`aws-support-account: ServiceNow instance not configured (${inst.configError ?? "no client"}); group ${groupName} not checked`);
          return;
        }
        ensureAssignmentGroup(inst.client, groupName, this.accountId).then(
          (r) => this.log(r.created ? `created the ServiceNow assignment group ${r.name} (${r.sysId})` : `the ServiceNow assignment group ${r.name} exists (${r.sysId})`),
          (err: unknown) => this.warn(`aws-support-account: could not ensure the ServiceNow assignment group ${groupName}: ${redact(toCaseExchangeError(err).message)}`),
        );
      });
    }
    this.on("close", (_removed: boolean, done: () => void) => {
      this.client?.destroy();
      done();
    });
  }

  RED.nodes.registerType("aws-support-account", AwsSupportAccount, {
    credentials: { accessKeyId: { type: "text" }, secretAccessKey: { type: "password" }, sessionToken: { type: "password" } },
  });

  /** The dialog's values, with "__PWRD__" (a secret the editor does not show) taken from the deployed node. */
  function dialogClient(body: Record<string, unknown>): AwsSupportAccountClient {
    const deployed = typeof body.id === "string" ? (RED.nodes.getNode(body.id) as AwsSupportAccountNode | null) : null;
    const stored = (deployed?.credentials ?? {}) as AwsSupportAccountCredentials;
    const pick = (k: keyof AwsSupportAccountCredentials) => {
      const v = body[k];
      return v === "__PWRD__" || v === undefined ? stored[k] : String(v);
    };
    const built = buildClient(body as AwsSupportAccountConfig, { accessKeyId: pick("accessKeyId"), secretAccessKey: pick("secretAccessKey"), sessionToken: pick("sessionToken") });
    if (!built.client) throw Object.assign(new Error(built.error ?? "not configured"), { code: "INPUT_INVALID" });
    return built.client;
  }

  function accountClient(id: string): AwsSupportAccountClient {
    const n = RED.nodes.getNode(id) as AwsSupportAccountNode | null;
    if (!n || n.type !== "aws-support-account") throw Object.assign(new Error(`no deployed aws-support-account ${id}: deploy it first`), { code: "INPUT_INVALID" });
    if (!n.client) throw Object.assign(new Error(n.configError ?? "not configured"), { code: "INPUT_INVALID" });
    return n.client;
  }

  adminRoute(RED, "post", "/aws-support-account/test", "aws-support-account.write", async (req) => {
    const client = dialogClient((req.body ?? {}) as Record<string, unknown>);
    try {
      const r = await client.checkConnection();
      return { ok: true, accountId: client.accountId, severityLevels: r.severityLevels.map((s) => s.code) };
    } catch (err) {
      const e = toCaseExchangeError(err);
      const message = e.code === "AWS_SUPPORT_SUBSCRIPTION_REQUIRED" ? `Account ${client.accountId}: ${SUBSCRIPTION_REQUIRED_TEXT}.` : redact(e.message);
      throw Object.assign(new Error(message), { code: e.code });
    } finally {
      client.destroy();
    }
  });

  adminRoute(RED, "get", "/aws-support-account/:id/services", "aws-support-account.read", async (req) => {
    const services = await accountClient(req.params.id).describeServices();
    return services.map((s) => ({ code: s.code, name: s.name, categories: (s.categories ?? []).map((c) => ({ code: c.code, name: c.name })) }));
  });

  adminRoute(RED, "get", "/aws-support-account/:id/severity-levels", "aws-support-account.read", async (req) => {
    const levels = await accountClient(req.params.id).describeSeverityLevels();
    return levels.map((s) => ({ code: s.code, name: s.name }));
  });
}

export = register;
