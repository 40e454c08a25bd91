import { t } from "elysia";
import * as E from "../docs/examples.ts";
import { MAX_RUNS_MAX, MAX_RUNS_MIN } from "./service.ts";

export const Theme = t.Union([t.Literal("light"), t.Literal("dark"), t.Literal("system")]);

export const SettingsView = t.Object({
  max_runs_per_job: t.Integer({ minimum: MAX_RUNS_MIN, maximum: MAX_RUNS_MAX }),
  theme: Theme,
  public_url: t.Union([t.String(), t.Null()], { description: "where users reach this server, for links in notifications; null: relative links" }),
});

export const SettingsPatch = t.Object(
  {
    max_runs_per_job: t.Optional(t.Integer({ minimum: MAX_RUNS_MIN, maximum: MAX_RUNS_MAX, description: "runs kept per job (older ones are pruned with their logs)" })),
    theme: t.Optional(Theme),
    public_url: t.Optional(
      t.Union([t.String({ maxLength: 2000 }), t.Null()], { description: "absolute http(s) URL for links in notifications (e.g. https://backup.example.com); null: relative links" }),
    ),
  },
  { examples: E.SETTINGS },
);
