import type { SnowClient } from "../lib/servicenow/client";
import { eq } from "../lib/servicenow/query";

/**
 * The seed's "create the AWS-<account> assignment group" option: ensures a
 * sys_user_group with the account's group name exists in ServiceNow. Looks it
 * up by name first and creates it only when missing; concurrent calls for the
 * same instance and name share one attempt, so it is never created twice.
 */
export interface EnsureGroupResult {
  name: string;
  sysId: string;
  created: boolean;
}

const pending = new Map<string, Promise<EnsureGroupResult>>();

export function ensureAssignmentGroup(client: Pick<SnowClient, "url" | "query" | "create">, name: string, accountId: string): Promise<EnsureGroupResult> {
  const key = `${client.url}\u0000${name.toLowerCase()}`;
  const running = pending.get(key);
  if (running) return running;
  const p = (async () => {
    const found = await client.query("sys_user_group", eq("name", name), { fields: ["sys_id", "name"], limit: 1 });
    if (found[0]?.sys_id) return { name, sysId: found[0].sys_id, created: false };
    const rec = await client.create("sys_user_group", { name, description: `AWS Support cases of AWS account ${accountId} (created by the aws-support-account node)` });
    return { name, sysId: rec.sys_id, created: true };
  })();
  pending.set(key, p);
  void p.then(
    () => pending.delete(key),
    () => pending.delete(key),
  );
  return p;
}
