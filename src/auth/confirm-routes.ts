// POST /api/auth/confirm: re-authentication for destructive actions (see reauth.ts).
import { Elysia, t } from "elysia";
import type { AppContext } from "../context.ts";
import { requestMeta } from "./client-ip.ts";
import { authPlugin, requireSession } from "./guard.ts";
import { errors, PROTECTED } from "./model.ts";
import { confirmIdentity } from "./reauth.ts";

export function confirmRoutes(ctx: AppContext) {
  return new Elysia({ name: "auth-confirm", prefix: "/api/auth" })
    .use(authPlugin(ctx))
    .post(
      "/confirm",
      ({ body, user, principal, request, server }) => confirmIdentity(ctx, user.id, requireSession(principal), body.password, body.totp_code, requestMeta(request, server, ctx.config)),
      {
        auth: true,
        parse: "json",
        body: t.Object(
          { password: t.String({ maxLength: 1024 }), totp_code: t.Optional(t.String({ maxLength: 16, description: "required when 2FA is on" })) },
          { examples: [{ password: "correct horse battery", totp_code: "123456" }] },
        ),
        response: { 200: t.Object({ confirmed_until: t.String({ format: "date-time" }), window_seconds: t.Integer() }), ...errors(400, 401, 403, 429) },
        detail: {
          tags: ["Auth"],
          summary: "Re-authenticate (password, and the TOTP code with 2FA on) before destructive actions",
          description: "Opens a 5-minute window for this session in which POST /api/system/delete is allowed. Session only (API keys: 403). Rate limited like a password change.",
          security: PROTECTED,
        },
      },
    );
}
