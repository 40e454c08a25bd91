// Recent re-authentication ("sudo mode") for destructive actions such as deleting files from the
// browse page: the password again (and a TOTP code when 2FA is on) opens a short window for
// this session only. Kept in memory: a restart closes every window, which only costs a retype.
import type { AppContext } from "../context.ts";
import { forbidden, unauthorized } from "../http/errors.ts";
import { attemptSucceeded, failAttempt, passwordChangeKeys, refuseWhileLocked } from "./attempts.ts";
import type { ClientMeta } from "./login.ts";
import { acceptTotpCode } from "./login.ts";
import { verifyPassword } from "./passwords.ts";
import { findUserById } from "./users.ts";

export const REAUTH_WINDOW_SECONDS = 5 * 60;

const windows = new Map<string, number>();

function sweep(now: number) {
  for (const [k, until] of windows) if (until <= now) windows.delete(k);
}

/** Checks the password (and the TOTP code with 2FA on) and opens the window for `sessionId`. */
export async function confirmIdentity(ctx: AppContext, userId: number, sessionId: string, password: string, totpCode: string | undefined, meta: ClientMeta, now = Date.now()) {
  const user = findUserById(ctx.db, userId);
  if (!user) throw unauthorized();
  const keys = passwordChangeKeys(meta.ip, user.id);
  refuseWhileLocked(ctx, keys);
  const fields = { user: user.username, ip: meta.ip };
  if (!(await verifyPassword(password, user.passwordHash))) failAttempt(ctx, keys, "re-authentication", fields, unauthorized("Wrong password"));
  if (user.totpEnabled) {
    if (!totpCode) throw unauthorized("Enter the code from your authenticator app as well (totp_code)");
    const verdict = await acceptTotpCode(ctx, user, totpCode);
    if (verdict !== "ok") failAttempt(ctx, keys, "re-authentication", fields, unauthorized(verdict === "replay" ? "This code was already used; wait for the next one" : "Invalid code"));
  }
  attemptSucceeded(ctx, keys);
  sweep(now);
  const until = now + REAUTH_WINDOW_SECONDS * 1000;
  windows.set(sessionId, until);
  ctx.logger.info("re-authenticated for destructive actions", fields);
  return { confirmed_until: new Date(until).toISOString(), window_seconds: REAUTH_WINDOW_SECONDS };
}

export function recentlyConfirmed(sessionId: string | null, now = Date.now()): boolean {
  if (!sessionId) return false;
  const until = windows.get(sessionId);
  return until !== undefined && until > now;
}

/** 403 unless this session re-authenticated within the window (API keys never have one). */
export function requireRecentConfirm(sessionId: string | null) {
  if (!recentlyConfirmed(sessionId))
    throw forbidden(`This action needs a recent re-authentication: POST /api/auth/confirm with your password (and 2FA code) first; it stays valid ${REAUTH_WINDOW_SECONDS / 60} minutes`);
}
