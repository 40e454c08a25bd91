// GET|PUT /api/settings. PUT takes any subset of the fields and answers the full settings.
import { Elysia } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { ErrorBody } from "../http/schemas.ts";
import { SettingsPatch, SettingsView } from "./model.ts";
import { getSettings, updateSettings } from "./service.ts";

const tags = ["Settings"];

export function settingsRoutes(ctx: AppContext) {
  return new Elysia({ name: "settings", prefix: "/api" })
    .use(authPlugin(ctx))
    .get("/settings", () => getSettings(ctx.db), {
      auth: true,
      response: { 200: SettingsView, 401: ErrorBody },
      detail: { tags, summary: "Get application settings" },
    })
    .put("/settings", ({ body }) => updateSettings(ctx.db, body), {
      auth: true,
      parse: "json",
      body: SettingsPatch,
      response: { 200: SettingsView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      detail: { tags, summary: "Update application settings", description: "Any subset of the fields; the others keep their value." },
    });
}
