// Page routes of the dashboard, job editor, history and run pages, in process (no port), on the
// real services and a real in-memory database.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testApp } from "../helpers/app.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { getPage, localJobForm, postForm, signedIn } from "./helpers.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tempTree() {
  const root = mkdtempSync(join(tmpdir(), "dm-web-"));
  roots.push(root);
  const src = join(root, "photos");
  const dest = join(root, "backup");
  mkdirSync(src);
  mkdirSync(dest);
  writeFileSync(join(src, "a.txt"), "alpha");
  writeFileSync(join(src, "b.txt"), "bravo bravo");
  return { root, src, dest };
}

describe("page access", () => {
  test("without a session, pages send the browser to /login (303, or HX-Redirect for htmx)", async () => {
    const { client } = await signedIn();
    client.token = undefined;
    for (const path of ["/", "/jobs", "/jobs/new", "/jobs/1", "/runs/1", "/credentials", "/settings"]) {
      const plain = await getPage(client, path);
      expect(plain.status, path).toBe(303);
      expect(plain.res.headers.get("location"), path).toBe("/login");
    }
    const hx = await postForm(client, "/jobs/1/run", {}, { htmx: true });
    expect(hx.res.headers.get("hx-redirect")).toBe("/login");
  });

  test("before setup, / sends the browser to the setup page", async () => {
    const { client } = testApp();
    const res = await getPage(client, "/");
    expect(res.status).toBe(303);
    expect(res.res.headers.get("location")).toBe("/setup");
  });
});

describe("job editor", () => {
  test("creates a local job with a schedule from the form and shows it on the dashboard", async () => {
    const { client } = await signedIn();
    const { src, dest } = tempTree();
    const form = localJobForm("Photos <b>nightly</b>", src, dest, {
      "sched-n1-schedule_type": "weekly",
      "sched-n1-day_of_week": "1",
      "sched-n1-hour": "3",
      "sched-n1-minute": "30",
      "sched-n1-timezone": "",
      "sched-n1-enabled": "true",
      "sched-n1-catch_up": "false",
    });
    const res = await postForm(client, "/jobs/new", form);
    expect(res.status).toBe(303);
    const id = Number(res.res.headers.get("location")!.split("?")[0]!.split("/").pop());
    const job = (await client.json("GET", `/api/jobs/${id}`)).body;
    expect(job.name).toBe("Photos <b>nightly</b>");
    expect(job.source_dirs).toEqual([src]);
    expect(job.destination_config.mount_point).toBe(dest);
    expect(job.schedules).toHaveLength(1);
    expect(job.schedules[0]).toMatchObject({ schedule_type: "weekly", day_of_week: 1, hour: 3, minute: 30, catch_up: false });

    const dash = await getPage(client, "/");
    expect(dash.text).toContain("Photos &lt;b&gt;nightly&lt;/b&gt;");
    expect(dash.text).not.toContain("<b>nightly</b>");
    expect(dash.text).toContain(`id="job-${id}"`);
    expect(dash.text).toContain(`datetime="${job.schedules[0].next_run}"`);
  });

  test("a refused save re-renders the form with the contract's message and saves nothing", async () => {
    const { client } = await signedIn();
    const { dest } = tempTree();
    const res = await postForm(client, "/jobs/new", localJobForm("No sources", "", dest), { htmx: true });
    expect(res.status).toBe(200);
    expect(res.text).toContain('id="job-form"');
    expect(res.text).toContain("Add at least one folder to back up");
    expect((await client.json("GET", "/api/jobs")).body).toEqual([]);

    const bw = await postForm(client, "/jobs/new", localJobForm("Bad limit", "/tmp/x", dest, { "sync.bandwidth_limit_kbps": "fast" }), { htmx: true });
    expect(bw.text).toContain("Enter a whole number");
    expect(bw.text).toMatch(/id="sync.bandwidth_limit_kbps"[^>]*aria-invalid="true"/);

    const rel = await postForm(client, "/jobs/new", localJobForm("Relative", "photos", dest), { htmx: true });
    expect(rel.text).toContain("must be an absolute path");

    const badCron = await postForm(client, "/jobs/new", { ...localJobForm("Bad cron", "/tmp/x", dest), "sched-k-schedule_type": "custom", "sched-k-cron_expression": "not a cron" }, { htmx: true });
    expect(badCron.text).toContain("Schedule 1:");
    expect((await client.json("GET", "/api/jobs")).body).toEqual([]);
  });

  test("editing keeps, changes and removes schedules as the form says", async () => {
    const { client } = await signedIn();
    const { src, dest } = tempTree();
    const created = await postForm(client, "/jobs/new", {
      ...localJobForm("Docs", src, dest),
      "sched-a-schedule_type": "daily",
      "sched-a-hour": "1",
      "sched-b-schedule_type": "daily",
      "sched-b-hour": "2",
    });
    const id = Number(created.res.headers.get("location")!.split("?")[0]!.split("/").pop());
    const before = (await client.json("GET", `/api/jobs/${id}`)).body.schedules;
    expect(before).toHaveLength(2);

    const editor = await getPage(client, `/jobs/${id}/edit`);
    expect(editor.status).toBe(200);
    expect(editor.text).toContain(`value="${dest}"`);
    expect(editor.text).toContain(`name="sched-s${before[0].id}-id"`);

    const kept = before[0].id;
    const res = await postForm(client, `/jobs/${id}/edit`, {
      ...localJobForm("Docs renamed", src, dest),
      [`sched-s${kept}-id`]: String(kept),
      [`sched-s${kept}-schedule_type`]: "daily",
      [`sched-s${kept}-hour`]: "5",
      "sched-new-schedule_type": "monthly",
      "sched-new-day_of_month": "15",
      "sched-new-hour": "4",
    });
    expect(res.status).toBe(303);
    const after = (await client.json("GET", `/api/jobs/${id}`)).body;
    expect(after.name).toBe("Docs renamed");
    expect(after.schedules.map((s: any) => [s.schedule_type, s.hour])).toEqual([
      ["daily", 5],
      ["monthly", 4],
    ]);
    expect(after.schedules[0].id).toBe(kept);
  });

  test("a schedule row previews its next five runs, or names what is wrong", async () => {
    const { client } = await signedIn();
    const ok = await getPage(client, "/jobs/editor/schedule-row?key=r1&sched-r1-schedule_type=daily&sched-r1-hour=2&sched-r1-minute=0", { htmx: true });
    const times = [...ok.text.matchAll(/<time datetime="([^"]+)"/g)].map((m) => m[1]!);
    expect(times).toHaveLength(5);
    for (const t of times) expect(t).toMatch(/T02:00:00\.000Z$/);
    expect(new Set(times).size).toBe(5);

    const bad = await getPage(client, "/jobs/editor/schedule-row?key=r2&sched-r2-schedule_type=daily&sched-r2-hour=25", { htmx: true });
    expect(bad.text).toContain("hour");
    expect(bad.text).toContain("alert-error");
    expect(bad.text).not.toContain("<time");

    const custom = await getPage(client, "/jobs/editor/schedule-row?key=r3&sched-r3-schedule_type=custom", { htmx: true });
    expect(custom.text).toContain('name="sched-r3-cron_expression"');
    expect(custom.text).not.toContain('name="sched-r3-hour"');
  });

  test("switching the destination type renders that type's fields and only its credentials", async () => {
    const { client } = await signedIn();
    await client.json("POST", "/api/credentials", { body: { name: "Dav account", provider_type: "webdav", data: { username: "u", password: "pw-secret-1" } } });
    await client.json("POST", "/api/credentials", { body: { name: "Ssh box", provider_type: "sftp", data: { password: "pw-secret-2" } } });
    const dav = await getPage(client, "/jobs/editor/destination?destination_type=webdav", { htmx: true });
    expect(dav.text).toContain('name="dest.url"');
    expect(dav.text).toContain('name="dest.remote_path"');
    expect(dav.text).toContain("Dav account");
    expect(dav.text).not.toContain("Ssh box");
    expect(dav.text).toContain('name="credential_id"');
    const local = await getPage(client, "/jobs/editor/destination?destination_type=local", { htmx: true });
    expect(local.text).toContain('name="dest.mount_point"');
    // Local needs no credential; its path field gets the folder picker, its drive field the drive list.
    expect(local.text).not.toContain('<select id="credential_id"');
    expect(local.text).toContain('id="picker-dest-mount_point"');
    expect(local.text).toContain('<select id="dest-usb_uuid" name="dest.usb_uuid">');
    expect(local.text).toContain('<option value="warn">warn</option>');
  });

  test("Test connection reports the local destination's answer inline", async () => {
    const { client } = await signedIn();
    const { src, dest } = tempTree();
    const good = await postForm(client, "/jobs/editor/test", localJobForm("t", src, dest), { htmx: true });
    expect(good.text).toContain("alert-ok");
    const missing = await postForm(client, "/jobs/editor/test", localJobForm("t", src, join(dest, "does-not-exist")), { htmx: true });
    expect(missing.text).toContain("alert-error");
  });
});

