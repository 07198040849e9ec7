import * as crypto from "node:crypto";
import type { Caller } from "./state";

/**
 * A tiny STS stand-in: the Query API's AssumeRole and GetCallerIdentity,
 * answered with STS's XML. Temporary keys it issues (ASIA…) map to the
 * account of the assumed role.
 */

export interface RoleConfig {
  roleArn: string;
  accountId: string;
}

export interface TemporarySession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
  /** wall-clock ms: the SDK compares Expiration with the real clock, so expiry does too */
  expiresAt: number;
}

export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

export class StsService {
  private readonly sessions = new Map<string, TemporarySession>();

  constructor(private readonly roles: RoleConfig[]) {}

  session(accessKeyId: string): TemporarySession | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** Handles one Query API request (already authenticated as `caller`); returns the XML body. */
  handle(params: URLSearchParams, caller: Caller, requestId: string): string {
    const action = params.get("Action");
    const version = params.get("Version");
    if (version && version !== "2011-06-15") throw new StsError("InvalidAction", `Could not find operation ${action} for version ${version}`, 400);
    if (action === "AssumeRole") return this.assumeRole(params, caller, requestId);
    if (action === "GetCallerIdentity") {
      const userId = caller.arn.includes(":assumed-role/") ? `AROA${hash(caller.arn, 17)}:${caller.arn.split("/").pop()}` : `AIDA${hash(caller.arn, 17)}`;
      return (
        `<GetCallerIdentityResponse xmlns="${XMLNS}"><GetCallerIdentityResult>` +
        `<Arn>${esc(caller.arn)}</Arn><UserId>${esc(userId)}</UserId><Account>${esc(caller.accountId)}</Account>` +
        `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
      );
    }
    throw new StsError("InvalidAction", `Could not find operation ${action ?? "(none)"} for version ${version ?? "(none)"}`, 400);
  }

  private assumeRole(params: URLSearchParams, caller: Caller, requestId: string): string {
    const roleArn = params.get("RoleArn") ?? "";
    const sessionName = params.get("RoleSessionName") ?? "";
    if (!roleArn) throw new StsError("ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null", 400);
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
      throw new StsError("ValidationError", `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`, 400);
    const duration = Number(params.get("DurationSeconds") ?? "3600");
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
      throw new StsError("ValidationError", `1 validation error detected: Value '${params.get("DurationSeconds")}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`, 400);
    const role = this.roles.find((r) => r.roleArn === roleArn);
    if (!role) throw new StsError("AccessDenied", `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    const roleName = roleArn.split("/").pop() ?? "role";
    const session: TemporarySession = {
      accessKeyId: "ASIA" + randomUpper(16),
      secretAccessKey: crypto.randomBytes(30).toString("base64").slice(0, 40),
      sessionToken: "IQoJb3JpZ2luX2VjE" + crypto.randomBytes(96).toString("base64"),
      accountId: role.accountId,
      roleArn,
      roleName,
      sessionName,
      expiresAt: Date.now() + duration * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    const assumedArn = `arn:aws:sts::${role.accountId}:assumed-role/${roleName}/${sessionName}`;
    return (
      `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult>` +
      `<AssumedRoleUser><AssumedRoleId>AROA${hash(roleArn, 17)}:${esc(sessionName)}</AssumedRoleId><Arn>${esc(assumedArn)}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${esc(session.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${esc(session.sessionToken)}</SessionToken><Expiration>${new Date(session.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z")}</Expiration></Credentials>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`
    );
  }
}

export function stsErrorXml(err: StsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${err.type}</Type><Code>${esc(err.code)}</Code><Message>${esc(err.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

function randomUpper(n: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[crypto.randomInt(0, alphabet.length)];
  return s;
}

function hash(s: string, n: number): string {
  return crypto.createHash("sha256").update(s).digest("hex").toUpperCase().slice(0, n);
}
