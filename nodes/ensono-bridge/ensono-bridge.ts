import { checkEnsonoConnection } from "../lib/ensono/tickets";
import { redact } from "../lib/redact";
import { adminRoute } from "../shared/admin";
import { numberSetting } from "../shared/env";
import type { NodeRedRuntime } from "../shared/types";
import { buildBridgeRuntime, resolveConnectionSettings, type EnsonoBridgeConfig, type EnsonoBridgeCredentials, type EnsonoBridgeNode } from "./bridge";

/** The password field's placeholder when the dialog did not change a stored secret. */
const UNCHANGED = "__PWRD__";

interface TestRequestBody {
  id?: string;
  url?: string;
  clientName?: string;
  apiKey?: string;
  timeout?: string | number;
}

function register(RED: NodeRedRuntime): void {
  function EnsonoBridge(this: EnsonoBridgeNode, config: EnsonoBridgeConfig) {
    RED.nodes.createNode(this, config);
    Object.assign(this, buildBridgeRuntime(config, (this.credentials ?? {}) as EnsonoBridgeCredentials));
    if (this.configError) this.warn(`ensono-bridge: ${this.configError}`);
  }

  RED.nodes.registerType("ensono-bridge", EnsonoBridge, { credentials: { apiKey: { type: "password" } } });

  /**
   * Test connection: the dialog's current values (the deployed node's key when
   * the password field is unchanged), one harmless probe, an answer in words.
   */
  adminRoute(RED, "post", "/ensono-bridge/test", "ensono-bridge.write", async (req) => {
    const body = (req.body ?? {}) as TestRequestBody;
    let apiKey: unknown = body.apiKey;
    if (apiKey === undefined || apiKey === "" || apiKey === UNCHANGED) {
      apiKey = undefined;
      if (body.id) {
        const deployed = RED.nodes.getNode(body.id) as EnsonoBridgeNode | null;
        const nodes = RED.nodes as unknown as { getCredentials?: (id: string) => EnsonoBridgeCredentials | undefined };
        apiKey = deployed?.credentials?.apiKey ?? nodes.getCredentials?.(body.id)?.apiKey;
      }
    }
    const s = resolveConnectionSettings(body.url, body.clientName, apiKey);
    if (s.missing.length) {
      const keyHint = s.apiKey ? "" : " (a stored key is only known once the node is deployed)";
      return { ok: false, problem: "missing", message: `Cannot test: missing ${s.missing.join(", ")}${keyHint}.` };
    }
    const timeoutMs = Math.round(numberSetting(body.timeout, undefined, 15, 1, 60) * 1000);
    const result = await checkEnsonoConnection({ envUrl: s.envUrl!, clientName: s.clientName!, apiKey: s.apiKey!, timeoutMs });
    return { ...result, message: redact(result.message), envUrl: s.envUrl, clientName: s.clientName };
  });
}

export = register;
