// Every page route of the signed-in UI (dashboard, jobs, editor, runs, credentials, settings).
// Registered in src/http/app.ts with one `.use(webPages(ctx, services))`.
import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import type { Services } from "../../services.ts";
import { credentialPages } from "./credentials.tsx";
import { jobEditorPages } from "./job-editor.tsx";
import { jobPages, ProgressBoard } from "./jobs.tsx";
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
    .use(jobEditorPages(ctx, services))
    .use(jobPages(ctx, services, board))
    .use(runPages(ctx, services, board))
    .use(credentialPages(ctx))
    .use(settingsPages(ctx));
}
