// The app factory: everything the contract says about every request (errors, limits, headers,
// logging) lives here; features only add route modules. Tests call `createApp(ctx).handle(req)`
// without listening on a port.
import { Elysia } from "elysia";
import { confirmRoutes } from "../auth/confirm-routes.ts";
import { authRoutes } from "../auth/routes.ts";
import { UPLOAD_PATHS } from "../config-backup/model.ts";
import { configBackupRoutes } from "../config-backup/routes.ts";
import type { AppContext } from "../context.ts";
import { credentialRoutes } from "../credentials/routes.ts";
import { apiDocs } from "../docs/openapi.ts";
import { jobRoutes } from "../jobs/routes.ts";
import { liveRoutes } from "../live/routes.ts";
import { HttpRequestCounter } from "../metrics/http.ts";
import { metricsRoutes } from "../metrics/routes.ts";
import { notificationRoutes } from "../notifications/routes.ts";
import { oauthRoutes } from "../oauth/routes.ts";
import { providerRoutes } from "../providers/routes.ts";
import { restoreRoutes } from "../restore/routes.ts";
import { runRoutes } from "../runs/routes.ts";
import { scheduleRoutes } from "../schedules/routes.ts";
import type { Services } from "../services.ts";
import { settingsRoutes } from "../settings/routes.ts";
import { backupRoutes } from "../system/backup.ts";
import { fileManagerRoutes } from "../system/files-routes.ts";
import { systemFsRoutes } from "../system/fs-routes.ts";
import { systemRoutes } from "../system/routes.ts";
import { verifyRoutes } from "../verify/routes.ts";
import { versionRoutes } from "../versions/routes.ts";
import { webPages } from "../web/pages/index.ts";
import { deferBodyError, deferredBodyError, jsonNestsDeeperThan, MAX_JSON_DEPTH, readBodyBytesLimited, readBodyLimited } from "./body.ts";
import { ApiError, badRequest, headersTooLarge, internalError, notFound, payloadTooLarge, unsupportedMediaType, validationError } from "./errors.ts";
import { MAX_HEADER_BYTES, requestHeadBytes } from "./limits.ts";
import { crossOriginRefusal } from "./origin.ts";
import { isApiPath, pathOf, securityHeaders } from "./security.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

const started = new WeakMap<Request, number>();
// Each request leaves native memory (Bun's Request/Response, header and socket buffers) that
// JavaScriptCore does not weigh when it decides to collect, so RSS under load grew with the
// number of requests. A full collection every REQUESTS_PER_COLLECTION answers, measured with
// scripts/bench-api --runs 3 (60,000 requests, 50 clients): peak idle + 69 MB and 139 MB after
// without, + 49 MB and 92 MB after with it, at 0.73 x bare Bun.serve instead of 0.77 x (every
// 2,000: + 46 MB at 0.64 x). Later runs: every 1,000 gave + 23 and + 45 MB at 0.6 x; the peak is
// set by JavaScriptCore's heap sizing (README, "API and footprint"), so 5,000 stays.
const REQUESTS_PER_COLLECTION = 5000;
let answered = 0;

function errorResponse(err: ApiError, extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(err.body()), {
    status: err.status,
    headers: { "content-type": "application/json", ...securityHeaders("/api"), ...err.headers, ...extraHeaders },
  });
}

