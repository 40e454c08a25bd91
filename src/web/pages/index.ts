// Every page route of the UI, one module per area: sign-in (auth), account, drives, dashboard
// and jobs, a job's files (browse and restore), the file manager (/files), the job editor, runs, verify,
// credentials, notifications, settings, the configuration backup, and the public assets. Registered in src/http/app.ts with one
// `.use(webPages(ctx, services))`. Pages call services, never the API's route modules
// (src/*/routes.ts).
import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import type { Services } from "../../services.ts";
import { accountPages } from "./account.tsx";
import { authPages } from "./auth.tsx";
import { configBackupPages } from "./config-backup.tsx";
import { credentialPages } from "./credentials.tsx";
import { drivePages } from "./drives.tsx";
import { fileManagerPages } from "./file-manager.tsx";
import { filePages } from "./files.tsx";
import { jobEditorPages } from "./job-editor.tsx";
import { jobPages } from "./jobs.tsx";
import { notificationPages } from "./notifications.tsx";
import { publicPages } from "./public.ts";
import { runPages } from "./runs.tsx";
import { settingsPages } from "./settings.tsx";
import { verifyPages } from "./verify.tsx";
import { versionPages } from "./versions.tsx";

export function webPages(ctx: AppContext, services: Services) {
  return new Elysia({ name: "web-pages" })
    .use(drivePages(ctx))
    .use(fileManagerPages(ctx))
    .use(authPages(ctx))
    .use(accountPages(ctx))
    .use(jobEditorPages(ctx, services))
    .use(jobPages(ctx, services))
    .use(versionPages(ctx))
    .use(filePages(ctx, services))
    .use(runPages(ctx, services))
    .use(verifyPages(ctx, services))
    .use(credentialPages(ctx, services))
    .use(notificationPages(ctx, services))
    .use(settingsPages(ctx))
    .use(configBackupPages(ctx, { activeRunIds: () => services.engine.activeRunIds(), rearm: () => services.scheduler.rearm() }))
    .use(publicPages(ctx));
}
