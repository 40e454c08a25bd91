// Sessions for page routes. Pages accept only the session cookie (never API keys: those are for
// scripts), and send a browser without a session to /login instead of answering 401.
//
//   const user = await pageSession(ctx, request);          // SessionUser | null
//   new Elysia().use(pageAuth(ctx)).get("/x", ({ user, theme }) => ..., { page: true });
import { Elysia } from "elysia";
import { COOKIE_NAME } from "../auth/guard.ts";
import { dueForUse } from "../auth/principal-cache.ts";
import { authRuntime } from "../auth/runtime.ts";
import { findSessionUser, type SessionUser, touchSession } from "../auth/sessions.ts";
import { countUsers } from "../auth/users.ts";
import type { AppContext } from "../context.ts";
import { getSettings, type Theme } from "../settings/service.ts";

export interface PageSession {
  user: SessionUser;
  sessionId: string;
}

/** The `token` cookie's value; a value that is not valid percent-encoding (`token=%`) is no session, not an error. */
export function cookieToken(request: Request): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The signed-in user and session behind the request's cookie, or null. Read-only. */
export async function pageSessionDetails(ctx: AppContext, request: Request): Promise<PageSession | null> {
  const sessionId = await authRuntime(ctx).tokens.sessionId(cookieToken(request));
  if (!sessionId) return null;
  const user = findSessionUser(ctx.db, sessionId);
  return user ? { user, sessionId } : null;
}

/** The signed-in user for a page request, or null (no cookie, bad token, session ended or expired). */
export async function pageSession(ctx: AppContext, request: Request): Promise<SessionUser | null> {
  return (await pageSessionDetails(ctx, request))?.user ?? null;
}

/** Where to go back to after signing in: only same-site paths, never `//host` or a URL. */
export function safeNext(path: string | null | undefined): string {
  return path && path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : "/";
}

/** What a guarded page handler gets from `{ page: true }` (besides Elysia's context). */
export type PageCtx = {
  user: SessionUser;
  sessionId: string;
  /** The settings' theme, for the layout. */
  theme: Theme;
};

function touchPageSession(ctx: AppContext, c: { sessionId?: string }) {
  if (c.sessionId && dueForUse(ctx.db, `s:${c.sessionId}`)) touchSession(ctx.db, c.sessionId);
}

/** Who is looking and in which theme: what a page's layout needs. */
export type Viewer = Pick<PageCtx, "user" | "theme">;

// Set by the page guard's transform, read by its resolve (see pageAuth).
const pageSessions = new WeakMap<Request, PageSession>();

/**
 * `{ page: true }` on a page route resolves `user`, `sessionId` and `theme`, or sends the browser
 * to /login (HX-Redirect for htmx requests, 303 otherwise). Checked in `transform`, before
 * Elysia validates the form, so a stranger is sent to /login whatever they post. The session's
 * last-seen time is written after the response. `{ page: "setup-first" }` (the dashboard, `/`)
 * sends a stranger to /setup instead while no user exists yet.
 */
export function pageAuth(ctx: AppContext) {
  return new Elysia({ name: "page-auth" }).macro({
    page: (mode: true | "setup-first") => ({
      async transform({ request, set, status }) {
        const s = await pageSessionDetails(ctx, request);
        if (s) {
          pageSessions.set(request, s);
          return;
        }
        const to = mode === "setup-first" && countUsers(ctx.db) === 0 ? "/setup" : "/login";
        if (request.headers.get("hx-request")) {
          set.headers["hx-redirect"] = to;
          throw status(200, "");
        }
        set.headers.location = to;
        throw status(303, "");
      },
      resolve({ request, status }) {
        const s = pageSessions.get(request);
        if (!s) return status(401, "");
        return { user: s.user, sessionId: s.sessionId, theme: getSettings(ctx.db).theme } satisfies PageCtx;
      },
      // At most every LAST_USE_EVERY_MS per session, like the API guard.
      // An arrow function: Elysia's static analysis (Sucrose) warns on a method shorthand here.
      afterResponse: (c) => touchPageSession(ctx, c as { sessionId?: string }),
    }),
  });
}
