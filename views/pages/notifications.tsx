// Notification channels: the list and one form (add, or edit a saved channel) with its test
// button and delivery log. The type's fields come from its sender's field specs; secret inputs
// are never pre-filled, and on edit a blank secret keeps the stored one.
import type { FieldSpec } from "../../src/notifications/contract.ts";
import { ErrorAlert, OkAlert, Time } from "../components/format.tsx";
import { Layout } from "../layout.tsx";

export interface ChannelTypeProps {
  type: string;
  name: string;
  fields: FieldSpec[];
}

export interface ChannelProps {
  id: number;
  name: string;
  type: string;
  /** Secret fields arrive masked; the view never shows them. */
  config: Record<string, unknown>;
  events: string[];
  job_ids: number[] | null;
  enabled: boolean;
}

export interface DeliveryProps {
  at: string;
  event: string;
  status: string;
  error: string | null;
}

export interface ChannelFormProps {
  types: ChannelTypeProps[];
  events: readonly string[];
  jobs: { id: number; name: string }[];
  /** Set when editing a saved channel. */
  channel?: ChannelProps | null;
  type: string;
  name: string;
  /** Non-secret values to show (the saved ones, or what was sent after an error). */
  values: Record<string, unknown>;
  selectedEvents: string[];
  jobIds: number[] | null;
  enabled: boolean;
  error?: string | null;
  /** The field the error names (ApiError.field), e.g. "config.url", marked invalid. */
  errorField?: string | null;
  deliveries?: DeliveryProps[];
  testResult?: { success: boolean; message: string } | null;
}

