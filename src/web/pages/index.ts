// Every page route of the signed-in UI (dashboard, jobs, editor, runs, credentials, settings).
// Registered in src/http/app.ts with one `.use(webPages(ctx, services))`.
import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import type { Services } from "../../services.ts";
import { credentialPages } from "./credentials.tsx";
import { jobEditorPages } from "./job-editor.tsx";
import { jobPages } from "./jobs.tsx";
import { runPages } from "./runs.tsx";
import { settingsPages } from "./settings.tsx";

export function webPages(ctx: AppContext, services: Services) {
  return new Elysia({ name: "web-pages" })
    .use(jobEditorPages(ctx, services))
    .use(jobPages(ctx, services))
    .use(runPages(ctx, services))
    .use(credentialPages(ctx))
    .use(settingsPages(ctx));
}