describeIf(missingCommand("rsync"))("running a job from the pages", () => {
  test("Run now starts a run; the history and run pages show it with its log", async () => {
    const { client, services } = await signedIn();
    const { src, dest } = tempTree();
    const created = await postForm(client, "/jobs/new", localJobForm("Photos", src, dest));
    const id = Number(created.res.headers.get("location")!.split("?")[0]!.split("/").pop());

    const card = await postForm(client, `/jobs/${id}/run`, {}, { htmx: true });
    expect(card.text).toContain(`id="job-${id}"`);
    const runId = services.engine.activeRun(id);
    expect(runId).not.toBeNull();
    expect(card.text).toContain(`href="/runs/${runId}"`);
    expect(card.text).toContain("Cancel");
    await services.engine.waitFor(runId!);

    expect(readFileSync(join(dest, "photos", "b.txt"), "utf8")).toBe("bravo bravo");
    const history = await getPage(client, `/jobs/${id}/runs`);
    expect(history.text).toContain(`id="run-row-${runId}"`);
    expect(history.text).toContain("badge-completed");
    expect(history.text).toContain('id="chart-duration"');
    expect(history.text).toContain(`data-run-id="${runId}"`);

    const run = await getPage(client, `/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.text).toContain('data-live="false"');
    expect(run.text).toMatch(/class="log-line info"/);
    expect(run.text).toContain("a.txt");

    const again = await postForm(client, `/jobs/${id}/run`, {}, { htmx: true });
    await services.engine.waitFor(services.engine.activeRun(id) ?? 0).catch(() => {});
    expect(again.status).toBe(200);

    const del = await postForm(client, `/runs/${runId}/delete`, {}, { htmx: true });
    expect(del.res.headers.get("hx-redirect")).toStartWith(`/jobs/${id}/runs`);
    expect((await getPage(client, `/runs/${runId}`)).status).toBe(404);
  });
});

describe("missing things", () => {
  test("unknown job and run ids answer a 404 page inside the shell", async () => {
    const { client } = await signedIn();
    for (const path of ["/jobs/999", "/jobs/999/edit", "/jobs/abc", "/runs/999"]) {
      const res = await getPage(client, path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).toContain("Not found");
      expect(res.text, path).toContain('class="topbar"');
    }
  });
});
