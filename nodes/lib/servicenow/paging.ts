/**
 * Paging through Table and Attachment API lists. ServiceNow answers a list
 * with `X-Total-Count` (rows matching) and a `Link` header holding `first`,
 * `prev`, `next` and `last` URLs; both are used when present, and a full page
 * means "ask again" when neither is.
 */
export function parseLinkHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;\s*rel="?([^";]+)"?/i.exec(part.trim());
    if (m) out[m[2].toLowerCase()] = m[1];
  }
  return out;
}

/** The sysparm_offset of a Link URL, if it has one. */
export function offsetOf(url: string | undefined): number | undefined {
  if (!url) return undefined;
  const m = /[?&]sysparm_offset=(\d+)/.exec(url);
  return m ? Number(m[1]) : undefined;
}

export interface PageInfo {
  offset: number;
  limit: number;
  /** rows in this page */
  received: number;
  headers: Record<string, string>;
}

/** Offset of the next page, or undefined when this page was the last. */
export function nextPageOffset(page: PageInfo): number | undefined {
  if (page.received === 0) return undefined;
  const links = parseLinkHeader(page.headers["link"]);
  const total = page.headers["x-total-count"] !== undefined ? Number(page.headers["x-total-count"]) : undefined;
  const following = page.offset + page.received;
  if (links.next !== undefined || links.last !== undefined || total !== undefined) {
    if (total !== undefined && Number.isFinite(total)) return following < total ? following : undefined;
    const next = offsetOf(links.next);
    if (next !== undefined) return next > page.offset ? next : undefined;
    const last = offsetOf(links.last);
    if (last !== undefined) return page.offset < last ? following : undefined;
  }
  return page.received >= page.limit ? following : undefined;
}
