import type { AwsSupportAccountClient } from "../lib/aws-support";
import { inputInvalid } from "../lib/errors";
import type { NodeMessage } from "../shared/types";

export const ACTIONS = [
  "createCase",
  "addCommunication",
  "describeCases",
  "describeCommunications",
  "downloadAttachment",
  "resolveCase",
  "describeServices",
  "describeSeverityLevels",
] as const;
export type Action = (typeof ACTIONS)[number];

export interface ActionResult {
  payload: unknown;
  summary: string;
  caseId?: string;
  extra?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}
function strList(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") return v.split(",").map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v)) return v.map(String);
  throw inputInvalid("expected a list of strings");
}
function boolOr(v: unknown, d: boolean | undefined): boolean | undefined {
  return typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : d;
}

/** Reads the action's input from msg.payload (an object) and msg.awsSupport, calls the client. Credentials never come from msg. */
export async function runAction(client: AwsSupportAccountClient, action: Action, msg: NodeMessage, defaults: { serviceCode?: string; categoryCode?: string; severityCode?: string; issueType?: string }): Promise<ActionResult> {
  const p: Obj = msg.payload && typeof msg.payload === "object" && !Buffer.isBuffer(msg.payload) ? (msg.payload as Obj) : {};
  const meta = (msg.awsSupport ?? {}) as Obj;
  const caseId = str(p.caseId) ?? str(meta.caseId);
  const body = str(p.communicationBody) ?? str(p.body) ?? (typeof msg.payload === "string" ? msg.payload : undefined);
  switch (action) {
    case "createCase": {
      const r = await client.createCase({
        subject: str(p.subject) ?? str(msg.topic) ?? "",
        communicationBody: body ?? "",
        serviceCode: str(p.serviceCode) ?? defaults.serviceCode,
        categoryCode: str(p.categoryCode) ?? defaults.categoryCode,
        severityCode: str(p.severityCode) ?? defaults.severityCode,
        issueType: str(p.issueType) ?? defaults.issueType,
        ccEmailAddresses: strList(p.ccEmailAddresses),
        language: str(p.language),
        attachments: Array.isArray(p.attachments) ? p.attachments : undefined,
      });
      return { payload: r, summary: r.displayId ?? r.caseId, caseId: r.caseId };
    }
    case "addCommunication": {
      if (!caseId) throw inputInvalid("addCommunication needs msg.payload.caseId (or msg.awsSupport.caseId)");
      const r = await client.addCommunication({ caseId, communicationBody: body ?? "", ccEmailAddresses: strList(p.ccEmailAddresses), attachments: Array.isArray(p.attachments) ? p.attachments : undefined });
      return { payload: r, summary: `${r.communications} sent`, caseId };
    }
    case "describeCases": {
      const ids = strList(p.caseIdList) ?? (caseId ? [caseId] : undefined);
      const cases = await client.describeCases({
        caseIdList: ids,
        displayId: str(p.displayId),
        afterTime: str(p.afterTime),
        beforeTime: str(p.beforeTime),
        includeResolvedCases: boolOr(p.includeResolvedCases, ids ? true : false),
        includeCommunications: boolOr(p.includeCommunications, true),
        limit: typeof p.limit === "number" ? p.limit : undefined,
      });
      return { payload: cases, summary: `${cases.length} cases`, caseId: ids?.length === 1 ? ids[0] : undefined };
    }
    case "describeCommunications": {
      if (!caseId) throw inputInvalid("describeCommunications needs msg.payload.caseId (or msg.awsSupport.caseId)");
      const comms = await client.describeCommunications(caseId, { afterTime: str(p.afterTime), beforeTime: str(p.beforeTime) });
      return { payload: comms, summary: `${comms.length} communications`, caseId };
    }
    case "downloadAttachment": {
      const id = str(p.attachmentId) ?? str(meta.attachmentId);
      if (!id) throw inputInvalid("downloadAttachment needs msg.payload.attachmentId");
      const a = await client.downloadAttachment(id);
      return { payload: a.data, summary: a.fileName, extra: { filename: a.fileName } };
    }
    case "resolveCase": {
      if (!caseId) throw inputInvalid("resolveCase needs msg.payload.caseId (or msg.awsSupport.caseId)");
      const r = await client.resolveCase(caseId);
      return { payload: r, summary: r.finalCaseStatus ?? "resolved", caseId };
    }
    case "describeServices": {
      const s = await client.describeServices(strList(p.serviceCodeList), str(p.language));
      return { payload: s, summary: `${s.length} services` };
    }
    case "describeSeverityLevels": {
      const s = await client.describeSeverityLevels(str(p.language));
      return { payload: s, summary: `${s.length} severities` };
    }
  }
}
