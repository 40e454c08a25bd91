// /api/auth/api-keys: keys for scripts and monitoring. Creating and revoking needs a session.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context.ts";
import { notFound } from "../http/errors.ts";
import { IdParams } from "../http/params.ts";
import { type ApiKeyRow, createApiKey, deleteApiKey, listApiKeys } from "./api-keys.ts";
import { authPlugin, requireSession } from "./guard.ts";
import * as M from "./model.ts";

const tags = ["Auth"];

export const apiKeyJson = (k: ApiKeyRow) => ({ id: k.id, name: k.name, scope: k.scope, prefix: k.prefix, created_at: k.createdAt, last_used_at: k.lastUsedAt });

export function apiKeyRoutes(ctx: AppContext) {
  return new Elysia({ name: "auth-api-key-routes", prefix: "/api-keys" })
    .use(authPlugin(ctx))
    .get("", ({ user }) => listApiKeys(ctx.db, user.id).map(apiKeyJson), {
      auth: true,
      response: { 200: t.Array(M.ApiKeyOut), ...M.errors(401) },
      detail: { tags, summary: "The user's API keys (never the keys themselves)", security: M.PROTECTED },
    })
    .post(
      "",
      async ({ user, principal, body, set }) => {
        requireSession(principal);
        const { row, key } = await createApiKey(ctx.db, user.id, body.name.trim() || "API key", body.scope);
        ctx.logger.info("API key created", { user: user.username, id: row.id, scope: row.scope });
        set.status = 201;
        return { ...apiKeyJson(row), key };
      },
      {
        auth: true,
        parse: "json",
        body: M.ApiKeyCreateBody,
        response: { 201: M.ApiKeyCreated, ...M.errors(400, 401, 403) },
        detail: { tags, summary: "Create an API key (`dm_...`); the key is in this response only", security: M.PROTECTED },
      },
    )
    .delete(
      "/:id",
      ({ user, principal, params }) => {
        requireSession(principal);
        if (!deleteApiKey(ctx.db, user.id, params.id)) throw notFound("API key not found");
        ctx.logger.info("API key revoked", { user: user.username, id: params.id });
        return { message: "API key revoked" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: M.Message, ...M.errors(401, 403, 404) },
        detail: { tags, summary: "Revoke an API key", security: M.PROTECTED },
      },
    );
}
