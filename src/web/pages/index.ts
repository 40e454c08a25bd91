// Every page route of the UI, one module per area: sign-in (auth), account, drives, dashboard
// and jobs, the job editor, runs, credentials, settings, and the public assets. Registered in
// src/http/app.ts with one `.use(webPages(ctx, services))`. Pages call services, never the API's
// route modules (src/*/routes.ts).
import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import type { Services } from "../../services.ts";
import { accountPages } from "./account.tsx";
import { authPages } from "./auth.tsx";
import { credentialPages } from "./credentials.tsx";
import { drivePages } from "./drives.tsx";
import { jobEditorPages } from "./job-editor.tsx";
import { jobPages, ProgressBoard } from "./jobs.tsx";
import { publicPages } from "./public.ts";
import { runPages } from "./runs.tsx";
import { settingsPages } from "./settings.tsx";

const boards = new WeakMap<Services, ProgressBoard>();

function boardFor(services: Services): ProgressBoard {
  let b = boards.get(services);
  if (!b) {
    b = new ProgressBoard(services);
    boards.set(services, b);
  }
  return b;
}

export function webPages(ctx: AppContext, services: Services) {
  const board = boardFor(services);
  return new Elysia({ name: "web-pages" })
    .use(drivePages(ctx))
    .use(authPages(ctx))
    .use(accountPages(ctx))
    .use(jobEditorPages(ctx, services))
    .use(jobPages(ctx, services, board))
    .use(runPages(ctx, services, board))
    .use(credentialPages(ctx))
    .use(settingsPages(ctx))
    .use(publicPages(ctx));
}
