// Page routes that need no session: the embedded assets (/assets/:name, /favicon.ico).
import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { serveAsset } from "../assets.ts";

export function publicPages(_ctx: AppContext) {
  return new Elysia({ name: "web-public" })
    .get("/assets/:name", ({ params, request }) => serveAsset(params.name, request.headers.get("if-none-match")) ?? new Response("Not found", { status: 404 }), {
      detail: { hide: true },
    })
    .get("/favicon.ico", ({ request }) => serveAsset("favicon.svg", request.headers.get("if-none-match")), { detail: { hide: true } });
}
