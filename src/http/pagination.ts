// limit/offset lists answer X-Total-Count and a Link header (RFC 8288) with rel="next"/"prev".
// Links are relative to the server root so they stay right behind a reverse proxy.
//
// A `limit` above the list's maximum is clamped to the maximum (as GitHub does), not refused;
// the Link header then carries the clamped value, so following it pages through everything.
// A list whose default is "all" (GET /api/jobs, for the seed's clients) answers every row when
// no `limit` is given, with X-Total-Count and without Link.
import { t } from "elysia";
import { badRequest } from "./errors.ts";

/** The list's default page size (`null`: everything) and the largest page it answers. */
export interface PageRule {
  defaultLimit: number | null;
  maxLimit: number;
}

// Strings checked by readPage rather than t.Numeric: Elysia's coercion errors lose the parameter
// name, and a 400 must name it.
export function pageQuery(rule: PageRule) {
  const fallback = rule.defaultLimit === null ? "default: all" : `default ${rule.defaultLimit}`;
  return {
    limit: t.Optional(
      t.String({
        pattern: "^[0-9]+$",
        description: `whole number of at least 1; above ${rule.maxLimit} counts as ${rule.maxLimit}; ${fallback}`,
        error: "must be a whole number of at least 1",
        examples: [String(Math.min(rule.defaultLimit ?? 50, rule.maxLimit))],
      }),
    ),
    offset: t.Optional(t.String({ pattern: "^[0-9]+$", description: "whole number; default 0", error: "must be a whole number of at least 0", examples: ["0"] })),
  };
}

export interface Page {
  /** null: no limit (the rest of the list from `offset`). */
  limit: number | null;
  offset: number;
}

export function readPage(query: { limit?: string; offset?: string }, rule: PageRule): Page {
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest("Query parameter 'offset' must be a whole number of at least 0");
  if (query.limit === undefined) return { limit: rule.defaultLimit, offset };
  const limit = Number(query.limit);
  // Digits too many to be a safe integer are simply "more than the maximum".
  if (!(limit >= 1) || !(Number.isInteger(limit) || limit === Infinity)) throw badRequest("Query parameter 'limit' must be a whole number of at least 1");
  return { limit: Math.min(limit, rule.maxLimit), offset };
}

/** Sets the pagination headers for a page of `limit` rows starting at `offset` out of `total`. */
export function setPageHeaders(headers: Record<string, string | number>, requestUrl: string, page: Page & { total: number }) {
  headers["x-total-count"] = String(page.total);
  const { limit } = page;
  if (limit === null) return;
  const url = new URL(requestUrl);
  const link = (offset: number, rel: string) => {
    const params = new URLSearchParams(url.search);
    params.set("limit", String(limit));
    params.set("offset", String(offset));
    return `<${url.pathname}?${params.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page.offset + limit < page.total) links.push(link(page.offset + limit, "next"));
  if (page.offset > 0) links.push(link(Math.max(0, page.offset - limit), "prev"));
  if (links.length) headers["link"] = links.join(", ");
}
