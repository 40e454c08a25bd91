// What a signed-in user does to their own account: password, 2FA, sessions. Shared by API and pages.
import type { AppContext } from "../context.ts";
import { seal } from "../crypto/seal.ts";
import { badRequest, conflict, invalidField } from "../http/errors.ts";
import { attemptSucceeded, failAttempt, passwordChangeKeys, refuseWhileLocked, secondFactorKeys } from "./attempts.ts";
import { acceptTotpCode, totpSealContext } from "./login.ts";
import { checkNewPassword, hashPassword, verifyPassword } from "./passwords.ts";
import { deleteRecoveryCodes, replaceRecoveryCodes, useRecoveryCode } from "./recovery-codes.ts";
import { deleteUserSessions } from "./sessions.ts";
import { checkTotpCode, isTotpSecret, looksLikeTotpCode, newTotpSecret, otpauthUrl, qrCodeDataUrl } from "./totp.ts";
import { findUserById, setPasswordHash, setTotp, type UserRow } from "./users.ts";

function currentUser(ctx: AppContext, userId: number): UserRow {
  const user = findUserById(ctx.db, userId);
  // The guard resolved this user a moment ago; a concurrent delete is the only way here.
  if (!user) throw conflict("This account no longer exists");
  return user;
}

/** Changes the password and ends every session but `keepSessionId`; returns how many ended. */
export async function changePassword(ctx: AppContext, userId: number, keepSessionId: string | null, current: string, next: string, ip: string): Promise<number> {
  const user = currentUser(ctx, userId);
  const keys = passwordChangeKeys(ip, user.id);
  refuseWhileLocked(ctx, keys);
  if (!(await verifyPassword(current, user.passwordHash))) {
    failAttempt(ctx, keys, "password change", { user: user.username, ip }, badRequest("Current password is incorrect"));
  }
  attemptSucceeded(ctx, keys);
  checkNewPassword(next, "new_password");
  setPasswordHash(ctx.db, user.id, await hashPassword(next));
  const ended = deleteUserSessions(ctx.db, user.id, keepSessionId ?? undefined);
  ctx.logger.info("password changed", { user: user.username, ended_sessions: ended });
  return ended;
}

export interface TotpEnrollment {
  secret: string;
  qrCode: string;
  otpauthUrl: string;
}

/** A fresh secret to scan; nothing is stored until enableTotp confirms a code for it. */
export async function startTotpSetup(ctx: AppContext, userId: number): Promise<TotpEnrollment> {
  const user = currentUser(ctx, userId);
  if (user.totpEnabled) throw conflict("Two-factor authentication is already enabled; disable it first");
  return enrolmentFor(user.username, newTotpSecret());
}

/** The QR code and URL for a secret; used again after a wrong confirming code, so the scanned entry stays valid. */
export async function enrolmentFor(username: string, secret: string): Promise<TotpEnrollment> {
  const url = otpauthUrl(username, secret);
  return { secret, otpauthUrl: url, qrCode: await qrCodeDataUrl(url) };
}

/** Verifies a code for `secret`, stores the secret sealed and returns the new recovery codes (shown once). */
export async function enableTotp(ctx: AppContext, userId: number, secret: string, code: string): Promise<string[]> {
  const user = currentUser(ctx, userId);
  if (user.totpEnabled) throw conflict("Two-factor authentication is already enabled; disable it first");
  const normalised = secret.replace(/\s/g, "").toUpperCase();
  if (!isTotpSecret(normalised)) throw invalidField("secret", "must be the base32 secret returned by /api/auth/totp/setup");
  if (!looksLikeTotpCode(code)) throw invalidField("code", "must be the 6-digit code from your authenticator app");
  const step = await checkTotpCode(normalised, code, null);
  if (step === null) throw badRequest("Invalid code; check that the time on your device is correct and try the next code");
  // The confirming code's step is recorded at once, so it cannot also be used to sign in.
  setTotp(ctx.db, user.id, seal(ctx.secret, normalised, totpSealContext(user.id)), step);
  const codes = replaceRecoveryCodes(ctx.db, ctx.secret, user.id);
  ctx.logger.info("2FA enabled", { user: user.username });
  return codes;
}

/** Turns 2FA off after a valid authenticator code (or, for a lost device, an unused recovery code). */
export async function disableTotp(ctx: AppContext, userId: number, code: string, ip: string) {
  const user = currentUser(ctx, userId);
  if (!user.totpEnabled) throw conflict("Two-factor authentication is not enabled");
  const keys = secondFactorKeys(ip, user.id);
  refuseWhileLocked(ctx, keys);
  const ok = looksLikeTotpCode(code) ? (await acceptTotpCode(ctx, user, code)) === "ok" : useRecoveryCode(ctx.db, ctx.secret, user.id, code);
  if (!ok) failAttempt(ctx, keys, "2FA disable", { user: user.username, ip }, badRequest("Invalid or already used code"));
  attemptSucceeded(ctx, keys);
  setTotp(ctx.db, user.id, null, null);
  deleteRecoveryCodes(ctx.db, user.id);
  ctx.logger.info("2FA disabled", { user: user.username });
}

export function logoutEverywhere(ctx: AppContext, user: { id: number; username: string }): number {
  const ended = deleteUserSessions(ctx.db, user.id);
  ctx.logger.info("all sessions ended", { user: user.username, ended_sessions: ended });
  return ended;
}
