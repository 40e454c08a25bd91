// The web UI of verify: "Verify now" on the job page (with "deep" for remote jobs), the post that
// starts the run and sends the browser to its live page, the run page and the history showing
// files checked and differences, a refusal shown in the form, and the schedule editor's Action.
import { expect, test } from "bun:test";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { getPage, localJobForm, postForm, signedIn } from "../web/helpers.ts";

describeIf(missingCommand("rsync"))("verify in the web UI", () => {
  test("Verify now starts a verify run and lands on its page; the run and the history show checked and differences", async () => {
    const t = await signedIn();
    const { client } = t;
    const src = join(tempDir("verify-ui-"), "docs");
    const dest = tempDir("verify-ui-dest-");
    await Bun.write(join(src, "a.txt"), "alpha");
    await Bun.write(join(src, "b.txt"), "bravo");
    const form = localJobForm("Verify me", src, dest, {
      "sched-v-action": "verify",
      "sched-v-schedule_type": "weekly",
      "sched-v-day_of_week": "0",
      "sched-v-hour": "4",
      "sched-v-minute": "0",
      "sched-v-timezone": "",
      "sched-v-enabled": "true",
      "sched-v-catch_up": "false",
    });
    const created = await postForm(client, "/jobs/new", form);
    expect(created.status).toBe(303);
    const id = Number(created.res.headers.get("location")!.split("?")[0]!.split("/").pop());
    const job = (await client.json("GET", `/api/jobs/${id}`)).body;
    expect(job.schedules[0]).toMatchObject({ action: "verify", schedule_type: "weekly", hour: 4 });

    // The editor shows the schedule's action selected.
    const editor = await getPage(client, `/jobs/${id}/edit`);
    expect(editor.text).toMatch(new RegExp(`<select id="sched-s${job.schedules[0].id}-action" name="sched-s${job.schedules[0].id}-action">`));
    expect(editor.text).toContain('<option value="verify" selected>Verify</option>');
    expect(editor.text).toContain('<option value="backup">Back up</option>');

    const backup = (await client.json("POST", `/api/jobs/${id}/run`)).body;
    await t.services.engine.waitFor(backup.run_id);

    const page = await getPage(client, `/jobs/${id}`);
    expect(page.text).toContain(`hx-post="/jobs/${id}/verify"`);
    expect(page.text).toContain("Verify now");
    // Local/USB always compares by checksum: no deep box there.
    expect(page.text).not.toContain("deep (read everything back)");

    const started = await postForm(client, `/jobs/${id}/verify`, {}, { htmx: true });
    expect(started.status).toBe(200);
    const to = started.res.headers.get("hx-redirect")!;
    expect(to).toMatch(/^\/runs\/\d+$/);
    const runId = Number(to.split("/").pop());
    await t.services.engine.waitFor(runId);
    const run = (await client.json("GET", `/api/runs/${runId}`)).body;
    expect(run).toMatchObject({ kind: "verify", status: "completed", files_checked: 2, differences: 0 });
    const runPage = await getPage(client, to);
    expect(runPage.text).toMatch(/<dt>Checked<\/dt>\s*<dd[^>]*>2<\/dd>/);
    expect(runPage.text).toMatch(/<dt>Differences<\/dt>\s*<dd[^>]*>0<\/dd>/);

    // One file changed behind the backup's back (same size and mtime): the next verify fails.
    const copy = join(dest, "docs", "a.txt");
    writeFileSync(copy, "ALPHA");
    utimesSync(copy, new Date(), (await Bun.file(join(src, "a.txt")).stat()).mtime);
    const plain = await postForm(client, `/jobs/${id}/verify`, {});
    expect(plain.status).toBe(303);
    const failedId = Number(plain.res.headers.get("location")!.split("?")[0]!.split("/").pop());
    await t.services.engine.waitFor(failedId);
    const failedPage = await getPage(client, `/runs/${failedId}`);
    expect(failedPage.text).toContain("1 difference");
    expect(failedPage.text).toContain("docs/a.txt: content differs (checksum)");
    const history = await getPage(client, `/jobs/${id}/runs`);
    expect(history.text).toContain("2 checked");
    expect(history.text).toContain("(1 difference)");

    // The Files tab has the compact form; it starts a verify the same way.
    const files = await getPage(client, `/jobs/${id}/files`);
    expect(files.status).toBe(200);
    expect(files.text).toContain(`<form class="row verify-form compact" id="verify-${id}"`);
    const fromFiles = await postForm(client, `/jobs/${id}/verify`, { compact: "true" }, { htmx: true });
    expect(fromFiles.res.headers.get("hx-redirect")).toMatch(/^\/runs\/\d+$/);
    await t.services.engine.waitFor(Number(fromFiles.res.headers.get("hx-redirect")!.split("/").pop()));
  });

  test("a remote job's form offers deep; a busy job's refusal comes back in the form", async () => {
    const t = await signedIn();
    const { client } = t;
    const cred = (await client.json("POST", "/api/credentials", { body: { name: "dav", provider_type: "webdav", data: { username: "u", password: "p" } } })).body;
    const src = join(tempDir("verify-ui-"), "docs");
    await Bun.write(join(src, "a.txt"), "alpha");
    const job = (
      await client.json("POST", "/api/jobs", {
        body: { name: "Remote", source_dirs: [src], destination_type: "webdav", destination_config: { url: "http://127.0.0.1:9/dav/", remote_path: "/x" }, credential_id: cred.id, sync_options: {} },
      })
    ).body;
    const page = await getPage(client, `/jobs/${job.id}`);
    expect(page.text).toContain('name="deep" value="true"');
    expect(page.text).toContain("deep (read everything back)");

    // A local job kept busy by a running backup: the form answers with the 409's words.
    const dest = tempDir("verify-ui-dest-");
    for (let i = 0; i < 200; i++) await Bun.write(join(src, `f${i}.bin`), "x".repeat(10_000));
    const local = (
      await client.json("POST", "/api/jobs", {
        body: { name: "Busy", source_dirs: [src], destination_type: "local", destination_config: { mount_point: dest }, sync_options: { bandwidth_limit_kbps: 100 } },
      })
    ).body;
    const run = (await client.json("POST", `/api/jobs/${local.id}/run`)).body;
    const refused = await postForm(client, `/jobs/${local.id}/verify`, { deep: "true" }, { htmx: true });
    expect(refused.status).toBe(200);
    expect(refused.res.headers.get("hx-redirect")).toBeNull();
    expect(refused.text).toContain(`id="verify-${local.id}"`);
    expect(refused.text).toContain("Job is already running");
    const refusedCompact = await postForm(client, `/jobs/${local.id}/verify`, { compact: "true" }, { htmx: true });
    expect(refusedCompact.text).toContain(`<form class="row verify-form compact" id="verify-${local.id}"`);
    expect(refusedCompact.text).toContain("Job is already running");
    await client.json("POST", `/api/jobs/${local.id}/cancel`);
    await t.services.engine.waitFor(run.run_id);
  });
});
