// One schedule in the job editor. Any change re-renders the row from the server (so the fields
// match the type and the preview of the next five runs is computed by the schedules service);
// htmx keeps focus on the element with the same id across the swap.
import { ErrorAlert, formatInZone } from "./format.tsx";
import type { ScheduleProps } from "./types.ts";

export interface ScheduleRowProps {
  /** Any token unique within the form; fields are named `sched-<key>-<field>`. */
  rowKey: string;
  schedule: ScheduleProps;
  /** The next runs (ISO), or the error the schedules service gave for this definition. */
  preview: string[];
  error?: string | null;
  serverTimezone: string;
  /** A custom schedule's cron in words ("At 02:00, Monday to Friday"). */
  words?: string | null;
  /** The error is only "fill this in" (a fresh custom row): shown as a prompt, not an error. */
  incomplete?: boolean;
  /** The IANA zones the select offers (src/web/timezones.ts). */
  timezones?: string[];
}

/** Under the cron field: its words, or why it cannot be read (also GET /jobs/editor/cron-words). */
export function CronWords(props: { rowKey: string; words?: string | null; error?: string | null; incomplete?: boolean }) {
  return (
    <div class={props.error && !props.incomplete ? "hint cron-words cron-error" : "hint cron-words"} id={`cron-words-${props.rowKey}`} aria-live="polite" safe>
      {props.error ?? props.words ?? ""}
    </div>
  );
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const ACTIONS: { value: NonNullable<ScheduleProps["action"]>; label: string }[] = [
  { value: "backup", label: "Back up" },
  { value: "verify", label: "Verify" },
];
const TYPES: { value: ScheduleProps["schedule_type"]; label: string }[] = [
  { value: "daily", label: "Daily" },
  { value: "weekly", label: "Weekly" },
  { value: "monthly", label: "Monthly" },
  { value: "custom", label: "Custom (cron)" },
];

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? "" : String(v);
}

export function ScheduleRow(props: ScheduleRowProps) {
  const s = props.schedule;
  const k = props.rowKey;
  const n = (f: string) => `sched-${k}-${f}`;
  const zone = s.timezone || props.serverTimezone;
  return (
    <fieldset
      class="schedule-row"
      id={`schedule-${k}`}
      hx-get={`/jobs/editor/schedule-row?key=${encodeURIComponent(k)}`}
      hx-trigger="change"
      hx-include="this"
      hx-target="this"
      hx-swap="outerHTML"
      hx-sync="this:replace"
    >
      <legend class="sr-only">Schedule</legend>
      {s.id ? <input type="hidden" name={n("id")} value={String(s.id)} /> : ""}
      <div class="schedule-fields">
        <div class="field">
          <label for={n("action")}>Action</label>
          <select id={n("action")} name={n("action")}>
            {ACTIONS.map((a) => (
              <option value={a.value} selected={a.value === (s.action ?? "backup")} safe>
                {a.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={n("schedule_type")}>Repeat</label>
          <select id={n("schedule_type")} name={n("schedule_type")}>
            {TYPES.map((t) => (
              <option value={t.value} selected={t.value === s.schedule_type} safe>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        {s.schedule_type === "custom" ? (
          <div class="field grow">
            <label for={n("cron_expression")}>Cron expression</label>
            <input
              id={n("cron_expression")}
              name={n("cron_expression")}
              class="mono"
              placeholder="0 2 * * 1-5"
              value={s.cron_expression ?? ""}
              aria-describedby={`cron-words-${k}`}
              aria-invalid={props.error && !props.incomplete ? "true" : undefined}
              autocomplete="off"
              hx-get={`/jobs/editor/cron-words?key=${encodeURIComponent(k)}`}
              hx-trigger="input changed delay:250ms"
              hx-include="this"
              hx-target={`#cron-words-${k}`}
              hx-swap="outerHTML"
              hx-sync="this:replace"
            />
            <CronWords rowKey={k} words={props.words} error={props.error} incomplete={props.incomplete} />
            <div class="hint">minute hour day month weekday, e.g. 0 2 * * 1-5</div>
          </div>
        ) : (
          <>
            {s.schedule_type === "weekly" ? (
              <div class="field">
                <label for={n("day_of_week")}>Day</label>
                <select id={n("day_of_week")} name={n("day_of_week")}>
                  {DAYS.map((d, i) => (
                    <option value={String(i)} selected={i === (s.day_of_week ?? 0)} safe>
                      {d}
                    </option>
                  ))}
                </select>
              </div>
            ) : (
              ""
            )}
            {s.schedule_type === "monthly" ? (
              <div class="field narrow-field">
                <label for={n("day_of_month")}>Day of month</label>
                <input id={n("day_of_month")} name={n("day_of_month")} type="number" min="1" max="31" value={num(s.day_of_month ?? 1)} />
              </div>
            ) : (
              ""
            )}
            <div class="field narrow-field">
              <label for={n("hour")}>Hour</label>
              <input id={n("hour")} name={n("hour")} type="number" min="0" max="23" value={num(s.hour ?? 2)} />
            </div>
            <div class="field narrow-field">
              <label for={n("minute")}>Minute</label>
              <input id={n("minute")} name={n("minute")} type="number" min="0" max="59" value={num(s.minute ?? 0)} />
            </div>
          </>
        )}
        <div class="field">
          <label for={n("timezone")}>Time zone</label>
          <select id={n("timezone")} name={n("timezone")}>
            <option value="" selected={!s.timezone} safe>{`Server's (${props.serverTimezone})`}</option>
            {/* A saved zone this runtime does not list stays selectable. */}
            {s.timezone && !(props.timezones ?? []).includes(s.timezone) ? (
              <option value={s.timezone} selected safe>
                {s.timezone}
              </option>
            ) : (
              ""
            )}
            {(props.timezones ?? []).map((z) => (
              <option value={z} selected={z === s.timezone} safe>
                {z}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="row">
        <input type="hidden" name={n("enabled")} value="false" />
        <label class="check">
          <input type="checkbox" id={n("enabled")} name={n("enabled")} value="true" checked={s.enabled !== false} />
          Enabled
        </label>
        <input type="hidden" name={n("catch_up")} value="false" />
        <label class="check">
          <input type="checkbox" id={n("catch_up")} name={n("catch_up")} value="true" checked={s.catch_up !== false} />
          Catch up missed runs
        </label>
        <span class="spacer"></span>
        <button type="button" class="btn btn-danger small-btn" hx-get="/jobs/editor/nothing" hx-target={`#schedule-${k}`} hx-swap="delete">
          Remove
        </button>
      </div>
      {/* A custom row's error is shown under its cron field. */}
      {s.schedule_type === "custom" ? "" : <ErrorAlert message={props.error} />}
      {props.error ? (
        ""
      ) : (
        <div class="schedule-preview small">
          {/* In the schedule's own zone, named: 03:30 Paris reads 03:30, whatever the browser's zone. */}
          <span class="muted" safe>{`Next runs (${zone}): `}</span>
          {props.preview.length === 0 ? (
            <span class="muted">none</span>
          ) : (
            <ol class="inline-list" data-preview data-zone={zone}>
              {props.preview.map((iso) => (
                <li>
                  <time datetime={iso} data-local-time data-time-zone={zone} safe>
                    {formatInZone(iso, zone)}
                  </time>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </fieldset>
  );
}
