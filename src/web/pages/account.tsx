// /account and its htmx form handlers. Each POST answers its section alone for htmx (the
// section's id is the target) or the whole page for a plain form post.
import { Elysia } from "elysia";
import type { ApiKeysCardProps } from "../../../views/components/auth-api-keys.tsx";
import { ApiKeysCard } from "../../../views/components/auth-api-keys.tsx";
import type { PasswordCardProps } from "../../../views/components/auth-password.tsx";
import { PasswordCard } from "../../../views/components/auth-password.tsx";
import { SessionsCard, type SessionsCardProps } from "../../../views/components/auth-sessions.tsx";
import { TotpCard, type TotpCardProps } from "../../../views/components/auth-totp.tsx";
import { AccountPage } from "../../../views/pages/account.tsx";
import { changePassword, disableTotp, enableTotp, enrolmentFor, logoutEverywhere, startTotpSetup } from "../../auth/account.ts";
import { createApiKey, deleteApiKey, listApiKeys } from "../../auth/api-keys.ts";
import { clientIp } from "../../auth/client-ip.ts";
import { clearSessionCookie } from "../../auth/cookie.ts";
import { COOKIE_NAME } from "../../auth/guard.ts";
import { remainingRecoveryCodes } from "../../auth/recovery-codes.ts";
import { deleteUserSession, listUserSessions, type SessionUser } from "../../auth/sessions.ts";
import { isTotpSecret } from "../../auth/totp.ts";
import { findUserById } from "../../auth/users.ts";
import type { AppContext } from "../../context.ts";
import { parseId } from "../../http/params.ts";
import { formField, messageOf } from "../forms.ts";
import { pageOrFragment, redirect } from "../html.ts";
import { pageAuth } from "../session.ts";

const hide = { detail: { hide: true } };

type Sections = { password: PasswordCardProps; totp: TotpCardProps; sessions: SessionsCardProps; apiKeys: ApiKeysCardProps };

