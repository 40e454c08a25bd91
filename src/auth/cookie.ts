// The session cookie's attributes in one place (set on login/setup, cleared on logout).
import type { Cookie } from "elysia";
import type { Config } from "../config.ts";
import { SESSION_TTL_SECONDS } from "./sessions.ts";

export function setSessionCookie(cookie: Cookie<unknown>, token: string, config: Pick<Config, "secureCookies">) {
  cookie.set({ value: token, httpOnly: true, sameSite: "strict", path: "/", secure: config.secureCookies, maxAge: SESSION_TTL_SECONDS });
}

export function clearSessionCookie(cookie: Cookie<unknown>, config: Pick<Config, "secureCookies">) {
  cookie.set({ value: "", httpOnly: true, sameSite: "strict", path: "/", secure: config.secureCookies, maxAge: 0, expires: new Date(0) });
}
