import { Alert, UtcTime } from "./auth-common.tsx";

export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface SessionsCardProps {
  sessions: SessionView[];
  ok?: string;
}

/** A short, readable name for a User-Agent string ("Firefox on Linux"). */
export function describeAgent(ua: string | null): string {
  if (!ua) return "Unknown client";
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : /curl\//.test(ua) ? "curl" : "";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  if (!browser && !os) return ua.slice(0, 60);
  return [browser || "Browser", os].filter(Boolean).join(" on ");
}

export function SessionsCard(props: SessionsCardProps) {
  return (
    <section class="card stack" id="account-sessions" aria-labelledby="account-sessions-h">
      <div class="row">
        <h2 class="m0" id="account-sessions-h">
          Sessions
        </h2>
        <span class="spacer"></span>
        <form method="post" action="/account/sessions/logout-all" hx-post="/account/sessions/logout-all" hx-confirm="Sign out every session, this one included?">
          <button class="btn btn-danger small" type="submit">
            Log out everywhere
          </button>
        </form>
      </div>
      <Alert kind="ok" text={props.ok} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Client</th>
              <th class="hide-phone">Address</th>
              <th class="hide-phone">Signed in</th>
              <th>Last seen</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.sessions.map((s) => (
              <tr>
                <td>
                  <span safe>{describeAgent(s.userAgent)}</span> {s.current ? <span class="badge badge-completed">this device</span> : ""}
                </td>
                <td class="mono hide-phone" safe>
                  {s.ip ?? "-"}
                </td>
                <td class="hide-phone">
                  <UtcTime iso={s.createdAt} />
                </td>
                <td>
                  <UtcTime iso={s.lastSeenAt} />
                </td>
                <td>
                  {s.current ? (
                    ""
                  ) : (
                    <form
                      method="post"
                      action={`/account/sessions/${encodeURIComponent(s.id)}/revoke`}
                      hx-post={`/account/sessions/${encodeURIComponent(s.id)}/revoke`}
                      hx-target="#account-sessions"
                      hx-swap="outerHTML"
                    >
                      <button class="btn small" type="submit">
                        Sign out
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
