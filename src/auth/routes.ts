// /api/auth/*: setup, login, sessions, password. 2FA and API keys are in their own route files
// and mounted here, so the app adds one plugin.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context.ts";
import { notFound, unauthorized } from "../http/errors.ts";
import { changePassword, logoutEverywhere } from "./account.ts";
import { apiKeyRoutes } from "./api-key-routes.ts";
import { requestMeta } from "./client-ip.ts";
import { clearSessionCookie, setSessionCookie } from "./cookie.ts";
import { authPlugin, COOKIE_NAME, requireSession } from "./guard.ts";
import { login, setupAdmin } from "./login.ts";
import * as M from "./model.ts";
import { deleteSession, deleteUserSession, listUserSessions } from "./sessions.ts";
import { totpRoutes } from "./totp-routes.ts";
import { countUsers } from "./users.ts";

const tags = ["Auth"];

export function authRoutes(ctx: AppContext) {
  return new Elysia({ name: "auth-routes", prefix: "/api/auth" })
    .use(authPlugin(ctx))
    .get("/setup-required", () => ({ setup_required: countUsers(ctx.db) === 0 }), {
      response: { 200: M.SetupRequired },
      detail: { tags, summary: "Whether the first admin account still has to be created", security: [] },
    })
    .post(
      "/setup",
      async ({ body, cookie, request, server }) => {
        const s = await setupAdmin(ctx, body.username, body.password, requestMeta(request, server, ctx.config));
        setSessionCookie(cookie[COOKIE_NAME]!, s.token, ctx.config);
        return { id: s.user.id, username: s.user.username };
      },
      {
        parse: "json",
        body: M.SetupBody,
        response: { 200: M.UserRef, ...M.errors(400, 409) },
        detail: { tags, summary: "Create the admin account (only while no user exists; 409 afterwards)", security: [] },
      },
    )
    .post(
      "/login",
      async ({ body, cookie, request, server }) => {
        const r = await login(ctx, body.username, body.password, requestMeta(request, server, ctx.config));
        if (r.kind === "totp_required") return { totp_required: true as const, totp_token: r.totpToken };
        setSessionCookie(cookie[COOKIE_NAME]!, r.signedIn.token, ctx.config);
        return { id: r.signedIn.user.id, username: r.signedIn.user.username };
      },
      {
        parse: "json",
        body: M.LoginBody,
        response: { 200: t.Union([M.UserRef, M.TotpRequired]), ...M.errors(400, 401, 429) },
        detail: {
          tags,
          summary: "Sign in; with 2FA on, answers totp_required and a totp_token instead of setting the cookie",
          description:
            "Rate limited per client address and username: 5 failures a minute, then lockouts doubling from 60 s to 1 h (429 with Retry-After). A ceiling of 50 failures an hour per username and per address, from anywhere, locks for 15 min doubling to 1 h.",
          security: [],
        },
      },
    )
    .post(
      "/logout",
      ({ principal, cookie }) => {
        if (principal.sessionId) deleteSession(ctx.db, principal.sessionId);
        clearSessionCookie(cookie[COOKIE_NAME]!, ctx.config);
        return { message: "Logged out" };
      },
      { auth: true, response: { 200: M.Message, ...M.errors(401) }, detail: { tags, summary: "End this session (the token stops working at once)", security: M.PROTECTED } },
    )
    .post(
      "/logout-all",
      ({ user, principal, cookie }) => {
        requireSession(principal);
        const ended = logoutEverywhere(ctx, user);
        clearSessionCookie(cookie[COOKIE_NAME]!, ctx.config);
        return { message: "All sessions ended", ended_sessions: ended };
      },
      { auth: true, response: { 200: M.LoggedOutAll, ...M.errors(401, 403) }, detail: { tags, summary: "End every session of the user, this one included", security: M.PROTECTED } },
    )
    .get("/me", ({ user, principal }) => ({ id: user.id, username: user.username, totp_enabled: user.totpEnabled, auth: principal.via, scope: principal.scope }), {
      auth: true,
      response: { 200: M.Me, ...M.errors(401) },
      detail: { tags, summary: "The signed-in user", security: M.PROTECTED },
    })
    .get(
      "/token",
      ({ principal, cookie, headers, query }) => {
        requireSession(principal);
        // The same precedence as the guard: Bearer, then ?token=, then the cookie.
        const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
        const fromQuery = typeof query.token === "string" ? query.token : undefined;
        const token = bearer || fromQuery || (cookie[COOKIE_NAME]?.value as string | undefined);
        if (!token) throw unauthorized();
        return { token };
      },
      { auth: true, response: { 200: M.TokenOut, ...M.errors(401, 403) }, detail: { tags, summary: "The current session JWT (for WebSocket ?token=)", security: M.PROTECTED } },
    )
    .get(
      "/sessions",
      ({ user, principal }) =>
        listUserSessions(ctx.db, user.id).map((s) => ({
          id: s.id,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
          ip: s.ip,
          user_agent: s.userAgent,
          current: s.id === principal.sessionId,
        })),
      { auth: true, response: { 200: t.Array(M.SessionOut), ...M.errors(401) }, detail: { tags, summary: "The user's active sessions (current one marked)", security: M.PROTECTED } },
    )
    .delete(
      "/sessions/:id",
      ({ user, params }) => {
        if (!deleteUserSession(ctx.db, user.id, params.id)) throw notFound("Session not found");
        return { message: "Session ended" };
      },
      { auth: true, params: M.SessionParams, response: { 200: M.Message, ...M.errors(401, 404) }, detail: { tags, summary: "End one session of the user", security: M.PROTECTED } },
    )
    .post(
      "/change-password",
      async ({ body, user, principal, request, server }) => {
        const keep = requireSession(principal);
        const ended = await changePassword(ctx, user.id, keep, body.current_password, body.new_password, requestMeta(request, server, ctx.config).ip);
        return { message: "Password changed", ended_sessions: ended };
      },
      {
        auth: true,
        parse: "json",
        body: M.ChangePasswordBody,
        response: { 200: M.PasswordChanged, ...M.errors(400, 401, 403, 429) },
        detail: { tags, summary: "Change the password (verifies the current one, ends every other session)", security: M.PROTECTED },
      },
    )
    .use(totpRoutes(ctx))
    .use(apiKeyRoutes(ctx));
}
