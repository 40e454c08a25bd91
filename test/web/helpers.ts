// Shared set-up for the page tests: a fresh app with a signed-in admin, and form posts as htmx
// or a plain browser would send them.
import { type TestClient, testApp } from "../helpers/app.ts";

export async function signedIn() {
  const t = testApp();
  const res = await t.client.json("POST", "/api/auth/setup", { body: { username: "admin", password: "password123" } });
  if (res.status !== 200) throw new Error(`setup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return t;
}

export function formBody(fields: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
}

export async function postForm(client: TestClient, path: string, fields: Record<string, string | string[]>, opts: { htmx?: boolean } = {}) {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (opts.htmx) headers["hx-request"] = "true";
  const res = await client.request("POST", path, { body: formBody(fields), headers });
  return { res, status: res.status, text: await res.text() };
}

export async function getPage(client: TestClient, path: string, opts: { htmx?: boolean } = {}) {
  const res = await client.request("GET", path, { headers: opts.htmx ? { "hx-request": "true" } : {} });
  return { res, status: res.status, text: await res.text() };
}

/** A local job's form fields, as the editor posts them. */
export function localJobForm(name: string, source: string, dest: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    name,
    description: "",
    enabled: "true",
    source_dirs: source,
    destination_type: "local",
    "dest.mount_point": dest,
    "dest.backup_subdir": "",
    "dest.auto_mount": "false",
    "dest.auto_unmount": "false",
    credential_id: "",
    "sync.delete_extraneous": "false",
    "sync.dry_run": "false",
    "sync.exclude_patterns": "",
    "sync.bandwidth_limit_kbps": "",
    "sync.verbosity": "normal",
    ...extra,
  };
}
