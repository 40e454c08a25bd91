// Credentials API. Responses never carry the data: it goes in, sealed, and only runs read it.
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import * as E from "../docs/examples.ts";
import { IdParams } from "../http/params.ts";
import { ErrorBody } from "../http/schemas.ts";
import { DestinationTypeSchema } from "../jobs/model.ts";
import { CredentialView } from "./model.ts";
import * as svc from "./service.ts";

const tags = ["Credentials"];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const Data = t.Record(t.String(), t.Unknown(), { description: "fields per type: see credential_fields in GET /api/providers; never returned" });

export function credentialRoutes(ctx: AppContext) {
  const { db, secret } = ctx;
  return new Elysia({ name: "credentials", prefix: "/api/credentials" })
    .use(authPlugin(ctx))
    .get("", ({ query }) => svc.listCredentials(db, query.provider), {
      auth: true,
      query: t.Object({ provider: t.Optional(t.String({ description: "only this provider type" })) }),
      response: { 200: t.Array(CredentialView), 400: ErrorBody, 401: ErrorBody },
      detail: { tags, summary: "List credentials (without their secrets)" },
    })
    .post(
      "",
      ({ body, set }) => {
        const view = svc.createCredential(db, secret, body);
        set.status = 201;
        return view;
      },
      {
        auth: true,
        parse: "json",
        body: t.Object(
          {
            name: t.String({ minLength: 1, maxLength: 200 }),
            provider_type: t.Union([...DestinationTypeSchema.anyOf, t.Literal("encryption")], { description: 'a destination type, or "encryption" for a job\'s encryption password' }),
            data: Data,
          },
          { examples: E.CREDENTIAL_CREATE },
        ),
        response: { 201: CredentialView, ...errors },
        detail: { tags, summary: "Save a credential", description: "The data is validated for the provider type and encrypted at rest (AES-256-GCM)." },
      },
    )
    .get("/:id", ({ params }) => svc.getCredential(db, params.id), {
      auth: true,
      params: IdParams,
      response: { 200: CredentialView, ...errors },
      detail: { tags, summary: "Get a credential (without its secrets)" },
    })
    .put("/:id", ({ params, body }) => svc.updateCredential(db, secret, params.id, body), {
      auth: true,
      params: IdParams,
      parse: "json",
      body: t.Object(
        {
          name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
          provider_type: t.Optional(t.String()),
          data: t.Optional(Data),
        },
        { examples: E.CREDENTIAL_UPDATE },
      ),
      response: { 200: CredentialView, ...errors },
      detail: { tags, summary: "Rename a credential or replace its data", description: "`data`, when given, replaces all of the stored data." },
    })
    .delete(
      "/:id",
      ({ params }) => {
        svc.deleteCredential(db, params.id);
        return { message: "Credential deleted" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: t.Object({ message: t.String() }), ...errors, 409: t.Object({ error: t.String(), message: t.String(), jobs: t.Array(t.String()) }) },
        detail: { tags, summary: "Delete a credential", description: "409 with the names of the jobs using it." },
      },
    )
    .get("/:id/usage", ({ params }) => svc.credentialUsage(db, params.id), {
      auth: true,
      params: IdParams,
      response: { 200: t.Object({ credential_id: t.Integer(), jobs: t.Array(t.Object({ id: t.Integer(), name: t.String() })) }), ...errors },
      detail: { tags, summary: "Jobs using a credential" },
    });
}