export function accountPages(ctx: AppContext) {
  const totpState = (userId: number, extra: { error?: string; ok?: string } = {}): TotpCardProps => {
    const enabled = findUserById(ctx.db, userId)?.totpEnabled ?? false;
    return enabled ? { state: "on", remaining: remainingRecoveryCodes(ctx.db, userId), error: extra.error } : { state: "off", ...extra };
  };
  const sessionsState = (userId: number, current: string, ok?: string): SessionsCardProps => ({
    sessions: listUserSessions(ctx.db, userId).map((s) => ({ ...s, current: s.id === current })),
    ok,
  });
  const keysState = (userId: number, extra: Omit<ApiKeysCardProps, "keys"> = {}): ApiKeysCardProps => ({ keys: listApiKeys(ctx.db, userId), ...extra });

  /** The section alone for htmx, else the whole page with that section in the given state. */
  const answer = (request: Request, user: SessionUser, sessionId: string, section: Partial<Sections>) => {
    const { password, totp, sessions, apiKeys } = section;
    const fragment = password
      ? () => <PasswordCard {...password} />
      : totp
        ? () => <TotpCard {...totp} />
        : sessions
          ? () => <SessionsCard {...sessions} />
          : apiKeys
            ? () => <ApiKeysCard {...apiKeys} />
            : undefined;
    return pageOrFragment(request, {
      fragment,
      page: () => (
        <AccountPage
          username={user.username}
          password={password ?? {}}
          totp={totp ?? totpState(user.id)}
          sessions={sessions ?? sessionsState(user.id, sessionId)}
          apiKeys={apiKeys ?? keysState(user.id)}
        />
      ),
    });
  };

  return new Elysia({ name: "web-account-pages", prefix: "/account" })
    .use(pageAuth(ctx))
    .get("", ({ request, user, sessionId }) => answer(request, user, sessionId, {}), { page: true, ...hide })
    .post(
      "/password",
      async ({ request, server, body, user, sessionId }) => {
        const next = formField(body, "new_password");
        if (next !== formField(body, "confirm_password")) return answer(request, user, sessionId, { password: { error: "The new passwords do not match" } });
        try {
          const ended = await changePassword(ctx, user.id, sessionId, formField(body, "current_password"), next, clientIp(request, server, ctx.config));
          const others = ended === 1 ? "1 other session was" : `${ended} other sessions were`;
          return answer(request, user, sessionId, { password: { ok: `Password changed. ${others} signed out.` } });
        } catch (err) {
          return answer(request, user, sessionId, { password: { error: messageOf(err).replace("Field 'new_password'", "The new password") } });
        }
      },
      { page: true, ...hide },
    )
    .post(
      "/totp/setup",
      async ({ request, user, sessionId }) => {
        try {
          const e = await startTotpSetup(ctx, user.id);
          return answer(request, user, sessionId, { totp: { state: "enrolling", ...e } });
        } catch (err) {
          return answer(request, user, sessionId, { totp: totpState(user.id, { error: messageOf(err) }) });
        }
      },
      { page: true, ...hide },
    )
    .post(
      "/totp/enable",
      async ({ request, body, user, sessionId }) => {
        const secret = formField(body, "secret", 128);
        try {
          const codes = await enableTotp(ctx, user.id, secret, formField(body, "code", 32));
          return answer(request, user, sessionId, { totp: { state: "codes", codes } });
        } catch (err) {
          const error = messageOf(err);
          if (findUserById(ctx.db, user.id)?.totpEnabled) return answer(request, user, sessionId, { totp: totpState(user.id, { error }) });
          // Same secret again, so the entry the user already scanned keeps working.
          const e = isTotpSecret(secret) ? await enrolmentFor(user.username, secret) : await startTotpSetup(ctx, user.id);
          return answer(request, user, sessionId, { totp: { state: "enrolling", ...e, error } });
        }
      },
      { page: true, ...hide },
    )
    .post(
      "/totp/disable",
      async ({ request, server, body, user, sessionId }) => {
        try {
          await disableTotp(ctx, user.id, formField(body, "code", 32), clientIp(request, server, ctx.config));
          return answer(request, user, sessionId, { totp: totpState(user.id, { ok: "Two-factor authentication is off." }) });
        } catch (err) {
          return answer(request, user, sessionId, { totp: totpState(user.id, { error: messageOf(err) }) });
        }
      },
      { page: true, ...hide },
    )
    .post(
      "/sessions/:id/revoke",
      ({ request, params, user, sessionId }) => {
        const ended = params.id !== sessionId && deleteUserSession(ctx.db, user.id, params.id);
        return answer(request, user, sessionId, { sessions: sessionsState(user.id, sessionId, ended ? "Session signed out." : undefined) });
      },
      { page: true, ...hide },
    )
    .post(
      "/sessions/logout-all",
      ({ request, cookie, user }) => {
        logoutEverywhere(ctx, user);
        clearSessionCookie(cookie[COOKIE_NAME]!, ctx.config);
        return redirect("/login", request);
      },
      { page: true, ...hide },
    )
    .post(
      "/api-keys",
      async ({ request, body, user, sessionId }) => {
        const name = formField(body, "name", 64).trim();
        const scope = formField(body, "scope", 8);
        if (!name) return answer(request, user, sessionId, { apiKeys: keysState(user.id, { error: "Give the key a name" }) });
        if (scope !== "read" && scope !== "write") return answer(request, user, sessionId, { apiKeys: keysState(user.id, { error: "Choose a scope: read or write" }) });
        const { row, key } = await createApiKey(ctx.db, user.id, name, scope);
        ctx.logger.info("API key created", { user: user.username, id: row.id, scope });
        return answer(request, user, sessionId, { apiKeys: keysState(user.id, { created: { name: row.name, key } }) });
      },
      { page: true, ...hide },
    )
    .post(
      "/api-keys/:id/revoke",
      ({ request, params, user, sessionId }) => {
        const id = parseId(params.id);
        const ok = id !== null && deleteApiKey(ctx.db, user.id, id);
        if (ok) ctx.logger.info("API key revoked", { user: user.username, id });
        return answer(request, user, sessionId, { apiKeys: keysState(user.id, ok ? { ok: "Key revoked." } : { error: "That key does not exist (any more)." }) });
      },
      { page: true, ...hide },
    );
}
