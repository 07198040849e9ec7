/** The aws-support-account node's settings resolution, shared with aws-support-case. */
import { AwsSupportAccountClient, SUPPORT_REGIONS, type AwsCredentialSource } from "../lib/aws-support";
import { toCaseExchangeError } from "../lib/errors";
import { redact } from "../lib/redact";
import { setting } from "../shared/env";
import type { NodeRedRuntime, RuntimeNode } from "../shared/types";

/** The editor's configuration of one AWS account. */
export interface AwsSupportAccountConfig {
  id?: string;
  name?: string;
  accountId?: string;
  accountName?: string;
  assignmentGroup?: string;
  credentialMode?: "keys" | "chain" | string;
  roleArn?: string;
  externalId?: string;
  region?: string;
  endpoint?: string;
  stsEndpoint?: string;
  language?: string;
  production?: boolean | string;
  createGroup?: boolean | string;
  /** the snow-instance in which "create the assignment group" ensures the group */
  snowInstance?: string;
}

export interface AwsSupportAccountCredentials {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

/** What other nodes rely on (PRODUCT.md): exact field names. */
export interface AwsSupportAccountNode extends RuntimeNode {
  accountId: string;
  accountName: string;
  assignmentGroup: string;
  production: boolean;
  language: string;
  region: string;
  createGroup: boolean;
  client: AwsSupportAccountClient | undefined;
  configError: string | undefined;
}

function bool(v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null || v === "") return fallback;
  return v === true || v === "true";
}

/**
 * Resolves an account's settings (dialog values, then the environment
 * contract of PRODUCT.md) and builds its client. Throws a readable error
 * when something is missing; never includes a secret in it.
 */
export function resolveAccount(config: AwsSupportAccountConfig, creds: AwsSupportAccountCredentials = {}) {
  const accountId = setting(config.accountId, "AWS_ACCOUNT_ID") ?? "";
  const region = setting(config.region, "AWS_REGION", "us-east-1")!;
  const endpoint = setting(config.endpoint, "AWS_SUPPORT_ENDPOINT");
  const stsEndpoint = setting(config.stsEndpoint);
  const accessKeyId = setting(creds.accessKeyId, "AWS_ACCESS_KEY_ID");
  const secretAccessKey = setting(creds.secretAccessKey, "AWS_SECRET_ACCESS_KEY");
  const sessionToken = setting(creds.sessionToken, accessKeyId === process.env.AWS_ACCESS_KEY_ID ? "AWS_SESSION_TOKEN" : undefined);
  const mode = config.credentialMode === "chain" ? "chain" : accessKeyId && secretAccessKey ? "keys" : "chain";
  const credentials: AwsCredentialSource = mode === "keys" ? { mode: "keys", accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken } : { mode: "chain" };
  return {
    accountId,
    accountName: setting(config.accountName) ?? "",
    assignmentGroup: setting(config.assignmentGroup) ?? (accountId ? `AWS-${accountId}` : ""),
    production: bool(config.production, true),
    createGroup: bool(config.createGroup, false),
    language: setting(config.language) ?? "en",
    region,
    options: {
      accountId,
      region,
      endpoint,
      stsEndpoint,
      credentials,
      roleArn: setting(config.roleArn),
      externalId: setting(config.externalId),
      production: bool(config.production, true),
      language: setting(config.language) ?? "en",
    },
  };
}

export function buildClient(config: AwsSupportAccountConfig, creds: AwsSupportAccountCredentials): { client?: AwsSupportAccountClient; error?: string; resolved: ReturnType<typeof resolveAccount> } {
  const resolved = resolveAccount(config, creds);
  if (!/^\d{12}$/.test(resolved.accountId)) return { resolved, error: `account id must be 12 digits (got "${resolved.accountId || "nothing"}"; set it in the dialog or AWS_ACCOUNT_ID)` };
  if (!(SUPPORT_REGIONS as readonly string[]).includes(resolved.region)) return { resolved, error: `region must be one of ${SUPPORT_REGIONS.join(", ")}` };
  try {
    return { resolved, client: new AwsSupportAccountClient(resolved.options) };
  } catch (err) {
    return { resolved, error: redact(toCaseExchangeError(err).message) };
  }
}

/** All deployed aws-support-account nodes. */
export function allAccounts(RED: NodeRedRuntime): AwsSupportAccountNode[] {
  const out: AwsSupportAccountNode[] = [];
  RED.nodes.eachNode?.((n) => {
    if (n.type !== "aws-support-account") return;
    const live = RED.nodes.getNode(n.id) as AwsSupportAccountNode | null;
    if (live) out.push(live);
  });
  return out;
}

