// Setup and sign-in, shared by the JSON API and the pages: plain functions that throw ApiError.
import type { AppContext } from "../context.ts";
import { open, SealError } from "../crypto/seal.ts";
import { conflict, unauthorized } from "../http/errors.ts";
import { attemptSucceeded, failAttempt, loginKeys, refuseWhileLocked, secondFactorKeys } from "./attempts.ts";
import { checkNewPassword, checkUsername, hashPassword, verifyAgainstNothing, verifyPassword } from "./passwords.ts";
import { remainingRecoveryCodes, useRecoveryCode } from "./recovery-codes.ts";
import { authRuntime } from "./runtime.ts";
import { createSession } from "./sessions.ts";
import { checkTotpCode } from "./totp.ts";
import { claimTotpStep, countUsers, createFirstUser, findUserById, findUserByName, type UserRow } from "./users.ts";

export interface ClientMeta {
  ip: string;
  userAgent?: string | null;
}

export interface SignedIn {
  user: UserRow;
  token: string;
  sessionId: string;
}

export type LoginResult = { kind: "signed_in"; signedIn: SignedIn } | { kind: "totp_required"; totpToken: string };

/** The AAD under which a user's TOTP secret is sealed: the sealed value only opens for that user. */
export const totpSealContext = (userId: number) => `totp:user:${userId}`;

export async function startSession(ctx: AppContext, user: UserRow, meta: ClientMeta): Promise<SignedIn> {
  const { id } = createSession(ctx.db, user.id, { ip: meta.ip, userAgent: meta.userAgent });
  const token = await authRuntime(ctx).tokens.signSession(id, user.id);
  return { user, token, sessionId: id };
}

export async function setupAdmin(ctx: AppContext, username: string, password: string, meta: ClientMeta): Promise<SignedIn> {
  checkUsername(username);
  checkNewPassword(password);
  const refused = () => conflict("Setup is already complete; sign in instead");
  if (countUsers(ctx.db) > 0) throw refused();
  const user = createFirstUser(ctx.db, username, await hashPassword(password));
  if (!user) throw refused();
  ctx.logger.info("admin account created", { user: user.username, ip: meta.ip });
  return startSession(ctx, user, meta);
}

export async function login(ctx: AppContext, username: string, password: string, meta: ClientMeta): Promise<LoginResult> {
  const keys = loginKeys(meta.ip, username);
  refuseWhileLocked(ctx, keys);
  const user = findUserByName(ctx.db, username);
  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstNothing(password);
  // An unknown name is not logged: people type their password into the username field.
  const fields = { user: user ? user.username : "(unknown)", ip: meta.ip };
  if (!user || !ok) failAttempt(ctx, keys, "login", fields, unauthorized("Invalid username or password"));
  attemptSucceeded(ctx, keys);
  if (user.totpEnabled) {
    ctx.logger.info("password accepted; second factor required", fields);
    return { kind: "totp_required", totpToken: await authRuntime(ctx).tokens.signTotp(user.id) };
  }
  ctx.logger.info("login succeeded", fields);
  return { kind: "signed_in", signedIn: await startSession(ctx, user, meta) };
}

async function pendingUser(ctx: AppContext, totpToken: string) {
  const claims = await authRuntime(ctx).tokens.verifyTotp(totpToken);
  const user = claims ? findUserById(ctx.db, claims.userId) : undefined;
  if (!claims || !user || !user.totpEnabled || !user.totpSecret) throw unauthorized("Sign-in expired or invalid; enter your password again");
  return { claims, user, secret: user.totpSecret };
}

/** Checks a TOTP code for the user and claims its step; "replay" when the code was already used. */
export async function acceptTotpCode(ctx: AppContext, user: UserRow, code: string): Promise<"ok" | "invalid" | "replay"> {
  if (!user.totpSecret) return "invalid";
  let secret: string;
  try {
    secret = open(ctx.secret, user.totpSecret, totpSealContext(user.id));
  } catch (err) {
    if (!(err instanceof SealError)) throw err;
    ctx.logger.error("stored 2FA secret cannot be opened (was secret.key replaced?); run dynamight reset-password", { user: user.username });
    return "invalid";
  }
  const step = await checkTotpCode(secret, code, null);
  if (step === null) return "invalid";
  return claimTotpStep(ctx.db, user.id, step) ? "ok" : "replay";
}

export async function completeWithTotp(ctx: AppContext, totpToken: string, code: string, meta: ClientMeta): Promise<SignedIn> {
  const { claims, user } = await pendingUser(ctx, totpToken);
  const keys = secondFactorKeys(meta.ip, user.id);
  refuseWhileLocked(ctx, keys);
  const verdict = await acceptTotpCode(ctx, user, code);
  const fields = { user: user.username, ip: meta.ip };
  if (verdict === "replay") failAttempt(ctx, keys, "2FA code", { ...fields, reason: "replayed" }, unauthorized("This code was already used; wait for the next one"));
  if (verdict === "invalid") failAttempt(ctx, keys, "2FA code", fields, unauthorized("Invalid code"));
  attemptSucceeded(ctx, keys);
  authRuntime(ctx).tokens.consumeTotp(claims);
  ctx.logger.info("login succeeded with 2FA code", fields);
  return startSession(ctx, user, meta);
}

export async function completeWithRecovery(ctx: AppContext, totpToken: string, recoveryCode: string, meta: ClientMeta): Promise<SignedIn & { remaining: number }> {
  const { claims, user } = await pendingUser(ctx, totpToken);
  const keys = secondFactorKeys(meta.ip, user.id);
  refuseWhileLocked(ctx, keys);
  const fields = { user: user.username, ip: meta.ip };
  if (!useRecoveryCode(ctx.db, ctx.secret, user.id, recoveryCode)) failAttempt(ctx, keys, "recovery code", fields, unauthorized("Invalid or already used recovery code"));
  attemptSucceeded(ctx, keys);
  authRuntime(ctx).tokens.consumeTotp(claims);
  const remaining = remainingRecoveryCodes(ctx.db, user.id);
  ctx.logger.info("login succeeded with a recovery code", { ...fields, remaining });
  return { ...(await startSession(ctx, user, meta)), remaining };
}
