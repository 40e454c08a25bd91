// Credentials page: list, create, edit (blank secrets keep the saved data), delete (409 names the
// jobs), and for Google Drive / OneDrive the OAuth flows (browser, device code; a pasted token is
// a field of the form).
import { Elysia } from "elysia";
import { ErrorAlert } from "../../../views/components/format.tsx";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import { DeviceCode, DeviceEnded } from "../../../views/components/oauth-connect.tsx";
import type { CredentialProps } from "../../../views/components/types.ts";
import { CredentialFields, CredentialForm, type CredentialFormProps, CredentialsPage } from "../../../views/pages/credentials.tsx";
import type { AppContext } from "../../context.ts";
import * as creds from "../../credentials/service.ts";
import { providerForType } from "../../destinations/oauth/providers.ts";
import { invalidField } from "../../http/errors.ts";
import { FlowError } from "../../oauth/flows.ts";
import { connectInput, redirectUri } from "../../oauth/service.ts";
import type { Services } from "../../services.ts";
import { fieldErrors, fieldOf, formOf, messageOf, missingRequired, readConfig } from "../forms.ts";
import { html, pageOrFragment, redirect } from "../html.ts";
import { pageAuth, type Viewer } from "../session.ts";
import { credentialTypes, idParam, isNotFound } from "./common.ts";

function defaultType(requested: string | null): string {
  if (requested && creds.credentialFieldsFor(requested)?.length) return requested;
  return credentialTypes().find((p) => p.requires_credentials)?.type ?? "s3";
}

/** Non-secret values only: what may be shown again after a refused save. */
function shownValues(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const fields = creds.credentialFieldsFor(type);
  if (!fields) return {};
  const secret = new Set(fields.filter((f) => f.secret || f.type === "password").map((f) => f.name));
  return Object.fromEntries(Object.entries(data).filter(([k]) => !secret.has(k)));
}

const hide = { detail: { hide: true } };

/** The connect buttons' form fields as the flows' input (400 naming the field when one is missing). */
function connectFrom(ctx: AppContext, form: Record<string, string>) {
  const provider = providerForType(form.provider_type ?? "");
  if (!provider) throw new FlowError("bad_state", "Choose Google Drive or OneDrive as the type first");
  const id = form.credential_id ? idParam(form.credential_id) : null;
  return connectInput(ctx, provider, {
    name: form.name?.trim() || undefined,
    client_id: form["data.client_id"]?.trim() || undefined,
    client_secret: form["data.client_secret"] || undefined,
    tenant: form["data.tenant"]?.trim() || undefined,
    credential_id: id ?? undefined,
  });
}

/** A flow's failure in words (the provider's, or the field that is missing). */
const words = (err: unknown) => (err instanceof FlowError ? err.message : messageOf(err));

