// Settings → Back up / Restore configuration, and the setup wizard's restore from a backup.
// The same service calls as /api/config/* and /api/auth/setup-from-backup; a previewed restore
// waits in memory for its confirm (../../config-backup/pending.ts).
import { Elysia } from "elysia";
import { SettingsPage } from "../../../views/pages/settings.tsx";
import { SetupPage } from "../../../views/pages/setup.tsx";
import { countUsers } from "../../auth/users.ts";
import { holdRestore, takeRestore } from "../../config-backup/pending.ts";
import { exportBackup, type ImportDeps, importBackup, previewBackup, type Strategy, setupFromBackup } from "../../config-backup/service.ts";
import type { AppContext } from "../../context.ts";
import { getSettings } from "../../settings/service.ts";
import { formField, messageOf } from "../forms.ts";
import { html, redirect } from "../html.ts";
import { pageAuth } from "../session.ts";

const hide = { detail: { hide: true } };

/** The uploaded file of a multipart form (the app's parser hands files over as File objects). */
async function fileOf(body: unknown): Promise<Uint8Array> {
  const f = body && typeof body === "object" ? (body as Record<string, unknown>).file : undefined;
  return f instanceof Blob ? new Uint8Array(await f.arrayBuffer()) : new Uint8Array(0);
}

const strategyOf = (body: unknown): Strategy => (formField(body, "strategy") === "replace" ? "replace" : "merge");

export function configBackupPages(ctx: AppContext, deps: ImportDeps) {
  const settingsPage = (username: string, extra: Parameters<typeof SettingsPage>[0]["backup"], status = 200) =>
    html(<SettingsPage username={username} settings={getSettings(ctx.db)} backup={extra} />, { status });

  return new Elysia({ name: "web-config-backup" })
    .post(
      "/setup/restore",
      async ({ body, request }) => {
        if (countUsers(ctx.db) > 0) return redirect("/login", request);
        try {
          await setupFromBackup(ctx.db, ctx.secret, await fileOf(body), formField(body, "password"), deps);
        } catch (err) {
          return html(<SetupPage restoreError={messageOf(err)} />, { status: 400 });
        }
        return redirect("/login?restored", request);
      },
      hide,
    )
    .use(pageAuth(ctx))
    .post(
      "/settings/backup",
      async ({ body, user }) => {
        const password = formField(body, "password");
        if (password !== formField(body, "confirm")) return settingsPage(user.username, { backupError: "The two passwords do not match" }, 400);
        try {
          const { filename, bytes } = await exportBackup(ctx.db, ctx.secret, password);
          return new Response(bytes as Uint8Array<ArrayBuffer>, {
            headers: { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="${filename}"`, "cache-control": "no-store" },
          });
        } catch (err) {
          return settingsPage(user.username, { backupError: messageOf(err) }, 400);
        }
      },
      { page: true, ...hide },
    )
    .post(
      "/settings/restore/preview",
      async ({ body, user }) => {
        const file = await fileOf(body);
        const password = formField(body, "password");
        const strategy = strategyOf(body);
        try {
          const preview = await previewBackup(ctx.db, file, password, strategy);
          const token = holdRestore(user.id, file, password, strategy);
          return settingsPage(user.username, { preview: { preview, token } });
        } catch (err) {
          return settingsPage(user.username, { restoreError: messageOf(err) }, 400);
        }
      },
      { page: true, ...hide },
    )
    .post(
      "/settings/restore",
      async ({ body, user, request }) => {
        const held = takeRestore(formField(body, "token"), user.id);
        if (!held) return settingsPage(user.username, { restoreError: "This preview has expired: upload the file again" }, 400);
        try {
          const r = await importBackup(ctx.db, ctx.secret, held.file, held.password, held.strategy, user.id, deps);
          // Replace ended every session, this one included: the restored account signs in.
          if (held.strategy === "replace") return redirect("/login?restored", request);
          const note = r.warnings.length ? ` ${r.warnings.join(" ")}` : "";
          return settingsPage(user.username, {
            restoreMessage: `Restored: ${r.jobs_imported} job(s), ${r.schedules_imported} schedule(s), ${r.credentials_imported} credential(s), ${r.settings_imported} setting(s).${note}`,
          });
        } catch (err) {
          return settingsPage(user.username, { restoreError: messageOf(err) }, 400);
        }
      },
      { page: true, ...hide },
    );
}
