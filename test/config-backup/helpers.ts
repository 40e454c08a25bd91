// Shared steps of the configuration backup tests: multipart uploads through the real app.
import type { TestClient } from "../helpers/app.ts";

export const BACKUP_PASSWORD = "backup passphrase 1";

export async function exportFile(client: TestClient, password = BACKUP_PASSWORD): Promise<Uint8Array> {
  const res = await client.request("POST", "/api/config/export", { body: { password } });
  if (res.status !== 200) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** POSTs a multipart form (file + fields) and returns status and JSON body. */
export async function upload(client: TestClient, path: string, file: Uint8Array, fields: Record<string, string>) {
  const form = new FormData();
  form.set("file", new File([file as Uint8Array<ArrayBuffer>], "config.dmbackup", { type: "application/octet-stream" }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const req = new Request("http://localhost/x", { method: "POST", body: form });
  const headers: Record<string, string> = { "content-type": req.headers.get("content-type")! };
  if (client.token) {
    headers.cookie = `token=${client.token}`;
    headers.origin = "http://localhost";
  }
  const res = await client.app.handle(new Request(`http://localhost${path}`, { method: "POST", headers, body: await req.arrayBuffer() }));
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}
