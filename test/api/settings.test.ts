// GET|PUT /api/settings: defaults, partial updates, validation naming the field, auth.
import { describe, expect, test } from "bun:test";
import { settings } from "../../src/db/schema.ts";
import { getSettings } from "../../src/settings/service.ts";
import { signedIn } from "../schedules/helpers.ts";

describe("settings", () => {
  test("defaults on a fresh database", async () => {
    const { api } = await signedIn();
    expect(await api("GET", "/api/settings")).toMatchObject({ status: 200, body: { max_runs_per_job: 10, theme: "system" } });
  });

  test("PUT takes any subset, answers the full settings, and persists", async () => {
    const { api, ctx } = await signedIn();
    expect(await api("PUT", "/api/settings", { max_runs_per_job: 20 })).toMatchObject({ status: 200, body: { max_runs_per_job: 20, theme: "system" } });
    expect(await api("PUT", "/api/settings", { theme: "dark" })).toMatchObject({ status: 200, body: { max_runs_per_job: 20, theme: "dark" } });
    expect(await api("PUT", "/api/settings", {})).toMatchObject({ status: 200, body: { max_runs_per_job: 20, theme: "dark" } });
    expect(getSettings(ctx.db)).toEqual({ max_runs_per_job: 20, theme: "dark", public_url: null });
    expect((await api("GET", "/api/settings")).body).toEqual({ max_runs_per_job: 20, theme: "dark", public_url: null });
    for (const v of [1, 1000]) expect((await api("PUT", "/api/settings", { max_runs_per_job: v })).body.max_runs_per_job).toBe(v);
  });

  test("400 naming the field; nothing is half-applied", async () => {
    const { api } = await signedIn();
    const cases: [unknown, string][] = [
      [{ max_runs_per_job: 0 }, "max_runs_per_job"],
      [{ max_runs_per_job: 1001 }, "max_runs_per_job"],
      [{ max_runs_per_job: 2.5 }, "max_runs_per_job"],
      [{ max_runs_per_job: "twenty" }, "max_runs_per_job"],
      [{ max_runs_per_job: null }, "max_runs_per_job"],
      [{ theme: "blue" }, "theme"],
      [{ theme: "dark", max_runs_per_job: -1 }, "max_runs_per_job"],
    ];
    for (const [body, field] of cases) {
      const res = await api("PUT", "/api/settings", body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("Invalid request");
      expect(res.body.message).toContain(`'${field}'`);
    }
    expect((await api("GET", "/api/settings")).body).toEqual({ max_runs_per_job: 10, theme: "system", public_url: null });
    expect((await api("PUT", "/api/settings", "{not json")).status).toBe(400);
  });

  test("a hand-edited invalid stored value reads as the default", async () => {
    const { api, ctx } = await signedIn();
    ctx.db.insert(settings).values({ key: "max_runs_per_job", value: "lots" }).run();
    ctx.db.insert(settings).values({ key: "theme", value: "neon" }).run();
    expect((await api("GET", "/api/settings")).body).toEqual({ max_runs_per_job: 10, theme: "system", public_url: null });
  });

  test("401 without credentials; a read-only key may read but not write", async () => {
    const { client, api, readKey } = await signedIn();
    expect((await client.json("GET", "/api/settings")).status).toBe(401);
    expect((await client.json("PUT", "/api/settings", { body: { theme: "dark" } })).status).toBe(401);
    expect((await api("GET", "/api/settings", undefined, { "x-api-key": readKey })).status).toBe(200);
    expect((await api("PUT", "/api/settings", { theme: "dark" }, { "x-api-key": readKey })).status).toBe(403);
  });
});
