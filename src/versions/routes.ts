// Versions API: the kept versions of one file at a job's destination (docs/versions.md).
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { IdParams } from "../http/params.ts";
import { ErrorBody } from "../http/schemas.ts";
import { VersionsQuery, VersionView } from "./model.ts";
import { checkStorePath, listVersions } from "./service.ts";
import { withJobStore } from "./store.ts";

const tags = ["Restore"];

export function versionRoutes(ctx: AppContext) {
  return new Elysia({ name: "versions", prefix: "/api" }).use(authPlugin(ctx)).get(
    "/jobs/:id/versions",
    async ({ params, query, request }) => {
      const path = checkStorePath(query.path, "Query parameter 'path'", "path");
      return withJobStore(ctx, params.id, (store) => listVersions(store, path, request.signal));
    },
    {
      auth: true,
      params: IdParams,
      query: VersionsQuery,
      response: { 200: t.Array(VersionView), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      detail: {
        tags,
        summary: "A file's kept versions, newest first",
        description:
          "Read from the destination's .dynamight-versions folder (sync_options.keep_versions_days): each is the copy a run replaced or deleted, in the folder named for that run's start. 404: no such job, or the destination root is missing (drive not mounted, bucket gone); 409: the mount point is not the job's drive; 502: the store cannot be reached or refused us.",
      },
    },
  );
}
