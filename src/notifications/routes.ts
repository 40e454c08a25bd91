// Notifications API: channels (secrets masked), a test message, the last 50 deliveries.
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { IdParams } from "../http/params.ts";
import { errorResponses, Message } from "../http/schemas.ts";
import { ChannelBody, ChannelPatch, ChannelView, DeliveryView, TestResult } from "./model.ts";
import type { Notifier } from "./notifier.ts";
import * as svc from "./service.ts";

const tags = ["Notifications"];

export function notificationRoutes(ctx: AppContext, notifier: Notifier) {
  const { db, secret } = ctx;
  return new Elysia({ name: "notifications", prefix: "/api/notifications" })
    .use(authPlugin(ctx))
    .get("", () => svc.listChannels(db), {
      auth: true,
      response: { 200: t.Array(ChannelView), ...errorResponses(401) },
      detail: { tags, summary: "List notification channels (secret fields masked)" },
    })
    .post(
      "",
      ({ body, set }) => {
        const view = svc.createChannel(db, secret, body);
        set.status = 201;
        return view;
      },
      {
        auth: true,
        parse: "json",
        body: ChannelBody,
        response: { 201: ChannelView, ...errorResponses(400, 401, 403) },
        detail: { tags, summary: "Add a notification channel", description: 'Secret fields are encrypted at rest and returned as "****".' },
      },
    )
    .get("/:id", ({ params }) => svc.getChannel(db, params.id), {
      auth: true,
      params: IdParams,
      response: { 200: ChannelView, ...errorResponses(400, 401, 404) },
      detail: { tags, summary: "Get a notification channel (secret fields masked)" },
    })
    .put("/:id", ({ params, body }) => svc.updateChannel(db, secret, params.id, body), {
      auth: true,
      params: IdParams,
      parse: "json",
      body: ChannelPatch,
      response: { 200: ChannelView, ...errorResponses(400, 401, 403, 404) },
      detail: { tags, summary: "Change a notification channel", description: 'Any subset of the fields; a secret sent back as "****" keeps its stored value.' },
    })
    .delete(
      "/:id",
      ({ params }) => {
        svc.deleteChannel(db, params.id);
        return { message: "Notification channel deleted" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: Message, ...errorResponses(400, 401, 403, 404) },
        detail: { tags, summary: "Delete a notification channel" },
      },
    )
    .post(
      "/:id/test",
      async ({ params }) => {
        const channel = svc.channelOf(secret, svc.findChannelRow(db, params.id));
        if (!channel) return { success: false, message: "The channel's type is not known to this version" };
        return notifier.test(channel);
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: TestResult, ...errorResponses(400, 401, 403, 404) },
        detail: { tags, summary: "Send a test message now", description: "An unreachable channel answers success: false with the reason." },
      },
    )
    .get("/:id/deliveries", ({ params }) => svc.channelDeliveries(db, params.id), {
      auth: true,
      params: IdParams,
      response: { 200: t.Array(DeliveryView), ...errorResponses(400, 401, 404) },
      detail: { tags, summary: "The last 50 delivery attempts, newest first" },
    });
}
