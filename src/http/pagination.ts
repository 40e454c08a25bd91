// limit/offset lists answer X-Total-Count and a Link header (RFC 8288) with rel="next"/"prev".
// Links are relative to the server root so they stay right behind a reverse proxy.
import { t } from "elysia";
import { badRequest } from "./errors.ts";

// Strings checked by readPage rather than t.Numeric: Elysia's coercion errors lose the parameter
// name, and a 400 must name it.
export function pageQuery(defaultLimit: number, maxLimit: number) {
  return {
    limit: t.Optional(t.String({ pattern: "^[0-9]+$", description: `whole number from 1 to ${maxLimit}; default ${defaultLimit}`, error: `must be a whole number from 1 to ${maxLimit}` })),
    offset: t.Optional(t.String({ pattern: "^[0-9]+$", description: "whole number; default 0", error: "must be a whole number of at least 0" })),
  };
}

export function readPage(query: { limit?: string; offset?: string }, defaultLimit: number, maxLimit: number): { limit: number; offset: number } {
  const limit = query.limit === undefined ? defaultLimit : Number(query.limit);
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw badRequest(`Query parameter 'limit' must be a whole number from 1 to ${maxLimit}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest("Query parameter 'offset' must be a whole number of at least 0");
  return { limit, offset };
}

/** Sets the pagination headers for a page of `limit` rows starting at `offset` out of `total`. */
export function setPageHeaders(headers: Record<string, string | number>, requestUrl: string, page: { limit: number; offset: number; total: number }) {
  headers["x-total-count"] = String(page.total);
  const url = new URL(requestUrl);
  const link = (offset: number, rel: string) => {
    const params = new URLSearchParams(url.search);
    params.set("limit", String(page.limit));
    params.set("offset", String(offset));
    return `<${url.pathname}?${params.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page.offset + page.limit < page.total) links.push(link(page.offset + page.limit, "next"));
  if (page.offset > 0) links.push(link(Math.max(0, page.offset - page.limit), "prev"));
  if (links.length) headers["link"] = links.join(", ");
}
