// Shared steps for the auth tests: real app, real database, real otplib codes.
import { jwt } from "@elysiajs/jwt";
import { generate } from "otplib";
import type { TestClient } from "../helpers/app.ts";

export const PASSWORD = "correct horse battery";

export function form(fields: Record<string, string>, htmx = false) {
  return {
    body: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...(htmx ? { "hx-request": "true" } : {}) },
  };
}

export async function setup(client: TestClient, username = "admin", password = PASSWORD) {
  const r = await client.json("POST", "/api/auth/setup", { body: { username, password } });
  if (r.status !== 200) throw new Error(`setup failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: number; username: string };
}

/** The TOTP code for `offsetSteps` steps from now (0 = current, 1 = next 30 s window). */
export function codeAt(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

/** A 6-digit string that is none of the codes valid around now. */
export async function wrongCode(secret: string): Promise<string> {
  const valid = new Set(await Promise.all([-2, -1, 0, 1, 2].map((o) => codeAt(secret, o))));
  for (let n = 123456; ; n = (n + 111111) % 1_000_000) {
    const c = String(n).padStart(6, "0");
    if (!valid.has(c)) return c;
  }
}

/** Turns on 2FA for the signed-in client; the enabling code's step is used up. */
export async function enable2fa(client: TestClient) {
  const s = await client.json("POST", "/api/auth/totp/setup");
  if (s.status !== 200) throw new Error(`totp setup failed: ${s.status} ${JSON.stringify(s.body)}`);
  const secret = s.body.secret as string;
  const e = await client.json("POST", "/api/auth/totp/enable", { body: { secret, code: await codeAt(secret) } });
  if (e.status !== 200) throw new Error(`totp enable failed: ${e.status} ${JSON.stringify(e.body)}`);
  return { secret, recoveryCodes: e.body.recovery_codes as string[] };
}

/** Signs arbitrary claims with the app's key (to build expired or odd tokens). */
export function signWith(secret: Uint8Array, claims: Record<string, unknown>): Promise<string> {
  const signer = (jwt({ name: "jwt", secret, alg: "HS256" }) as unknown as { decorator: { jwt: { sign(c: Record<string, unknown>): Promise<string> } } }).decorator.jwt;
  return signer.sign(claims);
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}