export function credentialPages(ctx: AppContext, services: Services) {
  const { db } = ctx;
  const flows = services.oauth;

  type FormInput = Omit<CredentialFormProps, "providers" | "redirectUri">;
  const page = (p: Viewer, request: Request, form: FormInput, extra: { message?: string | null; error?: string | null } = {}) => (
    <CredentialsPage
      username={p.user.username}
      theme={p.theme}
      credentials={creds.listCredentials(db)}
      providers={credentialTypes()}
      form={{ ...form, providers: credentialTypes(), redirectUri: redirectUri(ctx, request) }}
      message={extra.message}
      error={extra.error}
    />
  );

  const save = async (p: Viewer, request: Request, body: unknown, rawId?: string) => {
    const form = formOf(body);
    const editing: CredentialProps | null =
      rawId === undefined
        ? null
        : (() => {
            try {
              return creds.getCredential(db, idParam(rawId) ?? 0);
            } catch (err) {
              if (isNotFound(err)) return null;
              throw err;
            }
          })();
    if (rawId !== undefined && !editing) return redirect("/credentials", request);
    const type = editing?.provider_type ?? form.provider_type ?? "";
    const fields = creds.credentialFieldsFor(type) ?? [];
    const data = readConfig(fields, form, "data.", { dropBlankSecrets: !!editing });
    // On edit, a form left entirely blank keeps the saved data and changes only the name.
    const anyData = Object.values(data).some((v) => v !== null && v !== false && v !== "");
    let cleaned: Record<string, unknown> = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));
    // OAuth: a pasted token or new client fields on edit keep whatever else was saved (the client, the tenant).
    if (editing && anyData && providerForType(type)) {
      try {
        const stored = creds.openCredentialData(db, ctx.secret, editing.id);
        const keep = ["client_id", "client_secret", "tenant", ...(cleaned.token ? [] : ["access_token", "refresh_token", "expires_at"])];
        cleaned = { ...Object.fromEntries(Object.entries(stored).filter(([k]) => keep.includes(k))), ...cleaned };
      } catch {
        // Undecryptable: what was typed is all there is.
      }
    }
    try {
      if (editing) creds.updateCredential(db, ctx.secret, editing.id, { name: form.name ?? "", data: anyData ? cleaned : undefined });
      else creds.createCredential(db, ctx.secret, { name: form.name ?? "", provider_type: type, data: cleaned });
      return redirect("/credentials?saved=1", request);
    } catch (err) {
      messageOf(err); // anything but a refusal is a 500
      // Everything the form can say at once (issue 16): the name, the required fields of a new
      // credential left blank, and what the service refused, each beside its field in words.
      const found: unknown[] = [];
      if (!(form.name ?? "").trim()) found.push(invalidField("name", "is required"));
      if (!editing && !providerForType(type)) found.push(...missingRequired(fields, data, "data."));
      found.push(err);
      const errors = fieldErrors(found, {
        labels: { name: "Name", ...Object.fromEntries(fields.map((f) => [`data.${f.name}`, f.label])) },
        whenMissing: { name: "Give the credential a name", ...Object.fromEntries(fields.map((f) => [`data.${f.name}`, `Enter the ${f.label.toLowerCase()}`])) },
      });
      const props = {
        providers: credentialTypes(),
        credential: editing,
        providerType: type,
        name: form.name ?? "",
        values: shownValues(type, data),
        error: messageOf(err),
        errorField: fieldOf(err),
        errors,
      };
      return pageOrFragment(request, { fragment: () => <CredentialForm {...props} redirectUri={redirectUri(ctx, request)} />, page: () => page(p, request, props) }, { status: 400 });
    }
  };

  return (
    new Elysia({ name: "web-credentials" })
      .use(pageAuth(ctx))
      .get(
        "/credentials",
        ({ request, user, theme }) => {
          const url = new URL(request.url);
          // Fixed words only: nothing from the URL is shown on the page.
          const saved = url.searchParams.has("saved");
          const connected = url.searchParams.has("connected");
          return html(
            page(
              { user, theme },
              request,
              { providerType: defaultType(url.searchParams.get("type")), name: "", values: {} },
              { message: connected ? "Account connected: the credential is saved." : saved ? "Credential saved." : null },
            ),
          );
        },
        { page: true, ...hide },
      )
      .get(
        "/credentials/fields",
        ({ query, request }) => {
          const type = defaultType(typeof query.provider_type === "string" ? query.provider_type : null);
          return html(<CredentialFields provider={credentialTypes().find((x) => x.type === type)!} values={{}} keepSecrets={false} redirectUri={redirectUri(ctx, request)} />);
        },
        { page: true, ...hide },
      )
      .post("/credentials/new", ({ request, body, user, theme }) => save({ user, theme }, request, body), { page: true, ...hide })
      .get(
        "/credentials/:id/edit",
        ({ params, request, user, theme }) => {
          let credential: CredentialProps;
          try {
            credential = creds.getCredential(db, idParam(params.id) ?? 0);
          } catch (err) {
            if (!isNotFound(err)) throw err;
            return html(<NotFoundPage username={user.username} theme={theme} message="This credential does not exist." />, { status: 404 });
          }
          return html(page({ user, theme }, request, { credential, providerType: credential.provider_type, name: credential.name, values: {} }));
        },
        { page: true, ...hide },
      )
      // The OAuth flows from the form's buttons (htmx): errors are shown where the button answers.
      .post(
        "/credentials/oauth/start",
        async ({ request, body }) => {
          try {
            const url = await flows.start(connectFrom(ctx, formOf(body)), redirectUri(ctx, request));
            return redirect(url, request);
          } catch (err) {
            return html(<ErrorAlert message={words(err)} />);
          }
        },
        { page: true, ...hide },
      )
      .post(
        "/credentials/oauth/device",
        async ({ body }) => {
          try {
            const d = await flows.startDevice(connectFrom(ctx, formOf(body)));
            return html(<DeviceCode flowId={d.flow_id} userCode={d.user_code} verificationUri={d.verification_uri} expiresIn={d.expires_in} />);
          } catch (err) {
            return html(<ErrorAlert message={words(err)} />);
          }
        },
        { page: true, ...hide },
      )
      .get(
        "/credentials/oauth/device/:flow_id",
        ({ params, request }) => {
          let s: ReturnType<typeof flows.device>;
          try {
            s = flows.device(params.flow_id);
          } catch (err) {
            return html(<DeviceEnded status="expired" message={words(err)} />);
          }
          // 204: htmx swaps nothing and keeps polling.
          if (s.status === "pending") return new Response(null, { status: 204 });
          if (s.status === "done") return redirect(`/credentials?connected=${s.credential_id}`, request);
          return html(<DeviceEnded status={s.status} message={s.message} />);
        },
        { page: true, ...hide },
      )
      .post("/credentials/:id/edit", ({ request, body, params, user, theme }) => save({ user, theme }, request, body, params.id), { page: true, ...hide })
      .post(
        "/credentials/:id/delete",
        ({ request, params }) => {
          try {
            creds.deleteCredential(db, idParam(params.id) ?? 0);
            return redirect("/credentials", request);
          } catch (err) {
            // Shown in the page's error slot (the button targets it): "in use by 2 job(s): A, B".
            return html(<ErrorAlert message={messageOf(err)} />);
          }
        },
        { page: true, ...hide },
      )
  );
}
