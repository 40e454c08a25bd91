// Notifications page: channels listed, added, edited (a blank secret keeps the stored one),
// deleted; a test message sent now with its result inline; the channel's last 50 deliveries.
import { Elysia } from "elysia";
import { ErrorAlert } from "../../../views/components/format.tsx";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import { ChannelFields, ChannelForm, type ChannelFormProps, NotificationsPage, TestResult } from "../../../views/pages/notifications.tsx";
import type { AppContext } from "../../context.ts";
import * as jobs from "../../jobs/service.ts";
import { type Config, type FieldSpec, NOTIFICATION_EVENTS, type NotificationEvent } from "../../notifications/contract.ts";
import { ChannelBody, ChannelPatch, type ChannelView } from "../../notifications/model.ts";
import { CHANNEL_TYPES, isChannelType, SENDERS } from "../../notifications/registry.ts";
import * as svc from "../../notifications/service.ts";
import type { Services } from "../../services.ts";
import { bool, checkSchema, fieldOf, formOf, intOrNull, lines, messageOf } from "../forms.ts";
import { html, pageOrFragment, redirect } from "../html.ts";
import { pageAuth, type Viewer } from "../session.ts";
import { idParam, isNotFound } from "./common.ts";

const hide = { detail: { hide: true } };
const types = () => CHANNEL_TYPES.map((t) => ({ type: t, name: SENDERS[t].name, fields: SENDERS[t].fields }));
const typeOf = (t: string | null | undefined) => (t && isChannelType(t) ? t : CHANNEL_TYPES[0]);

