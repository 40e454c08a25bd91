// Schemas of the notifications API (validation and OpenAPI).
import { type Static, t } from "elysia";
import * as E from "../docs/examples.ts";
import { NOTIFICATION_EVENTS } from "./contract.ts";
import { CHANNEL_TYPES } from "./registry.ts";

export const EventSchema = t.Union(NOTIFICATION_EVENTS.map((e) => t.Literal(e)));
const Config = t.Record(t.String(), t.Unknown(), { description: 'fields per type (docs/notifications.md); secret ones are returned as "****", and "****" sent back keeps the stored value' });

export const ChannelView = t.Object({
  id: t.Integer(),
  name: t.String(),
  type: t.String(),
  config: t.Record(t.String(), t.Unknown()),
  events: t.Array(t.String()),
  job_ids: t.Union([t.Array(t.Integer()), t.Null()], { description: "null: every job" }),
  enabled: t.Boolean(),
  created_at: t.String(),
  updated_at: t.String(),
});
export type ChannelView = Static<typeof ChannelView>;

export const ChannelBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 200 }),
    type: t.String({ description: CHANNEL_TYPES.join(" | ") }),
    config: Config,
    events: t.Optional(t.Array(EventSchema, { maxItems: 10, description: "default: run_failed, run_missed, no_success" })),
    job_ids: t.Optional(t.Union([t.Array(t.Integer({ minimum: 1 }), { maxItems: 1000 }), t.Null()])),
    enabled: t.Optional(t.Boolean()),
  },
  { examples: E.NOTIFICATION_CHANNEL },
);
export type ChannelBody = Static<typeof ChannelBody>;

export const ChannelPatch = t.Partial(ChannelBody, { examples: E.NOTIFICATION_CHANNEL_UPDATE });

export const DeliveryView = t.Object({ at: t.String(), event: t.String(), status: t.Union([t.Literal("sent"), t.Literal("failed")]), error: t.Union([t.String(), t.Null()]) });
export const TestResult = t.Object({ success: t.Boolean(), message: t.String() });
