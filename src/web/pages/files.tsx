// The Files tab of a job: browse its destination (one folder, paged), download a file (the API's
// download route, linked), and the restore form, which starts a restore run and goes to its page.
import { Elysia } from "elysia";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import { VerifyForm } from "../../../views/components/verify-form.tsx";
import { type FileEntryProps, JobFilesPage, type JobFilesProps } from "../../../views/pages/job-files.tsx";
import type { AppContext } from "../../context.ts";
import { recordDb } from "../../db/record.ts";
import { ApiError } from "../../http/errors.ts";
import { jobAccess, quietReporter, storeEnvDeps, withJobStore } from "../../read-back/access.ts";
import { listFolder } from "../../restore/browse.ts";
import type { Overwrite } from "../../restore/model.ts";
import { storePathParam } from "../../restore/paths.ts";
import { UploadRecord } from "../../restore/queries.ts";
import { startRestore } from "../../restore/service.ts";
import type { Services } from "../../services.ts";
import { asOfSelector, parseAsOf } from "../../versions/service.ts";
import { formOf, messageOf } from "../forms.ts";
import { html, isHtmx, redirect } from "../html.ts";
import { pageAuth, type Viewer } from "../session.ts";
import { idParam, isNotFound } from "./common.ts";
import { renderFolderPicker } from "./drives.tsx";

const PAGE_SIZE = 100;
const hide = { detail: { hide: true } };
const OVERWRITE: Overwrite[] = ["never", "if_newer", "always"];

export function filePages(ctx: AppContext, services: Services) {
  const deps = storeEnvDeps(ctx);
  const rules = { allowedBrowsePaths: ctx.config.allowedBrowsePaths, dataDir: ctx.config.dataDir };

  const render = async (page: Viewer, request: Request, jobId: number, rawPath: string, offset: number, extra: Partial<JobFilesProps> & { folder?: string } = {}, status = 200) => {
    let access: ReturnType<typeof jobAccess>;
    try {
      access = jobAccess(ctx.db, jobId);
    } catch (err) {
      if (isNotFound(err)) return html(<NotFoundPage username={page.user.username} theme={page.theme} message="This job does not exist (it may have been deleted)." />, { status: 404 });
      throw err;
    }
    let path = "";
    let entries: FileEntryProps[] | null = null;
    let total = 0;
    let error = extra.error ?? null;
    try {
      path = storePathParam(rawPath, "path");
      const record = new UploadRecord(ctx.db, ctx.config.dataDir);
      const r = await withJobStore(
        { ...deps },
        access,
        quietReporter((m) => ctx.logger.warn(m)),
        (store) => listFolder(record, store, path, { limit: PAGE_SIZE, offset }, request.signal),
      ).finally(() => record.close());
      entries = r.listing.entries;
      total = r.total;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      error ??= err.message;
      // An empty root is a destination nothing was backed up to yet, not an error.
      if (err.status === 404 && path === "") error = null;
      if (err.status === 404 && path === "") entries = [];
    }
    const picker = renderFolderPicker(ctx, { field: "folder", multiple: false, value: extra.folder ?? "", label: "Folder", hint: "Files land in <folder>/<source folder name>/…" });
    return html(
      <JobFilesPage
        username={page.user.username}
        theme={page.theme}
        job={{ id: access.job.id, name: access.job.name }}
        path={path}
        entries={entries}
        total={total}
        limit={PAGE_SIZE}
        offset={offset}
        picker={picker}
        form={extra.form}
        error={error}
        verifyAction={<VerifyForm jobId={access.job.id} local={access.job.destinationType === "local"} compact />}
      />,
      { status },
    );
  };

  return new Elysia({ name: "web-files" })
    .use(pageAuth(ctx))
    .get(
      "/jobs/:id/files",
      ({ request, params, user, theme }) => {
        const id = idParam(params.id);
        if (id === null) return html(<NotFoundPage username={user.username} theme={theme} message="No such job." />, { status: 404 });
        const url = new URL(request.url);
        const offset = Math.max(0, Number(url.searchParams.get("offset")) || 0);
        return render({ user, theme }, request, id, url.searchParams.get("path") ?? "", offset);
      },
      { page: true, ...hide },
    )
    .post(
      "/jobs/:id/restore",
      async ({ request, params, body, user, theme }) => {
        const id = idParam(params.id);
        if (id === null) return html(<NotFoundPage username={user.username} theme={theme} message="No such job." />, { status: 404 });
        const f = formOf(body);
        const checked = Object.entries(f)
          .filter(([k]) => /^p-\d{1,6}$/.test(k))
          .map(([, v]) => v);
        const folderPath = f.path ?? "";
        const target = f.target === "folder" ? "folder" : "original";
        const overwrite = OVERWRITE.includes(f.overwrite as Overwrite) ? (f.overwrite as Overwrite) : "never";
        const asOf = (f.as_of ?? "").trim();
        try {
          // "Restore as of…" (a datetime-local field, UTC like every time the UI shows) or a version's "Put back" (ISO).
          const select = asOf ? asOfSelector(parseAsOf(/(Z|[+-]\d{2}:\d{2})$/.test(asOf) ? asOf : `${asOf.length === 16 ? `${asOf}:00` : asOf}Z`), recordDb(ctx.db, ctx.config.dataDir)) : undefined;
          // Nothing ticked: the folder shown (the whole destination at its root).
          const paths = checked.length ? checked : folderPath ? [folderPath] : [];
          const runId = startRestore({ db: ctx.db, engine: services.engine, rules }, id, { paths, target: target === "folder" ? { folder: (f.folder ?? "").trim() } : "original", overwrite }, select);
          return redirect(`/runs/${runId}`, request);
        } catch (err) {
          if (isNotFound(err)) return html(<NotFoundPage username={user.username} theme={theme} message="This job does not exist (it may have been deleted)." />, { status: 404 });
          const status = err instanceof ApiError ? err.status : 500;
          if (status === 500) throw err;
          // htmx swaps only 2xx answers: a boosted form gets the page with the error as a 200.
          return render(
            { user, theme },
            request,
            id,
            folderPath,
            0,
            { error: messageOf(err), form: { target, overwrite, checked, as_of: asOf }, folder: f.folder ?? "" },
            isHtmx(request) ? 200 : status,
          );
        }
      },
      { page: true, ...hide },
    );
}
