// Page routes that need no session: the first page and the embedded assets.
import { Elysia } from "elysia";
import { LoginPage } from "../../views/pages/login.tsx";
import { SetupPage } from "../../views/pages/setup.tsx";
import { countUsers } from "../auth/users.ts";
import type { AppContext } from "../context.ts";
import { serveAsset } from "./assets.ts";
import { html } from "./html.ts";

export function publicPages(ctx: AppContext) {
  return new Elysia({ name: "web-public" })
    .get("/assets/:name", ({ params, request }) => serveAsset(params.name, request.headers.get("if-none-match")) ?? new Response("Not found", { status: 404 }), {
      detail: { hide: true },
    })
    .get("/favicon.ico", ({ request }) => serveAsset("favicon.svg", request.headers.get("if-none-match")), { detail: { hide: true } })
    .get("/setup", () => html(<SetupPage />), { detail: { hide: true } })
    .get("/login", () => html(<LoginPage />), { detail: { hide: true } })
    .get("/", () => (countUsers(ctx.db) === 0 ? html(<SetupPage />) : html(<LoginPage />)), { detail: { hide: true } });
}
