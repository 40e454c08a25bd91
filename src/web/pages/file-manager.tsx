// The file manager page (/files): the same services as /api/system/{browse,search,download,delete,dir-sizes}
// and POST /api/auth/confirm. A delete without a recent re-authentication shows the dialog; the
// dialog's post confirms and deletes in one step.
import { dirname } from "node:path";
import { Elysia } from "elysia";
import { FilesPage, type FilesPageProps } from "../../../views/pages/files.tsx";
import { requestMeta } from "../../auth/client-ip.ts";
import { confirmIdentity, recentlyConfirmed } from "../../auth/reauth.ts";
import type { AppContext } from "../../context.ts";
import { ApiError } from "../../http/errors.ts";
import { browse } from "../../system/browse.ts";
import { deleteEntry, dirSizes, searchFiles } from "../../system/files.ts";
import { formField } from "../forms.ts";
import { html } from "../html.ts";
import { pageAuth, type Viewer } from "../session.ts";

const hide = { detail: { hide: true } };

export function fileManagerPages(ctx: AppContext) {
  const roots = () => ctx.config.allowedBrowsePaths;
  const render = async (viewer: Viewer, path: string | undefined, extra: Partial<FilesPageProps> = {}, status = 200) => {
    let listing: FilesPageProps["listing"] = null;
    let error = extra.error ?? null;
    try {
      listing = browse(path || undefined, roots(), { hidden: true });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      error ??= err.message;
      if (path) {
        try {
          listing = browse(undefined, roots(), { hidden: true });
        } catch {}
      }
      if (status === 200) status = err.status;
    }
    return html(<FilesPage username={viewer.user.username} theme={viewer.theme} allowedPaths={roots()} listing={listing} {...extra} error={error} />, { status });
  };

  return new Elysia({ name: "web-file-manager" })
    .use(pageAuth(ctx))
    .get(
      "/files",
      async ({ query, user, theme }) => {
        const q = query as Record<string, string | undefined>;
        const path = q.path || undefined;
        const extra: Partial<FilesPageProps> = {};
        try {
          if (q.q && q.q.trim()) {
            const r = await searchFiles(path, q.q.slice(0, 200), roots());
            extra.search = { q: q.q, results: r.results, truncated: r.truncated };
          }
          if (q.sizes) {
            const s = await dirSizes(path, roots());
            extra.sizes = Object.fromEntries(s.folders.map((f) => [f.path, { bytes: f.bytes, complete: f.complete }]));
          }
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          extra.error = err.message;
        }
        return render({ user, theme }, path, extra);
      },
      { page: true, ...hide },
    )
    .post(
      "/files/delete",
      async ({ body, user, theme, sessionId, request, server }) => {
        const path = formField(body, "path", 4096);
        const viewer = { user, theme };
        const back = dirname(path);
        if (!recentlyConfirmed(sessionId)) {
          const password = formField(body, "password");
          if (!password) return render(viewer, back, { confirm: { path, totp: user.totpEnabled } });
          try {
            await confirmIdentity(ctx, user.id, sessionId, password, formField(body, "totp_code", 16) || undefined, requestMeta(request, server, ctx.config));
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            return render(viewer, back, { confirm: { path, totp: user.totpEnabled, error: err.message } }, err.status === 429 ? 429 : 200);
          }
        }
        try {
          const r = await deleteEntry(path, roots(), ctx.config.dataDir);
          ctx.logger.info("file manager delete", { user: user.username, path: r.path, folder: r.was_dir });
          return render(viewer, back, { message: `Deleted ${r.path}` });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          return render(viewer, back, { error: err.message }, err.status);
        }
      },
      { page: true, ...hide },
    );
}
