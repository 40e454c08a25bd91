// Credentials page: list, create, edit (blank secrets keep the saved data), delete (409 names the jobs).
import { Elysia } from "elysia";
import { ErrorAlert } from "../../../views/components/format.tsx";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import type { CredentialProps } from "../../../views/components/types.ts";
import { CredentialFields, CredentialForm, type CredentialFormProps, CredentialsPage } from "../../../views/pages/credentials.tsx";
import type { AppContext } from "../../context.ts";
import * as creds from "../../credentials/service.ts";
import { fieldOf, formOf, messageOf, readConfig } from "../forms.ts";
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

export function credentialPages(ctx: AppContext) {
  const { db } = ctx;

  const page = (p: Viewer, form: Omit<CredentialFormProps, "providers">, extra: { message?: string | null; error?: string | null } = {}) => (
    <CredentialsPage
      username={p.user.username}
      theme={p.theme}
      credentials={creds.listCredentials(db)}
      providers={credentialTypes()}
      form={{ ...form, providers: credentialTypes() }}
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
    const cleaned = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));
    try {
      if (editing) creds.updateCredential(db, ctx.secret, editing.id, { name: form.name ?? "", data: anyData ? cleaned : undefined });
      else creds.createCredential(db, ctx.secret, { name: form.name ?? "", provider_type: type, data: cleaned });
      return redirect("/credentials?saved=1", request);
    } catch (err) {
      const props = { providers: credentialTypes(), credential: editing, providerType: type, name: form.name ?? "", values: shownValues(type, data), error: messageOf(err), errorField: fieldOf(err) };
      return pageOrFragment(request, { fragment: () => <CredentialForm {...props} />, page: () => page(p, props) }, { status: 400 });
    }
  };

  return new Elysia({ name: "web-credentials" })
    .use(pageAuth(ctx))
    .get(
      "/credentials",
      ({ request, user, theme }) => {
        const url = new URL(request.url);
        // Fixed words only: nothing from the URL is shown on the page.
        const saved = url.searchParams.has("saved");
        return html(page({ user, theme }, { providerType: defaultType(url.searchParams.get("type")), name: "", values: {} }, { message: saved ? "Credential saved." : null }));
      },
      { page: true, ...hide },
    )
    .get(
      "/credentials/fields",
      ({ query }) => {
        const type = defaultType(typeof query.provider_type === "string" ? query.provider_type : null);
        return html(<CredentialFields provider={credentialTypes().find((x) => x.type === type)!} values={{}} keepSecrets={false} />);
      },
      { page: true, ...hide },
    )
    .post("/credentials/new", ({ request, body, user, theme }) => save({ user, theme }, request, body), { page: true, ...hide })
    .get(
      "/credentials/:id/edit",
      ({ params, user, theme }) => {
        let credential: CredentialProps;
        try {
          credential = creds.getCredential(db, idParam(params.id) ?? 0);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return html(<NotFoundPage username={user.username} theme={theme} message="This credential does not exist." />, { status: 404 });
        }
        return html(page({ user, theme }, { credential, providerType: credential.provider_type, name: credential.name, values: {} }));
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
    );
}