/** "Name: value" lines → an object; a line without ":" leaves the text as it is (the parser then names the field). */
function mapOf(v: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const line of lines(v)) {
    const i = line.indexOf(":");
    if (i <= 0) return v;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * The type's fields read from `config.<name>`. A blank secret on edit sends the mask when a value
 * is stored (the service keeps it); blank fields are otherwise left out (the defaults apply).
 */
function readChannelConfig(fields: FieldSpec[], form: Record<string, string>, saved: Config | null): Config {
  const out: Config = {};
  for (const f of fields) {
    const v = form[`config.${f.name}`];
    if (f.type === "boolean") {
      out[f.name] = bool(v, false);
      continue;
    }
    if (v === undefined || v.trim() === "") {
      if (f.secret && saved?.[f.name] === svc.MASK) out[f.name] = svc.MASK;
      continue;
    }
    if (f.type === "integer") out[f.name] = intOrNull(v);
    else if (f.type === "list") out[f.name] = lines(v);
    else if (f.type === "map") out[f.name] = mapOf(v);
    else out[f.name] = v;
  }
  return out;
}

/** Non-secret values only: what may be shown again. */
function shownValues(fields: FieldSpec[], config: Config): Config {
  const secret = new Set(fields.filter((f) => f.secret || f.type === "password").map((f) => f.name));
  return Object.fromEntries(Object.entries(config).filter(([k]) => !secret.has(k)));
}

export function notificationPages(ctx: AppContext, services: Services) {
  const { db, secret } = ctx;
  const jobList = () => jobs.listJobs(db, services.engine).map((j) => ({ id: j.id, name: j.name }));

  const formFor = (channel: ChannelView | null, extra: Partial<ChannelFormProps> = {}): ChannelFormProps => {
    const type = typeOf(channel?.type);
    return {
      types: types(),
      events: NOTIFICATION_EVENTS,
      jobs: jobList(),
      channel,
      type,
      name: channel?.name ?? "",
      values: channel ? shownValues(SENDERS[type].fields, channel.config) : {},
      selectedEvents: channel?.events ?? svc.DEFAULT_EVENTS,
      jobIds: channel?.job_ids ?? null,
      enabled: channel?.enabled ?? true,
      deliveries: channel ? svc.channelDeliveries(db, channel.id) : [],
      ...extra,
    };
  };

  const page = (p: Viewer, form: ChannelFormProps, extra: { message?: string | null; error?: string | null } = {}) => (
    <NotificationsPage username={p.user.username} theme={p.theme} channels={svc.listChannels(db)} form={form} message={extra.message} error={extra.error} />
  );

  const find = (rawId: string): ChannelView | null => {
    try {
      return svc.getChannel(db, idParam(rawId) ?? 0);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  };

  const notFound = (p: Viewer) => html(<NotFoundPage username={p.user.username} theme={p.theme} message="This notification channel does not exist." />, { status: 404 });

  const save = (p: Viewer, request: Request, body: unknown, rawId?: string) => {
    const form = formOf(body);
    const editing = rawId === undefined ? null : find(rawId);
    if (rawId !== undefined && !editing) return redirect("/notifications", request);
    const type = editing ? typeOf(editing.type) : (form.type ?? "");
    const fields = isChannelType(type) ? SENDERS[type].fields : [];
    const config = readChannelConfig(fields, form, editing?.config ?? null);
    const events = NOTIFICATION_EVENTS.filter((e) => bool(form[`event.${e}`], false)) as NotificationEvent[];
    const jobIds =
      form.jobs_scope === "some"
        ? Object.keys(form)
            .map((k) => /^job\.(\d+)$/.exec(k)?.[1])
            .filter((x): x is string => x !== undefined && bool(form[`job.${x}`], false))
            .map(Number)
        : null;
    const input = { name: form.name ?? "", type, config, events, job_ids: jobIds, enabled: bool(form.enabled, true) };
    try {
      if (editing) {
        checkSchema(ChannelPatch, input);
        svc.updateChannel(db, secret, editing.id, input);
      } else {
        checkSchema(ChannelBody, input);
        svc.createChannel(db, secret, input);
      }
      return redirect("/notifications?saved=1", request);
    } catch (err) {
      const props = formFor(editing, {
        type: isChannelType(type) ? type : CHANNEL_TYPES[0],
        name: input.name,
        values: shownValues(fields, config),
        selectedEvents: events,
        jobIds,
        enabled: input.enabled,
        error: messageOf(err),
        errorField: fieldOf(err),
      });
      return pageOrFragment(request, { fragment: () => <ChannelForm {...props} />, page: () => page(p, props) }, { status: 400 });
    }
  };

  return new Elysia({ name: "web-notifications" })
    .use(pageAuth(ctx))
    .get(
      "/notifications",
      ({ request, user, theme }) => {
        // Fixed words only: nothing from the URL is shown on the page.
        const saved = new URL(request.url).searchParams.has("saved");
        return html(page({ user, theme }, formFor(null), { message: saved ? "Channel saved." : null }));
      },
      { page: true, ...hide },
    )
    .get(
      "/notifications/fields",
      ({ query }) => {
        const type = typeOf(typeof query.type === "string" ? query.type : null);
        return html(<ChannelFields type={types().find((t) => t.type === type)!} values={{}} keepSecrets={false} />);
      },
      { page: true, ...hide },
    )
    .post("/notifications/new", ({ request, body, user, theme }) => save({ user, theme }, request, body), { page: true, ...hide })
    .get(
      "/notifications/:id/edit",
      ({ params, user, theme }) => {
        const channel = find(params.id);
        if (!channel) return notFound({ user, theme });
        return html(page({ user, theme }, formFor(channel)));
      },
      { page: true, ...hide },
    )
    .post("/notifications/:id/edit", ({ request, body, params, user, theme }) => save({ user, theme }, request, body, params.id), { page: true, ...hide })
    .post(
      "/notifications/:id/test",
      async ({ request, params, user, theme }) => {
        const view = find(params.id);
        if (!view) return notFound({ user, theme });
        const channel = svc.channelOf(secret, svc.findChannelRow(db, view.id));
        const result = channel ? await services.notifier.test(channel) : { success: false, message: "The channel's type is not known to this version" };
        return pageOrFragment(request, { fragment: () => <TestResult result={result} />, page: () => page({ user, theme }, formFor(view, { testResult: result })) });
      },
      { page: true, ...hide },
    )
    .post(
      "/notifications/:id/delete",
      ({ request, params }) => {
        try {
          svc.deleteChannel(db, idParam(params.id) ?? 0);
          return redirect("/notifications", request);
        } catch (err) {
          return html(<ErrorAlert message={messageOf(err)} />);
        }
      },
      { page: true, ...hide },
    );
}
