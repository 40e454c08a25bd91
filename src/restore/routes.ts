// Getting data back: browse a job's destination, download one file, start a restore run.
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { recordDb } from "../db/record.ts";
import { badRequest, forbidden, named } from "../http/errors.ts";
import { type PageRule, pageQuery, readPage, setPageHeaders } from "../http/pagination.ts";
import { IdParams } from "../http/params.ts";
import { ErrorBody } from "../http/schemas.ts";
import { jobAccess, quietReporter, storeEnvDeps, withJobStore } from "../read-back/access.ts";
import type { RunEngine } from "../runs/engine-types.ts";
import { asOfSelector, parseAsOf } from "../versions/service.ts";
import { listFolder } from "./browse.ts";
import { contentDisposition, openDownload } from "./download.ts";
import { DownloadQuery, FileListing, RestoreRequest, RestoreStarted } from "./model.ts";
import { storePathParam } from "./paths.ts";
import { UploadRecord } from "./queries.ts";
import { startRestore } from "./service.ts";

const tags = ["Restore"];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody };
export const FILE_PAGE: PageRule = { defaultLimit: 100, maxLimit: 1000 };

export function restoreRoutes(ctx: AppContext, engine: Pick<RunEngine, "start">) {
  const deps = { ...storeEnvDeps(ctx), warn: (m: string) => ctx.logger.warn(m) };
  const rules = { allowedBrowsePaths: ctx.config.allowedBrowsePaths, dataDir: ctx.config.dataDir };
  return new Elysia({ name: "restore", prefix: "/api/jobs" })
    .use(authPlugin(ctx))
    .get(
      "/:id/files",
      async ({ params, query, request, set }) => {
        const access = jobAccess(ctx.db, params.id);
        const path = storePathParam(query.path ?? "", "path");
        const page = readPage(query, FILE_PAGE);
        const record = new UploadRecord(ctx.db, ctx.config.dataDir);
        const { listing, total } = await withJobStore(deps, access, quietReporter(deps.warn), (store) =>
          listFolder(record, store, path, { limit: page.limit!, offset: page.offset }, request.signal),
        ).finally(() => record.close());
        setPageHeaders(set.headers as Record<string, string>, request.url, { ...page, total });
        return listing;
      },
      {
        auth: true,
        params: IdParams,
        query: t.Object({ path: t.Optional(t.String({ maxLength: 4096, description: "a folder relative to the destination root; '' (default) = the root" })), ...pageQuery(FILE_PAGE) }),
        response: { 200: FileListing, ...errors },
        detail: {
          tags,
          summary: "What the job's destination holds, one folder at a time",
          description:
            "Read from the store itself. Folders first, then files, by name; paged (`limit` default 100, at most 1000) with X-Total-Count and Link. The versions folder is never listed. A local/USB destination's drive is mounted for the listing (auto_mount) and unmounted after (auto_unmount).",
        },
      },
    )
    .get(
      "/:id/files/download",
      async ({ params, query, request, principal }) => {
        // The files are the user's data: a read-only monitoring key may list them, not take them.
        if (principal.via === "api_key" && principal.scope !== "write") throw forbidden("Downloading files needs a session or a write-scoped API key");
        const access = jobAccess(ctx.db, params.id);
        const path = storePathParam(query.path, "path");
        if (path === "") throw named(badRequest("Query parameter 'path' must name a file, not the destination root"), "path");
        const d = await openDownload(deps, access, path, request.signal);
        const headers: Record<string, string> = { "content-type": "application/octet-stream", "content-disposition": contentDisposition(d.name), "cache-control": "no-store" };
        if (d.size !== null) headers["content-length"] = String(d.size);
        return new Response(d.stream, { headers });
      },
      {
        auth: true,
        params: IdParams,
        query: DownloadQuery,
        detail: {
          tags,
          summary: "Download one stored file",
          description: "Streamed from the store (memory bounded), as an attachment. Needs a session or a write-scoped API key. 404 when the path is not a file.",
          responses: {
            200: { description: "the file's bytes", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
            400: { description: "bad path" },
            404: { description: "no such file" },
          },
        },
      },
    )
    .post(
      "/:id/restore",
      ({ params, body, set }) => {
        // as_of: the versions feature picks each path's copy of that time (docs/versions.md).
        const select = body.as_of === undefined ? undefined : asOfSelector(parseAsOf(body.as_of), recordDb(ctx.db, ctx.config.dataDir));
        const runId = startRestore({ db: ctx.db, engine, rules }, params.id, body, select);
        set.status = 202;
        return { run_id: runId, message: "Restore started" };
      },
      {
        auth: true,
        parse: "json",
        params: IdParams,
        body: RestoreRequest,
        response: { 202: RestoreStarted, ...errors },
        detail: {
          tags,
          summary: "Restore files from the destination",
          description:
            'Starts a `restore` run (live log, progress, cancel and history like a backup). `paths` relative to the destination root (absent or [] = everything); `target` "original" (the job\'s source folders) or {folder} inside ALLOWED_BROWSE_PATHS (files land in <folder>/<source basename>/...). Files are written to a temporary name and renamed, with their stored mtime; nothing local is ever deleted. 409 while the job has a run.',
        },
      },
    );
}
