// The notifications API: CRUD, masked secrets (mask keeps the stored value), 400s naming the field,
// a test message to an unreachable channel, deliveries.
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { notificationChannels } from "../../src/db/schema.ts";
import { signedIn } from "../schedules/helpers.ts";
import { receiver } from "./helpers.ts";

const SECRET = "sekrit-TOKEN-8c1f2e";

describe("notification channels API", () => {
  test("create, read masked, update keeping the mask, delete", async () => {
    const logLines: string[] = [];
    const { api, ctx } = await signedIn({ logLines });
    const created = await api("POST", "/api/notifications", { name: "Gotify", type: "gotify", config: { server_url: "http://127.0.0.1:1", token: SECRET, priority: 7 }, events: ["run_failed"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Gotify",
      type: "gotify",
      config: { server_url: "http://127.0.0.1:1", token: "****", priority: 7 },
      events: ["run_failed"],
      job_ids: null,
      enabled: true,
    });
    const id = created.body.id;
    const row = ctx.db.select().from(notificationChannels).where(eq(notificationChannels.id, id)).get()!;
    expect(JSON.stringify(row)).not.toContain(SECRET);
    const put = await api("PUT", `/api/notifications/${id}`, { config: { server_url: "http://127.0.0.1:2", token: "****" }, job_ids: [1] });
    expect(put.status).toBe(200);
    expect(put.body.config).toEqual({ server_url: "http://127.0.0.1:2", token: "****" });
    expect(put.body.job_ids).toEqual([1]);
    // The stored token survived the mask: a test against a receiver sees it.
    const r = receiver();
    await api("PUT", `/api/notifications/${id}`, { config: { server_url: r.url, token: "****" } });
    const tested = await api("POST", `/api/notifications/${id}/test`);
    expect(tested.body.success).toBe(true);
    expect(r.got[0]!.headers["x-gotify-key"]).toBe(SECRET);
    r.stop();
    const list = await api("GET", "/api/notifications");
    const got = await api("GET", `/api/notifications/${id}`);
    const deliveries = await api("GET", `/api/notifications/${id}/deliveries`);
    expect(deliveries.body[0]).toMatchObject({ event: "test", status: "sent", error: null });
    for (const res of [created, put, list, got, deliveries, tested]) expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(logLines.join("\n")).not.toContain(SECRET);
    expect((await api("DELETE", `/api/notifications/${id}`)).status).toBe(200);
    expect((await api("GET", `/api/notifications/${id}`)).status).toBe(404);
  });

  test("bad input is a 400 naming the field", async () => {
    const { api } = await signedIn();
    const cases: [unknown, string][] = [
      [{ name: "x", type: "pager", config: {} }, "type"],
      [{ name: "x", type: "slack", config: {} }, "config.webhook_url"],
      [{ name: "x", type: "slack", config: { webhook_url: "ftp://example.com/hook" } }, "config.webhook_url"],
      [{ name: "x", type: "ntfy", config: { server_url: "file:///etc", topic: "t" } }, "config.server_url"],
      [{ name: "x", type: "telegram", config: { bot_token: "1:abc" } }, "config.chat_id"],
      [{ name: "x", type: "email", config: { host: "h", port: 25, tls_mode: "none", from: "me@example.com", to: ["not-an-address"] } }, "config.to.0"],
      [{ name: "x", type: "email", config: { host: "h", port: 25, tls_mode: "none", from: "nobody", to: ["a@example.com"] } }, "config.from"],
      [{ name: "x", type: "email", config: { host: "h", port: 25, tls_mode: "ssl", from: "a@example.com", to: ["a@example.com"] } }, "config.tls_mode"],
      [{ name: "x", type: "webhook", config: { url: "https://example.com", extra: 1 } }, "config.extra"],
      [{ name: "x", type: "webhook", config: { url: "https://example.com" }, events: ["run_exploded"] }, "events.0"],
      [{ name: " ", type: "webhook", config: { url: "https://example.com" } }, "name"],
      [{ type: "webhook", config: { url: "https://example.com" } }, "name"],
    ];
    for (const [body, field] of cases) {
      const res = await api("POST", "/api/notifications", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toContain(`'${field}'`);
    }
  });

  test("a test message to an unreachable channel answers success false with the reason", async () => {
    const { api } = await signedIn();
    const { body } = await api("POST", "/api/notifications", { name: "Hook", type: "discord", config: { webhook_url: "http://127.0.0.1:1/api/webhooks/1/tok-SECRETVALUE" } });
    const res = await api("POST", `/api/notifications/${body.id}/test`);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(false);
    expect(res.body.message).toContain("unreachable");
    expect(res.body.message).not.toContain("SECRETVALUE");
    const d = await api("GET", `/api/notifications/${body.id}/deliveries`);
    expect(d.body[0]).toMatchObject({ event: "test", status: "failed" });
  });

  test("settings public_url and jobs alert_after_hours", async () => {
    const { api } = await signedIn();
    expect((await api("PUT", "/api/settings", { public_url: "https://backup.example.com/" })).body.public_url).toBe("https://backup.example.com");
    expect((await api("PUT", "/api/settings", { public_url: "javascript:alert(1)" })).body.message).toContain("'public_url'");
    expect((await api("PUT", "/api/settings", { public_url: null })).body.public_url).toBeNull();
    const job = await api("POST", "/api/jobs", { name: "J", source_dirs: ["/nonexistent/a"], destination_type: "local", destination_config: { mount_point: "/mnt/x" }, alert_after_hours: 24 });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    expect(job.body.alert_after_hours).toBe(24);
    const { alert_after_hours: _, ...rest } = job.body;
    const put = await api("PUT", `/api/jobs/${job.body.id}`, { name: "J2", source_dirs: rest.source_dirs, destination_type: "local", destination_config: rest.destination_config });
    expect(put.body.alert_after_hours).toBe(24);
    const off = await api("PUT", `/api/jobs/${job.body.id}`, {
      name: "J2",
      source_dirs: rest.source_dirs,
      destination_type: "local",
      destination_config: rest.destination_config,
      alert_after_hours: null,
    });
    expect(off.body.alert_after_hours).toBeNull();
  });
});
