// Files tab → Versions: one file's kept versions, read from the store like the API's
// GET /api/jobs/:id/versions; each can be downloaded or put back (a restore as of just before the
// run that replaced it, posted to the Files tab's restore route).
import { Elysia } from "elysia";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import { type FileVersionProps, JobFileVersionsPage } from "../../../views/pages/job-file-versions.tsx";
import type { AppContext } from "../../context.ts";
import { stampIso } from "../../destinations/engine/version-names.ts";
import { ApiError } from "../../http/errors.ts";
import { findJob } from "../../jobs/queries.ts";
import { normalizeSyncOptions } from "../../jobs/sync-options.ts";
import { checkStorePath, listVersions } from "../../versions/service.ts";
import { withJobStore } from "../../versions/store.ts";
import { html } from "../html.ts";
import { pageAuth } from "../session.ts";
import { idParam } from "./common.ts";

const hide = { detail: { hide: true } };

export function versionPages(ctx: AppContext) {
  return new Elysia({ name: "web-versions" }).use(pageAuth(ctx)).get(
    "/jobs/:id/files/versions",
    async ({ request, params, user, theme }) => {
      const id = idParam(params.id);
      const job = id === null ? undefined : findJob(ctx.db, id);
      if (!job) return html(<NotFoundPage username={user.username} theme={theme} message="This job does not exist (it may have been deleted)." />, { status: 404 });
      const raw = new URL(request.url).searchParams.get("path") ?? "";
      let versions: FileVersionProps[] | null = null;
      let error: string | null = null;
      try {
        const path = checkStorePath(raw, "Query parameter 'path'", "path");
        const found = await withJobStore(ctx, job.id, (store) => listVersions(store, path, request.signal));
        versions = found.map((v) => {
          const at = stampIso(v.version)!;
          return { ...v, replaced_at: at, as_of: new Date(Date.parse(at) - 1000).toISOString() };
        });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        error = err.message;
      }
      return html(
        <JobFileVersionsPage
          username={user.username}
          theme={theme}
          job={{ id: job.id, name: job.name }}
          path={raw.replace(/^\/+|\/+$/g, "")}
          versions={versions}
          keepDays={normalizeSyncOptions(job.syncOptions).keep_versions_days ?? null}
          error={error}
        />,
      );
    },
    { page: true, ...hide },
  );
}
