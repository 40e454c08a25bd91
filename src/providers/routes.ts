// Providers API: the destination types with their form fields, capabilities, and a connection test.
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import type { Destination } from "../destinations/contract.ts";
import { destinationFor, isDestinationType, listDestinations } from "../destinations/registry.ts";
import * as E from "../docs/examples.ts";
import { notFound } from "../http/errors.ts";
import { ErrorBody } from "../http/schemas.ts";
import { DestinationTypeSchema } from "../jobs/model.ts";
import { testDestination } from "./service.ts";

const tags = ["Providers"];

const Field = t.Object({
  name: t.String(),
  label: t.String(),
  type: t.String({ description: "string, integer, boolean, text, password, path (a folder on this server), drive (a filesystem UUID) or choice" }),
  required: t.Boolean(),
  secret: t.Optional(t.Boolean()),
  default: t.Optional(t.Union([t.String(), t.Number(), t.Boolean(), t.Null()])),
  help: t.Optional(t.String()),
  options: t.Optional(t.Array(t.String(), { description: "the allowed values of a choice field" })),
});

const CapabilitiesSchema = t.Object({
  supports_delete: t.Boolean(),
  supports_compression: t.Boolean(),
  supports_checksum: t.Boolean(),
  supports_bandwidth_limit: t.Boolean(),
  supports_exclude_patterns: t.Boolean(),
  supports_incremental: t.Boolean(),
  supports_dry_run: t.Boolean(),
  requires_credentials: t.Boolean(),
  sync_implemented: t.Boolean({ description: "false: listed, but jobs of this type cannot run yet" }),
});

const Provider = t.Object({
  type: t.String(),
  name: t.String(),
  description: t.String(),
  requires_credentials: t.Boolean(),
  sync_implemented: t.Boolean(),
  config_fields: t.Array(Field),
  credential_fields: t.Array(Field),
});

const TestResultSchema = t.Object({
  success: t.Boolean(),
  message: t.String(),
  details: t.Union([t.Record(t.String(), t.Unknown()), t.Null()]),
});

function providerView(d: Destination) {
  return {
    type: d.type,
    name: d.name,
    description: d.description,
    requires_credentials: d.capabilities.requires_credentials,
    sync_implemented: d.capabilities.sync_implemented,
    config_fields: d.configFields,
    credential_fields: d.credentialFields,
  };
}

export function providerRoutes(ctx: AppContext) {
  return new Elysia({ name: "providers", prefix: "/api/providers" })
    .use(authPlugin(ctx))
    .get("", () => listDestinations().map(providerView), {
      auth: true,
      response: { 200: t.Array(Provider), 401: ErrorBody },
      detail: { tags, summary: "List destination types", description: "All six types, with the fields of their config and credential forms (secret fields flagged)." },
    })
    .get(
      "/:type/capabilities",
      ({ params }) => {
        if (!isDestinationType(params.type)) throw notFound(`Unknown provider type '${params.type}'`);
        return { provider_type: params.type, capabilities: destinationFor(params.type).capabilities };
      },
      {
        auth: true,
        params: t.Object({ type: t.String() }),
        response: { 200: t.Object({ provider_type: t.String(), capabilities: CapabilitiesSchema }), 401: ErrorBody, 404: ErrorBody },
        detail: { tags, summary: "Capabilities of a destination type" },
      },
    )
    .post("/test", ({ body }) => testDestination(ctx, body), {
      auth: true,
      parse: "json",
      body: t.Object(
        {
          destination_type: DestinationTypeSchema,
          destination_config: t.Record(t.String(), t.Unknown()),
          credential_id: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()])),
          credential_data: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
        },
        { examples: E.PROVIDER_TEST },
      ),
      response: { 200: TestResultSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      detail: {
        tags,
        summary: "Test a destination",
        description: "Uses a saved credential (`credential_id`) or inline `credential_data` (not stored). 200 with success false when the destination answers but refuses.",
      },
    });
}
