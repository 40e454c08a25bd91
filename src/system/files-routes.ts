// The browse page's file manager API: /api/system/search, /download, /delete (after
// POST /api/auth/confirm), /dir-sizes. Confined like /api/system/browse (files.ts).
import { Elysia, t } from "elysia";
import { authPlugin, requireSession } from "../auth/guard.ts";
import { requireRecentConfirm } from "../auth/reauth.ts";
import type { AppContext } from "../context.ts";
import { deleteEntry, dirSizes, downloadTarget, SEARCH_MAX_MS, SEARCH_MAX_RESULTS, searchFiles } from "./files.ts";
import { errors } from "./fs-model.ts";

const PathText = t.String({ maxLength: 4096 });
const Nullable = <S extends Parameters<typeof t.Union>[0][number]>(s: S) => t.Union([s, t.Null()]);
const tags = ["System"];

const Found = t.Object({ name: t.String(), path: t.String(), is_dir: t.Boolean(), is_symlink: t.Boolean(), size: Nullable(t.Integer()), modified: Nullable(t.String({ format: "date-time" })) });

/** RFC 6266: an ASCII fallback and the UTF-8 name. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function fileManagerRoutes(ctx: AppContext) {
  const roots = () => ctx.config.allowedBrowsePaths;
  return new Elysia({ name: "system-files", prefix: "/api/system" })
    .use(authPlugin(ctx))
    .get("/search", ({ query }) => searchFiles(query.path, query.q, roots()), {
      auth: true,
      query: t.Object({ path: t.Optional(PathText), q: t.String({ minLength: 1, maxLength: 200 }) }),
      response: { 200: t.Object({ path: t.String(), query: t.String(), results: t.Array(Found), truncated: t.Boolean(), timed_out: t.Boolean() }), ...errors(400, 401, 403, 404) },
      detail: {
        tags,
        summary: "Search names under a folder",
        description: `Case-insensitive substring of the name, breadth first, symbolic links not followed. At most ${SEARCH_MAX_RESULTS} results and ${SEARCH_MAX_MS / 1000} s; truncated/timed_out say when the answer is partial.`,
      },
    })
    .get(
      "/download",
      ({ query }) => {
        const f = downloadTarget(query.path, roots());
        return new Response(Bun.file(f.path), {
          headers: { "content-type": "application/octet-stream", "content-length": String(f.size), "content-disposition": disposition(f.name), "cache-control": "no-store" },
        });
      },
      {
        auth: true,
        query: t.Object({ path: PathText }),
        detail: {
          tags,
          summary: "Download a file (streamed)",
          description: "A regular file inside the allowed paths (after resolving symbolic links; a link leading outside is 403).",
          responses: {
            200: { description: "the file", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
            400: { description: "not a file" },
            401: { description: "not signed in" },
            403: { description: "outside the allowed paths" },
            404: { description: "not found" },
          },
        },
      },
    )
    .post(
      "/delete",
      async ({ body, principal }) => {
        requireRecentConfirm(requireSession(principal));
        const r = await deleteEntry(body.path, roots(), ctx.config.dataDir);
        ctx.logger.info("file manager delete", { user: principal.user.username, path: r.path, folder: r.was_dir });
        return { message: r.was_dir ? "Folder deleted" : "Deleted", path: r.path };
      },
      {
        auth: true,
        parse: "json",
        body: t.Object({ path: PathText }, { examples: [{ path: "/mnt/backup/old-copy" }] }),
        response: { 200: t.Object({ message: t.String(), path: t.String() }), ...errors(400, 401, 403, 404) },
        detail: {
          tags,
          summary: "Delete a file, link or folder (with its contents)",
          description:
            "Needs a session that re-authenticated within 5 minutes (POST /api/auth/confirm), else 403. Never an allowed path itself, nor Dynamight's data folder, anything in it or a folder containing it. A symbolic link is removed as a link.",
        },
      },
    )
    .get("/dir-sizes", ({ query }) => dirSizes(query.path, roots()), {
      auth: true,
      query: t.Object({ path: t.Optional(PathText) }),
      response: {
        200: t.Object({ path: t.String(), folders: t.Array(t.Object({ name: t.String(), path: t.String(), bytes: t.Integer(), files: t.Integer(), complete: t.Boolean() })), complete: t.Boolean() }),
        ...errors(400, 401, 403, 404),
      },
      detail: {
        tags,
        summary: "Sizes of the folders in a folder (on request)",
        description: "Bytes and files of each sub-folder, links not followed; one 10 s budget for all (complete false when cut short).",
      },
    });
}
