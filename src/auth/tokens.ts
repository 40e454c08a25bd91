// Signed tokens, HS256 with the data folder's key (the same signer the guard verifies with):
// - session: { sid, sub, typ: "session" }, names a row in `sessions`, lives as long as it.
// - totp: { sub, jti, typ: "totp" }, five minutes, proves the password step of a 2FA login;
//   used once (its jti is remembered until it expires).
import { jwt } from "@elysiajs/jwt";
import { SESSION_TTL_SECONDS } from "./sessions.ts";

export const TOTP_TOKEN_TTL_SECONDS = 5 * 60;

type Claims = Record<string, unknown>;
interface Jwt {
  sign(claims: Claims & { exp?: number | string }): Promise<string>;
  verify(token?: string): Promise<false | Claims>;
}

export class TokenSigner {
  private jwt: Jwt;
  private usedJtis = new Map<string, number>();

  constructor(secret: Uint8Array) {
    // The plugin's decorator is the same sign/verify pair Elysia routes get as `jwt`.
    this.jwt = (jwt({ name: "jwt", secret, alg: "HS256" }) as unknown as { decorator: { jwt: Jwt } }).decorator.jwt;
  }

  signSession(sessionId: string, userId: number): Promise<string> {
    return this.jwt.sign({ sid: sessionId, sub: String(userId), typ: "session", exp: `${SESSION_TTL_SECONDS}s` });
  }

  /** The session id a token names, without checking that the session still exists. */
  async sessionId(token: string | undefined): Promise<string | null> {
    if (!token) return null;
    const claims = await this.jwt.verify(token).catch(() => false as const);
    return claims && claims.typ === "session" && typeof claims.sid === "string" ? claims.sid : null;
  }

  signTotp(userId: number): Promise<string> {
    const jti = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    return this.jwt.sign({ sub: String(userId), typ: "totp", jti, exp: `${TOTP_TOKEN_TTL_SECONDS}s` });
  }

  /** The user id of a valid, unexpired and unused totp token; null otherwise. */
  async verifyTotp(token: string): Promise<{ userId: number; jti: string; exp: number } | null> {
    const c = await this.jwt.verify(token).catch(() => false as const);
    if (!c || c.typ !== "totp" || typeof c.jti !== "string" || typeof c.sub !== "string" || typeof c.exp !== "number") return null;
    if (this.usedJtis.has(c.jti)) return null;
    const userId = Number(c.sub);
    return Number.isInteger(userId) ? { userId, jti: c.jti, exp: c.exp } : null;
  }

  /** Spends a totp token once its second factor was accepted. */
  consumeTotp(t: { jti: string; exp: number }) {
    const now = Date.now();
    for (const [k, exp] of this.usedJtis) if (exp * 1000 < now) this.usedJtis.delete(k);
    this.usedJtis.set(t.jti, t.exp);
  }
}
