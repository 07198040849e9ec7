/**
 * Shared by the servicenow-aws-support flow tests (no tests of its own): the
 * flow file, the environment of PRODUCT.md's contract, and a kit over the
 * ServiceNow and AWS Support simulators.
 */
import { sandboxEnv } from "../../sandbox/env";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SnowSandbox } from "../../sandbox/servicenow";
import type { AwsSupportSandbox } from "../../sandbox/aws-support";
import { eventually } from "../helpers/runtime";
import { PACKAGE_ROOT } from "../helpers/paths";

export const ACCOUNT = "111111111111";
export const GROUP = `AWS-${ACCOUNT}`;

export function flowFile(): unknown[] {
  return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "flows", "servicenow-aws-support.json"), "utf8")) as unknown[];
}

export function envFor(snow: SnowSandbox, aws: AwsSupportSandbox): Record<string, string> {
  return { ...sandboxEnv({ snow, aws }, { pollSeconds: 1 }), AWS_ACCOUNT_ID: ACCOUNT };
}

/** A test kit over the two simulators. */
export function kit(snow: SnowSandbox, aws: AwsSupportSandbox) {
  const agent = snow.agent();
  const k = {
    agent,
    incident: (fields: Record<string, unknown>) => agent.createIncident({ category: "aws", subcategory: "aws-lambda", assignment_group: GROUP, impact: "2", urgency: "2", ...fields }),
    get: (sysId: string) => snow.table("incident").get(sysId)!,
    cases: () => aws.inspect.cases(ACCOUNT),
    caseOf: (sysId: string) => aws.inspect.cases(ACCOUNT).find((c) => c.caseId === snow.table("incident").get(sysId)?.correlation_id),
    casesFor: (number: string) => aws.inspect.cases(ACCOUNT).filter((c) => c.subject.includes(`${number}: `)),
    comments: (sysId: string) => snow.journal(sysId).filter((e) => e.element === "comments"),
    workNotes: (sysId: string) => snow.journal(sysId).filter((e) => e.element === "work_notes"),
    /** the case's communications from the integration (marker), body without the marker */
    ours: (caseId: string) =>
      (aws.inspect.cases(ACCOUNT).find((c) => c.caseId === caseId)?.communications ?? [])
        .filter((m) => /\[cx:[a-z0-9]+\]\s*$/.test(m.body))
        .map((m) => ({ ...m, body: m.body.replace(/\s*\[cx:[a-z0-9]+\]\s*$/, "") })),
    calls: (op: string) => aws.inspect.calls.filter((c) => c.operation === op && c.status === 200),
    /** the incident once bonded, and once a watch sweep that started after the bond has run (the watch knows the case) */
    bonded: async (sysId: string) => {
      const rec = await eventually(() => (k.get(sysId).correlation_id ? k.get(sysId) : undefined), 20_000);
      const sweeps = aws.inspect.calls.filter((c) => c.operation === "DescribeCases").length;
      await eventually(() => aws.inspect.calls.filter((c) => c.operation === "DescribeCases").length >= sweeps + 2, 10_000);
      return rec;
    },
  };
  return k;
}

export const settle = (ms = 3_000) => new Promise((r) => setTimeout(r, ms));

