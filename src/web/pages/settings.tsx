// Settings page: theme and runs kept per job, through the settings service.
import { Elysia } from "elysia";
import { SettingsForm, SettingsPage } from "../../../views/pages/settings.tsx";
import type { AppContext } from "../../context.ts";
import { getSettings, updateSettings } from "../../settings/service.ts";
import { fieldOf, formOf, intOrNull, messageOf } from "../forms.ts";
import { html, pageOrFragment, redirect } from "../html.ts";
import { pageAuth } from "../session.ts";

const hide = { detail: { hide: true } };

export function settingsPages(ctx: AppContext) {
  return new Elysia({ name: "web-settings" })
    .use(pageAuth(ctx))
    .get(
      "/settings",
      ({ request, user }) => {
        const saved = new URL(request.url).searchParams.has("saved");
        return html(<SettingsPage username={user.username} settings={getSettings(ctx.db)} message={saved ? "Settings saved." : null} />);
      },
      { page: true, ...hide },
    )
    .post(
      "/settings",
      ({ request, body, user }) => {
        const form = formOf(body);
        const patch: Record<string, unknown> = {};
        if (form.theme !== undefined) patch.theme = form.theme;
        // The service words the error for anything that is not a whole number in range.
        const maxRuns = intOrNull(form.max_runs_per_job);
        if (maxRuns !== null) patch.max_runs_per_job = maxRuns;
        try {
          updateSettings(ctx.db, patch);
          // A full reload, so a new theme applies to the whole page.
          return redirect("/settings?saved", request);
        } catch (err) {
          const settings = { ...getSettings(ctx.db) };
          const props = { settings, error: messageOf(err), errorField: fieldOf(err) };
          return pageOrFragment(request, { fragment: () => <SettingsForm {...props} />, page: () => <SettingsPage username={user.username} {...props} /> }, { status: 400 });
        }
      },
      { page: true, ...hide },
    );
}
