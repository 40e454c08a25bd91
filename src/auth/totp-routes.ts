// /api/auth/totp/*: enrolment and removal of 2FA for the signed-in user, and the second step of a
// 2FA login (validate with a code, or recovery with a single-use recovery code).
import { Elysia } from "elysia";
import type { AppContext } from "../context.ts";
import { disableTotp, enableTotp, startTotpSetup } from "./account.ts";
import { requestMeta } from "./client-ip.ts";
import { setSessionCookie } from "./cookie.ts";
import { authPlugin, COOKIE_NAME, requireSession } from "./guard.ts";
import { completeWithRecovery, completeWithTotp } from "./login.ts";
import * as M from "./model.ts";
import { remainingRecoveryCodes } from "./recovery-codes.ts";

const tags = ["Auth"];
const RATE_NOTE = "Rate limited per client IP and per user: 5 failures a minute, then lockouts doubling from 60 s to 1 h (429 with Retry-After).";

export function totpRoutes(ctx: AppContext) {
  return new Elysia({ name: "auth-totp-routes", prefix: "/totp" })
    .use(authPlugin(ctx))
    .get("/status", ({ user }) => ({ enabled: user.totpEnabled, remaining_codes: user.totpEnabled ? remainingRecoveryCodes(ctx.db, user.id) : 0 }), {
      auth: true,
      response: { 200: M.TotpStatus, ...M.errors(401) },
      detail: { tags, summary: "Whether 2FA is on, and how many recovery codes are left", security: M.PROTECTED },
    })
    .post(
      "/setup",
      async ({ user, principal }) => {
        requireSession(principal);
        const e = await startTotpSetup(ctx, user.id);
        return { secret: e.secret, qr_code: e.qrCode, otpauth_url: e.otpauthUrl };
      },
      {
        auth: true,
        response: { 200: M.TotpSetupOut, ...M.errors(401, 403, 409) },
        detail: { tags, summary: "A new TOTP secret with its QR code (nothing is stored until enable)", security: M.PROTECTED },
      },
    )
    .post(
      "/enable",
      async ({ user, principal, body }) => {
        requireSession(principal);
        return { enabled: true as const, recovery_codes: await enableTotp(ctx, user.id, body.secret, body.code) };
      },
      {
        auth: true,
        parse: "json",
        body: M.TotpEnableBody,
        response: { 200: M.TotpEnableOut, ...M.errors(400, 401, 403, 409) },
        detail: { tags, summary: "Turn 2FA on after verifying a code for the secret; returns 10 recovery codes once", security: M.PROTECTED },
      },
    )
    .post(
      "/disable",
      async ({ user, principal, body, request, server }) => {
        requireSession(principal);
        await disableTotp(ctx, user.id, body.code, requestMeta(request, server, ctx.config).ip);
        return { enabled: false as const };
      },
      {
        auth: true,
        parse: "json",
        body: M.TotpDisableBody,
        response: { 200: M.TotpDisableOut, ...M.errors(400, 401, 403, 409, 429) },
        detail: { tags, summary: "Turn 2FA off (needs a current code or an unused recovery code)", description: RATE_NOTE, security: M.PROTECTED },
      },
    )
    .post(
      "/validate",
      async ({ body, cookie, request, server }) => {
        const s = await completeWithTotp(ctx, body.totp_token, body.code, requestMeta(request, server, ctx.config));
        setSessionCookie(cookie[COOKIE_NAME]!, s.token, ctx.config);
        return { id: s.user.id, username: s.user.username };
      },
      {
        parse: "json",
        body: M.TotpValidateBody,
        response: { 200: M.UserRef, ...M.errors(400, 401, 429) },
        detail: { tags, summary: "Second login step: a code from the authenticator app; sets the session cookie", description: RATE_NOTE, security: [] },
      },
    )
    .post(
      "/recovery",
      async ({ body, cookie, request, server }) => {
        const s = await completeWithRecovery(ctx, body.totp_token, body.recovery_code, requestMeta(request, server, ctx.config));
        setSessionCookie(cookie[COOKIE_NAME]!, s.token, ctx.config);
        return { id: s.user.id, username: s.user.username, remaining_codes: s.remaining };
      },
      {
        parse: "json",
        body: M.TotpRecoveryBody,
        response: { 200: M.RecoveryOut, ...M.errors(400, 401, 429) },
        detail: { tags, summary: "Second login step with a single-use recovery code; sets the session cookie", description: RATE_NOTE, security: [] },
      },
    );
}
