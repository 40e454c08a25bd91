// Providers API: the six types with their fields, capabilities, connection tests.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { authedApp, tempDir } from "../engine/fixtures.ts";

describe("providers API", () => {
  test("lists all six types with their forms; secret fields flagged", async () => {
    const t = await authedApp();
    const res = await t.api("GET", "/api/providers");
    expect(res.status).toBe(200);
    expect(res.body.map((p: any) => p.type)).toEqual(["local", "s3", "google_drive", "onedrive", "sftp", "webdav"]);
    const local = res.body[0];
    expect(local).toMatchObject({ name: "Local / USB", description: "Rsync to local or mounted drives", requires_credentials: false, sync_implemented: true });
    expect(local.config_fields.map((f: any) => f.name)).toEqual(expect.arrayContaining(["mount_point", "backup_subdir", "usb_uuid", "auto_mount", "auto_unmount"]));
    const s3 = res.body[1];
    expect(s3).toMatchObject({ name: "AWS S3", requires_credentials: true });
    expect(s3.credential_fields.find((f: any) => f.name === "secret_access_key").secret).toBe(true);
    expect(res.body[4].config_fields.map((f: any) => f.name)).toEqual(expect.arrayContaining(["host", "port", "username", "remote_path", "key_based_auth"]));
  });

  test("field kinds tell the UI which control to render, choices list their options", async () => {
    const t = await authedApp();
    const local = (await t.api("GET", "/api/providers")).body[0];
    const byName = Object.fromEntries(local.config_fields.map((f: any) => [f.name, f]));
    expect(byName.mount_point.type).toBe("path");
    expect(byName.usb_uuid.type).toBe("drive");
    expect(byName.on_low_space).toMatchObject({ type: "choice", options: ["fail", "warn"], default: "fail" });
  });

  test("a choice outside its options is refused, naming the field and the options", async () => {
    const t = await authedApp();
    const res = await t.api("POST", "/api/providers/test", {
      destination_type: "local",
      destination_config: { mount_point: "/tmp", backup_subdir: "", on_low_space: "ignore" },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(`Field 'destination_config.on_low_space' must be one of "fail", "warn"`);
  });

  test("capabilities, and 404 for an unknown type", async () => {
    const t = await authedApp();
    const res = await t.api("GET", "/api/providers/local/capabilities");
    expect(res.body).toEqual({
      provider_type: "local",
      capabilities: {
        supports_delete: true,
        supports_compression: true,
        supports_checksum: true,
        supports_bandwidth_limit: true,
        supports_exclude_patterns: true,
        supports_incremental: true,
        supports_dry_run: true,
        requires_credentials: false,
        sync_implemented: true,
      },
    });
    // Every listed type is built now.
    const all = (await t.api("GET", "/api/providers")).body as { type: string; sync_implemented: boolean }[];
    expect(all.filter((p) => !p.sync_implemented).map((p) => p.type)).toEqual([]);
    const missing = await t.api("GET", "/api/providers/ftp/capabilities");
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe("Unknown provider type 'ftp'");
  });

  test("test connection for local: writable folder, missing folder, read-only folder", async () => {
    const t = await authedApp();
    const dir = tempDir();
    const ok = await t.api("POST", "/api/providers/test", { destination_type: "local", destination_config: { mount_point: dir } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ success: true, details: { mount_point: dir } });
    const gone = await t.api("POST", "/api/providers/test", { destination_type: "local", destination_config: { mount_point: join(dir, "nope") } });
    expect(gone.body).toMatchObject({ success: false, details: null });
    expect(gone.body.message).toContain("does not exist");
    if (process.getuid?.() !== 0) {
      const ro = join(dir, "ro");
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      const res = await t.api("POST", "/api/providers/test", { destination_type: "local", destination_config: { mount_point: ro } });
      expect(res.body.success).toBe(false);
      expect(res.body.message).toContain("not writable");
    }
  });

  test("test connection errors: bad config names the field, credentials checked", async () => {
    const t = await authedApp();
    const bad = await t.api("POST", "/api/providers/test", { destination_type: "local", destination_config: {} });
    expect([bad.status, bad.body.message]).toEqual([400, "Field 'destination_config.mount_point' is required"]);
    const noType = await t.api("POST", "/api/providers/test", { destination_config: {} });
    expect([noType.status, noType.body.message]).toEqual([400, "Field 'destination_type' is required"]);
  });
});