function notFoundPage(path: string): Response {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found · Dynamight</title><link rel="stylesheet" href="/assets/app.css"></head><body><main class="main narrow"><div class="card"><h1>Page not found</h1><p class="muted">Nothing lives at ${Bun.escapeHTML(path)}.</p><a class="btn" href="/">Back to the dashboard</a></div></main></body></html>`;
  return new Response(body, { status: 404, headers: { "content-type": "text/html; charset=utf-8", ...securityHeaders(path) } });
}

export function createApp(ctx: AppContext, services: Services) {
  const { logger } = ctx;
  const httpRequests = new HttpRequestCounter();
  return (
    new Elysia({ name: "dynamight" })
      .onRequest(({ request, set }) => {
        started.set(request, performance.now());
        Object.assign(set.headers, securityHeaders(pathOf(request.url)));
        // Limits Bun would otherwise enforce with an empty body (see limits.ts).
        const length = Number(request.headers.get("content-length") ?? 0);
        const tooBig = requestHeadBytes(request) > MAX_HEADER_BYTES ? headersTooLarge(MAX_HEADER_BYTES) : length > MAX_BODY_BYTES ? payloadTooLarge(MAX_BODY_BYTES) : null;
        if (tooBig) {
          set.status = tooBig.status; // for the request log and metrics
          return errorResponse(tooBig, { connection: "close" });
        }
        const crossOrigin = crossOriginRefusal(request, ctx.config);
        if (crossOrigin) {
          set.status = crossOrigin.status;
          return errorResponse(crossOrigin);
        }
      })
      // Our own parser so a body without Content-Length (chunked) is still cut off at the limit.
      // It refuses nothing itself (see deferBodyError): the API takes JSON only, pages take forms.
      .onParse(async ({ request, contentType }) => {
        const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
        const pathname = pathOf(request.url);
        const api = isApiPath(pathname);
        // File uploads (configuration restore), on their routes only: the form's fields, files as File objects.
        if (type === "multipart/form-data" && UPLOAD_PATHS.has(pathname)) {
          try {
            const bytes = await readBodyBytesLimited(request, MAX_BODY_BYTES);
            const form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
            return Object.fromEntries(form.entries());
          } catch (err) {
            return deferBodyError(request, err instanceof ApiError ? err : badRequest("Request body is not valid multipart/form-data"));
          }
        }
        if (!api && type !== "application/x-www-form-urlencoded") return {};
        let text: string;
        try {
          text = await readBodyLimited(request, MAX_BODY_BYTES);
        } catch (err) {
          if (err instanceof ApiError) return deferBodyError(request, err);
          throw err;
        }
        if (!api) return Object.fromEntries(new URLSearchParams(text));
        if (text.trim() === "") return {};
        if (type !== "application/json") return deferBodyError(request, unsupportedMediaType());
        if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return deferBodyError(request, badRequest(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`));
        try {
          return JSON.parse(text);
        } catch {
          return deferBodyError(request, badRequest("Request body is not valid JSON"));
        }
      })
      // After the route's guard (its transform), before the handler: a refused body surfaces here
      // when the route's schema did not already reject the marker (see the VALIDATION case).
      .onBeforeHandle({ as: "global" }, ({ request }) => {
        const err = deferredBodyError(request);
        if (err) throw err;
      })
      .onError(({ code, error, request, path, set }) => {
        const respond = (err: ApiError) => {
          set.status = err.status;
          return errorResponse(err);
        };
        if (error instanceof ApiError) return respond(error);
        // Errors thrown by our body parser arrive wrapped in Elysia's ParseError.
        const cause = (error as { cause?: unknown }).cause;
        if (code === "PARSE" && cause instanceof ApiError) return respond(cause);
        // `throw status(303)` from a guard (the page guard's trip to /login): Elysia answers it.
        if (typeof code === "number") return;
        switch (code) {
          case "VALIDATION":
            return respond(deferredBodyError(request) ?? validationError(error as never));
          case "PARSE":
            return respond(badRequest("Request body could not be parsed"));
          case "NOT_FOUND":
            if (isApiPath(path)) return respond(notFound(`No route for ${request.method} ${path}`));
            set.status = 404;
            return notFoundPage(path);
          case "INVALID_COOKIE_SIGNATURE":
            return respond(new ApiError(401, "Unauthorized", "Invalid or expired token"));
        }
        // Elysia's own status errors (e.g. 405, or `status(...)` thrown) carry a code we keep.
        const status = (error as { status?: number }).status;
        if (typeof status === "number" && status >= 400 && status < 500) {
          return respond(new ApiError(status, status === 404 ? "Not found" : "Invalid request", String((error as Error).message || "Request refused")));
        }
        logger.error("request failed", { method: request.method, path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        return respond(internalError());
      })
      .onAfterResponse(({ request, set, path }) => {
        const t0 = started.get(request);
        const ms = t0 === undefined ? 0 : performance.now() - t0;
        const status = typeof set.status === "number" ? set.status : 200;
        const line = `${request.method} ${path} ${status} ${ms.toFixed(1)}ms`;
        httpRequests.record(request.method, status);
        if (++answered % REQUESTS_PER_COLLECTION === 0) Bun.gc(true);
        // Reads that succeeded are routine (a dashboard polls, Prometheus scrapes): debug. Changes
        // and refusals stay at info, where an owner looks for them.
        if (status < 400 && (request.method === "GET" || request.method === "HEAD")) logger.debug(line);
        else logger.info(line);
      })
      .use(apiDocs())
      .use(systemRoutes(ctx))
      .use(authRoutes(ctx))
      .use(jobRoutes(ctx, { engine: services.engine, rearm: (jobId) => services.scheduler.rearm(jobId) }))
      .use(runRoutes(ctx, services.engine))
      .use(restoreRoutes(ctx, services.engine))
      .use(verifyRoutes(ctx, services.engine))
      .use(versionRoutes(ctx))
      .use(credentialRoutes(ctx))
      .use(oauthRoutes(ctx, services.oauth))
      .use(providerRoutes(ctx))
      .use(systemFsRoutes(ctx))
      .use(fileManagerRoutes(ctx))
      .use(confirmRoutes(ctx))
      .use(scheduleRoutes(ctx, (jobId) => services.scheduler.rearm(jobId)))
      .use(settingsRoutes(ctx))
      .use(liveRoutes(ctx, services))
      .use(metricsRoutes(ctx, services, httpRequests))
      .use(backupRoutes(ctx))
      .use(notificationRoutes(ctx, services.notifier))
      .use(configBackupRoutes(ctx, { activeRunIds: () => services.engine.activeRunIds(), rearm: () => services.scheduler.rearm() }))
      .use(webPages(ctx, services))
  );
}

export type App = ReturnType<typeof createApp>;
