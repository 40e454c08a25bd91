import { Alert, UtcTime } from "./auth-common.tsx";

export interface ApiKeyView {
  id: number;
  name: string;
  scope: "read" | "write";
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface ApiKeysCardProps {
  keys: ApiKeyView[];
  /** The key just created: the only time it is ever shown. */
  created?: { name: string; key: string };
  error?: string;
  ok?: string;
}

export function ApiKeysCard(props: ApiKeysCardProps) {
  return (
    <section class="card stack" id="account-api-keys" aria-labelledby="account-api-keys-h">
      <h2 class="m0" id="account-api-keys-h">
        API keys
      </h2>
      <p class="muted m0">
        For scripts and monitoring: send as <code>Authorization: Bearer dm_...</code> or <code>X-API-Key</code>. Read keys may only use GET.
      </p>
      <Alert kind="error" text={props.error} />
      <Alert kind="ok" text={props.ok} />
      {props.created ? (
        <div class="alert alert-info stack" id="new-api-key">
          <div safe>{`Copy the key "${props.created.name}" now; it is not shown again.`}</div>
          <input id="new-api-key-value" class="mono" readonly value={props.created.key} aria-label="New API key" />
          <button class="btn" type="button" data-copy="#new-api-key-value">
            Copy to clipboard
          </button>
        </div>
      ) : (
        ""
      )}
      <form method="post" action="/account/api-keys" hx-post="/account/api-keys" hx-target="#account-api-keys" hx-swap="outerHTML">
        <div class="grid">
          <div class="field">
            <label for="api-key-name">Name</label>
            <input id="api-key-name" name="name" placeholder="e.g. monitoring" maxlength="64" required />
          </div>
          <div class="field">
            <label for="api-key-scope">Scope</label>
            <select id="api-key-scope" name="scope">
              <option value="read">Read only (GET)</option>
              <option value="write">Read and write</option>
            </select>
          </div>
        </div>
        <button class="btn btn-primary" type="submit">
          Create key
        </button>
      </form>
      {props.keys.length === 0 ? (
        <p class="empty m0">No API keys yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack-phone">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Scope</th>
                <th>Created</th>
                <th>Last used</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr>
                  <td safe>{k.name}</td>
                  <td class="mono" safe>{`${k.prefix}…`}</td>
                  <td>
                    <span class="badge">{k.scope === "write" ? "read + write" : "read only"}</span>
                  </td>
                  <td data-label="Created">
                    <UtcTime iso={k.createdAt} />
                  </td>
                  <td data-label="Last used">
                    <UtcTime iso={k.lastUsedAt} />
                  </td>
                  <td>
                    <form
                      method="post"
                      action={`/account/api-keys/${k.id}/revoke`}
                      hx-post={`/account/api-keys/${k.id}/revoke`}
                      hx-target="#account-api-keys"
                      hx-swap="outerHTML"
                      hx-confirm="Revoke this key? Scripts using it stop working."
                    >
                      <button class="btn btn-danger small" type="submit">
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
