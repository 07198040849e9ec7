import { CaseExchangeError, toCaseExchangeError } from "../errors";
import type { SnowClient } from "./client";

/**
 * The snow-instance dialog's "Test connection": whether the URL answers,
 * whether the credentials work, and per table whether the user may read and
 * write — without creating anything. Read: a list of one row. Write: an
 * empty PATCH of the row just read, which makes ServiceNow check the write
 * ACL and changes nothing (no field is given, so no update happens). When a
 * table is empty the write check cannot run and says so.
 */
export const PROBE_TABLES = ["incident", "sys_journal_field", "sys_attachment", "change_request", "sysapproval_approver"] as const;

export type Verdict = "yes" | "no" | "unknown" | "not needed";

export interface TableProbe {
  table: string;
  read: Verdict;
  write: Verdict;
  note: string;
}

export interface ProbeReport {
  ok: boolean;
  reachable: boolean;
  authenticated: boolean;
  user: string;
  tables: TableProbe[];
  /** the whole report in words, one line per finding */
  summary: string;
}

export async function probeInstance(client: SnowClient, tables: readonly string[] = PROBE_TABLES, signal?: AbortSignal): Promise<ProbeReport> {
  const report: ProbeReport = { ok: false, reachable: false, authenticated: false, user: client.userName, tables: [], summary: "" };
  const lines: string[] = [];
  try {
    await client.queryPage("sys_user", `user_name=${client.userName.replace(/\^/g, "")}`, { fields: ["sys_id", "user_name"], pageSize: 1, signal });
    report.reachable = true;
    report.authenticated = true;
    lines.push(`${client.url} answers and the credentials of "${client.userName}" work.`);
  } catch (err) {
    const e = toCaseExchangeError(err);
    if (e.code === "SNOW_UNAUTHORIZED") {
      report.reachable = true;
      lines.push(`${client.url} answers, but it refused the credentials of "${client.userName}" (401): ${e.message}`);
    } else if (e.code === "SNOW_FORBIDDEN" || e.code === "SNOW_NOT_FOUND" || e.code === "SNOW_BAD_REQUEST") {
      // logged in, only sys_user is closed to this user: go on with the tables
      report.reachable = true;
      report.authenticated = true;
      lines.push(`${client.url} answers and the credentials of "${client.userName}" work (the user may not read sys_user, which is fine).`);
    } else {
      lines.push(`${client.url} did not answer as a ServiceNow instance: ${e.message}`);
    }
    if (!report.authenticated) {
      report.summary = lines.join("\n");
      return report;
    }
  }
  for (const table of tables) report.tables.push(await probeTable(client, table, signal));
  for (const t of report.tables) lines.push(`${t.table}: read ${t.read}, write ${t.write}${t.note ? ` — ${t.note}` : ""}`);
  report.ok = report.tables.every((t) => t.read === "yes" && t.write !== "no");
  lines.push(report.ok ? "Everything the flows need is allowed." : "Some tables are not allowed: give the user the missing roles (itil; itil_admin to close incidents).");
  report.summary = lines.join("\n");
  return report;
}

async function probeTable(client: SnowClient, table: string, signal?: AbortSignal): Promise<TableProbe> {
  let row: Record<string, string> | undefined;
  try {
    const page = await client.queryPage(table, "", { fields: ["sys_id"], pageSize: 1, signal });
    row = page.records[0];
  } catch (err) {
    const e = toCaseExchangeError(err);
    const read: Verdict = e.code === "SNOW_FORBIDDEN" || e.code === "SNOW_UNAUTHORIZED" ? "no" : "unknown";
    return { table, read, write: "unknown", note: e.message };
  }
  if (table === "sys_journal_field") return { table, read: "yes", write: "not needed", note: "comments and work notes are written through the record's comments / work_notes fields" };
  if (!row?.sys_id) return { table, read: "yes", write: "unknown", note: "the table is empty, so writing could not be checked without creating a record" };
  try {
    await client.request({
      method: "PATCH",
      url: `/api/now/table/${table}/${row.sys_id}`,
      params: { sysparm_fields: "sys_id" },
      data: {},
      headers: { "Content-Type": "application/json" },
      retry: true,
      signal,
      subject: `write check on ${table}`,
    });
    return { table, read: "yes", write: "yes", note: "" };
  } catch (err) {
    const e = err instanceof CaseExchangeError ? err : toCaseExchangeError(err);
    if (e.code === "SNOW_FORBIDDEN" || e.code === "SNOW_UNAUTHORIZED") return { table, read: "yes", write: "no", note: e.message };
    return { table, read: "yes", write: "unknown", note: e.message };
  }
}