export interface NotificationsPageProps {
  username: string;
  theme?: "light" | "dark" | "system";
  channels: ChannelProps[];
  form: ChannelFormProps;
  message?: string | null;
  error?: string | null;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.map(String).join("\n");
  if (typeof v === "object")
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${String(x)}`)
      .join("\n");
  return String(v);
}

export function ChannelFields(props: { type: ChannelTypeProps; values: Record<string, unknown>; invalid?: string | null; keepSecrets: boolean }) {
  return (
    <div id="channel-fields" class="stack">
      {props.type.fields.map((f) => {
        const id = `config-${f.name}`.replace(/[^a-zA-Z0-9_-]/g, "-");
        const name = `config.${f.name}`;
        const invalid = props.invalid === f.name ? "true" : undefined;
        const value = props.values[f.name] ?? f.default;
        const required = f.required && !(f.secret && props.keepSecrets) && (f.default === undefined || f.default === null);
        const hint = f.secret && props.keepSecrets ? "Saved values are never shown. Leave blank to keep the saved value." : (f.help ?? "");
        const hintEl = hint ? (
          <div class="hint" safe>
            {hint}
          </div>
        ) : (
          ""
        );
        if (f.type === "boolean") {
          return (
            <div class="field">
              <input type="hidden" name={name} value="false" />
              <label class="check">
                <input type="checkbox" id={id} name={name} value="true" checked={value === true || value === "true"} aria-invalid={invalid} />
                <span safe>{f.label}</span>
              </label>
              {hintEl}
            </div>
          );
        }
        if (f.type === "choice") {
          return (
            <div class="field">
              <label for={id} safe>
                {f.label}
              </label>
              <select id={id} name={name} aria-invalid={invalid}>
                {(f.options ?? []).map((o) => (
                  <option value={o} selected={o === text(value)} safe>
                    {o}
                  </option>
                ))}
              </select>
              {hintEl}
            </div>
          );
        }
        if (f.type === "list" || f.type === "map") {
          return (
            <div class="field">
              <label for={id} safe>
                {f.label}
              </label>
              <textarea id={id} name={name} rows="3" required={required} aria-invalid={invalid} safe>
                {f.secret ? "" : text(value)}
              </textarea>
              <div class="hint">{f.type === "list" ? "One per line." : "One per line, as name: value."}</div>
              {hintEl}
            </div>
          );
        }
        return (
          <div class="field">
            <label for={id} safe>
              {f.label}
            </label>
            {f.secret || f.type === "password" ? (
              <input id={id} name={name} type="password" autocomplete="new-password" required={required} aria-invalid={invalid} />
            ) : (
              <input id={id} name={name} type={f.type === "integer" ? "number" : "text"} required={required} value={text(value)} aria-invalid={invalid} />
            )}
            {hintEl}
          </div>
        );
      })}
    </div>
  );
}

export function TestResult(props: { result?: { success: boolean; message: string } | null }) {
  return <div id="channel-test-result">{props.result ? props.result.success ? <OkAlert message={props.result.message} /> : <ErrorAlert message={props.result.message} /> : ""}</div>;
}

export function ChannelForm(props: ChannelFormProps) {
  const editing = props.channel ?? null;
  const type = props.types.find((t) => t.type === props.type) ?? props.types[0]!;
  const invalid = props.errorField?.replace(/^config\./, "") ?? null;
  const title: string = editing ? `Edit ${editing.name}` : "Add channel";
  const action = editing ? `/notifications/${editing.id}/edit` : "/notifications/new";
  const bad = (f: string) => (props.errorField === f ? "true" : undefined);
  return (
    <div class="stack">
      <form id="channel-form" class="card stack" method="post" action={action} hx-post={action} hx-target="this" hx-swap="outerHTML" autocomplete="off">
        <h2 class="m0" safe>
          {title}
        </h2>
        <ErrorAlert message={props.error} />
        <div class="field">
          <label for="channel-name">Name</label>
          <input id="channel-name" name="name" required maxlength="200" value={props.name} aria-invalid={bad("name")} />
        </div>
        {editing ? (
          <>
            <input type="hidden" name="type" value={type.type} />
            <p class="muted small" safe>{`Type: ${type.name}`}</p>
          </>
        ) : (
          <div class="field">
            <label for="channel-type">Type</label>
            <select id="channel-type" name="type" hx-get="/notifications/fields" hx-trigger="change" hx-target="#channel-fields" hx-swap="outerHTML" hx-include="this" aria-invalid={bad("type")}>
              {props.types.map((t) => (
                <option value={t.type} selected={t.type === type.type} safe>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <ChannelFields type={type} values={props.values} invalid={invalid} keepSecrets={!!editing} />
        <fieldset class="field">
          <legend>Events</legend>
          {props.events.map((e) => (
            <label class="check">
              <input type="checkbox" name={`event.${e}`} value="true" checked={props.selectedEvents.includes(e)} />
              <span safe>{e}</span>
            </label>
          ))}
        </fieldset>
        <fieldset class="field">
          <legend>Jobs</legend>
          <label class="check">
            <input type="radio" name="jobs_scope" value="all" checked={props.jobIds === null} />
            <span>All jobs</span>
          </label>
          <label class="check">
            <input type="radio" name="jobs_scope" value="some" checked={props.jobIds !== null} />
            <span>Only these jobs:</span>
          </label>
          {props.jobs.length === 0 ? (
            <p class="muted small">No jobs yet.</p>
          ) : (
            props.jobs.map((j) => (
              <label class="check">
                <input type="checkbox" name={`job.${j.id}`} value="true" checked={props.jobIds?.includes(j.id) ?? false} />
                <span safe>{j.name}</span>
              </label>
            ))
          )}
        </fieldset>
        <div class="field">
          <input type="hidden" name="enabled" value="false" />
          <label class="check">
            <input type="checkbox" id="channel-enabled" name="enabled" value="true" checked={props.enabled} />
            <span>Enabled</span>
          </label>
        </div>
        <div class="row">
          <button class="btn btn-primary" type="submit">
            {editing ? "Save changes" : "Save channel"}
          </button>
          {editing ? (
            <a class="btn" href="/notifications">
              Cancel
            </a>
          ) : (
            ""
          )}
        </div>
      </form>
      {editing ? (
        <section class="card stack">
          <form method="post" action={`/notifications/${editing.id}/test`} hx-post={`/notifications/${editing.id}/test`} hx-target="#channel-test-result" hx-swap="outerHTML">
            <button class="btn" type="submit">
              Send test
            </button>
          </form>
          <TestResult result={props.testResult} />
          <h2 class="m0">Deliveries</h2>
          {(props.deliveries ?? []).length === 0 ? (
            <p class="empty">No deliveries yet.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Event</th>
                    <th>Status</th>
                    <th>Error</th>
                  </tr>
                </thead>
                <tbody>
                  {(props.deliveries ?? []).map((d) => (
                    <tr>
                      <td>
                        <Time iso={d.at} />
                      </td>
                      <td safe>{d.event}</td>
                      <td safe>{d.status}</td>
                      <td safe>{d.error ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : (
        ""
      )}
    </div>
  );
}

export function NotificationsPage(props: NotificationsPageProps) {
  const typeName = (t: string) => props.form.types.find((x) => x.type === t)?.name ?? t;
  const jobName = (id: number) => props.form.jobs.find((j) => j.id === id)?.name ?? `#${id}`;
  return (
    <Layout title="Notifications" username={props.username} active="notifications" theme={props.theme}>
      <div class="stack">
        <h1>Notifications</h1>
        <p class="muted">Channels are told about the events they subscribe to. Secrets are encrypted on this server and never shown again after saving.</p>
        <OkAlert message={props.message} />
        <div id="channel-error">
          <ErrorAlert message={props.error} />
        </div>
        <div class="two-col">
          <section class="card table-wrap">
            {props.channels.length === 0 ? (
              <p class="empty">No notification channels.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th class="hide-phone">Events</th>
                    <th class="hide-phone">Jobs</th>
                    <th>Enabled</th>
                    <th class="actions-col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {props.channels.map((c) => (
                    <tr id={`channel-${c.id}`}>
                      <td safe>{c.name}</td>
                      <td safe>{typeName(c.type)}</td>
                      <td class="hide-phone" safe>
                        {c.events.join(", ") || "none"}
                      </td>
                      <td class="hide-phone" safe>
                        {c.job_ids === null ? "all" : c.job_ids.map(jobName).join(", ") || "none"}
                      </td>
                      <td>{c.enabled ? "yes" : "no"}</td>
                      <td>
                        <div class="row actions">
                          <a class="btn small-btn" href={`/notifications/${c.id}/edit`}>
                            Edit
                          </a>
                          <button type="submit" class="btn btn-danger small-btn" hx-post={`/notifications/${c.id}/delete`} hx-target="#channel-error" hx-confirm="Delete this channel?">
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <ChannelForm {...props.form} />
        </div>
      </div>
    </Layout>
  );
}
