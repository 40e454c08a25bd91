// The OAuth connection API (SPEC "Google Drive and OneDrive"): start a browser authorization,
// the provider's callback, a device code and its status. The tokens never leave the server:
// they are saved as a sealed credential and only its id is answered.
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { ErrorBody } from "../http/schemas.ts";
import type { OAuthFlows } from "./flows.ts";
import { CallbackQuery, ConnectBody, DeviceResponse, DeviceStatusResponse, ProviderParams, StartResponse } from "./model.ts";
import { connectInput, flowError, providerName, redirectUri } from "./service.ts";

const tags = ["OAuth"];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

export function oauthRoutes(ctx: AppContext, flows: OAuthFlows) {
  return (
    new Elysia({ name: "oauth", prefix: "/api/oauth" })
      // No session on the callback: the session cookie is SameSite=Strict, so the provider's
      // redirect arrives without it. The single-use state (made by a signed-in start) is the check.
      .get(
        "/callback",
        async ({ request, set }) => {
          let id: number;
          try {
            id = await flows.callback(new URL(request.url).searchParams);
          } catch (err) {
            flowError(err);
          }
          // A page of our own that moves on, rather than a 303: the browser is still inside the
          // provider's cross-site redirect chain, which would not carry the Strict cookie.
          const to = `/credentials?connected=${id}`;
          set.headers["content-type"] = "text/html; charset=utf-8";
          return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${to}"><title>Connected · Dynamight</title><link rel="stylesheet" href="/assets/app.css"></head><body><main class="main narrow"><div class="card"><h1>Connected</h1><p>The credential is saved.</p><a class="btn" href="${to}">Back to credentials</a></div></main></body></html>`;
        },
        {
          query: CallbackQuery,
          response: { 200: t.String({ description: "an HTML page that moves on to /credentials?connected=<id>" }), 400: ErrorBody },
          detail: {
            tags,
            security: [],
            summary: "The provider's redirect after authorization",
            description:
              "Register `<public_url or this server's origin>/api/oauth/callback` as the redirect URI. Exchanges the code (with the PKCE verifier), saves the credential sealed and moves the browser on to the credentials page. A wrong, used or expired (10 min) state is a 400 and saves nothing.",
          },
        },
      )
      .use(authPlugin(ctx))
      .post(
        "/:provider/start",
        async ({ params, body, request }) => {
          const input = connectInput(ctx, providerName(params.provider), body);
          const redirect_uri = redirectUri(ctx, request);
          try {
            return { authorize_url: await flows.start(input, redirect_uri), redirect_uri };
          } catch (err) {
            flowError(err);
          }
        },
        {
          auth: true,
          parse: "json",
          params: ProviderParams,
          body: ConnectBody,
          response: { 200: StartResponse, ...errors },
          detail: {
            tags,
            summary: "Start connecting in the browser (authorization code + PKCE)",
            description: "Answers the provider's authorization URL. With `credential_id`, the flow reconnects that credential (its stored client ID and secret are used when none are given).",
          },
        },
      )
      .post(
        "/:provider/device",
        async ({ params, body }) => {
          const input = connectInput(ctx, providerName(params.provider), body);
          try {
            return await flows.startDevice(input);
          } catch (err) {
            flowError(err);
          }
        },
        {
          auth: true,
          parse: "json",
          params: ProviderParams,
          body: ConnectBody,
          response: { 200: DeviceResponse, ...errors },
          detail: {
            tags,
            summary: "Start connecting with a device code",
            description:
              "For a server without a browser: show `user_code` and `verification_uri` to the person, who approves on any device. The server polls the token endpoint itself (honouring interval and slow_down). Google allows only the drive.file scope in this flow.",
          },
        },
      )
      .get(
        "/device/:flow_id",
        ({ params }) => {
          try {
            return flows.device(params.flow_id);
          } catch (err) {
            flowError(err);
          }
        },
        {
          auth: true,
          params: t.Object({ flow_id: t.String({ pattern: "^[0-9a-f]{32}$", error: "must be the flow_id the device request answered" }) }),
          response: { 200: DeviceStatusResponse, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 400: ErrorBody },
          detail: { tags, summary: "How a device code flow stands", description: "`done` carries the saved credential's id." },
        },
      )
  );
}
