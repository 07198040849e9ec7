/**
 * Journal entries (sys_journal_field): each customer-visible comment
 * (element `comments`) and private work note (`work_notes`) written to a
 * task record, with who wrote it and when.
 */
export interface JournalEntry {
  sys_id: string;
  /** "comments" (customer-visible) or "work_notes" (private) */
  element: string;
  /** sys_id of the record the entry belongs to */
  element_id: string;
  /** table of that record */
  name: string;
  value: string;
  sys_created_on: string;
  sys_created_by: string;
}

export function toJournalEntry(row: Record<string, string>): JournalEntry {
  return {
    sys_id: row.sys_id ?? "",
    element: row.element ?? "",
    element_id: row.element_id ?? "",
    name: row.name ?? "",
    value: row.value ?? "",
    sys_created_on: row.sys_created_on ?? "",
    sys_created_by: row.sys_created_by ?? "",
  };
}

/** Oldest first; entries of the same second keep the order ServiceNow returned them in (a stable sort). */
export function sortJournal<T extends { sys_created_on: string }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => (a.sys_created_on < b.sys_created_on ? -1 : a.sys_created_on > b.sys_created_on ? 1 : 0));
}

/** Whether an entry is customer-visible. */
export function isComment(entry: { element: string }): boolean {
  return entry.element === "comments";
}
