// OpenAPI 3.1 at /api/openapi.json, generated from the route schemas, and Swagger UI at /api/docs
// with its files served from the binary (the plugin's defaults load them from a CDN).
import { openapi } from "@elysiajs/openapi";
import { VERSION } from "../version.ts";
import { assetUrl } from "../web/assets.ts";

export function apiDocs() {
  return openapi({
    path: "/api/docs",
    specPath: "/api/openapi.json",
    provider: "swagger-ui",
    documentation: {
      info: {
        title: "Dynamight API",
        version: VERSION,
        description: "Self-hosted backup manager. Authenticate with the session cookie `token`, a session JWT as `Authorization: Bearer`, or an API key (`Bearer dm_...` or `X-API-Key`).",
      },
      tags: [
        { name: "Auth", description: "Setup, login, sessions, 2FA, API keys" },
        { name: "Jobs" },
        { name: "Schedules" },
        { name: "Runs" },
        { name: "Credentials" },
        { name: "Providers" },
        { name: "System" },
        { name: "Settings" },
      ],
      components: {
        securitySchemes: {
          cookie: { type: "apiKey", in: "cookie", name: "token" },
          bearer: { type: "http", scheme: "bearer" },
          apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        },
      },
    },
    swagger: {
      url: "/api/openapi.json",
      theme: assetUrl("swagger-ui.css"),
      cdn: assetUrl("swagger-ui-bundle.js"),
      // Swagger UI would otherwise send the spec to validator.swagger.io for a badge.
      validatorUrl: null,
      autoDarkMode: true,
    } as Record<string, unknown>,
  });
}
