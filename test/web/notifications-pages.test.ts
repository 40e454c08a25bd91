// Notifications page and the job editor's alert threshold, in process, as a browser posts them.
import { describe, expect, test } from "bun:test";
import { getPage, localJobForm, postForm, signedIn } from "./helpers.ts";

const SECRET = "hook-Zq9xSecretToken-77";
const URL_WITH_SECRET = `http://127.0.0.1:1/${SECRET}`;

function webhookForm(extra: Record<string, string> = {}): Record<string, string> {
  return {
    name: "Ops hook",
    type: "webhook",
    "config.url": URL_WITH_SECRET,
    "config.headers": "",
    "event.run_failed": "true",
    "event.no_success": "true",
    jobs_scope: "all",
    enabled: "true",
    ...extra,
  };
}

describe("notifications page", () => {
  test("a channel added with the form is listed; its secret never appears in a page", async () => {
    const { client } = await signedIn();
    const created = await postForm(client, "/notifications/new", webhookForm());
    expect(created.status).toBe(303);
    const list = (await client.json("GET", "/api/notifications")).body;
    expect(list).toHaveLength(1);
    expect(list[0].events).toEqual(["run_failed", "no_success"]);
    expect(list[0].job_ids).toBeNull();

    const page = await getPage(client, "/notifications");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Ops hook");
    expect(page.text).toContain("run_failed, no_success");
    expect(page.text).toContain('href="/notifications"');
    expect(page.text).not.toContain(SECRET);
    const edit = await getPage(client, `/notifications/${list[0].id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.text).toContain('name="config.url"');
    expect(edit.text).not.toContain(SECRET);
    expect(edit.text).not.toContain("****");
    const fields = await getPage(client, "/notifications/fields?type=ntfy", { htmx: true });
    expect(fields.text).toContain('name="config.topic"');
  });

  test("editing with the secret left empty keeps it; events and jobs change", async () => {
    const { client } = await signedIn();
    const job = (await client.json("POST", "/api/jobs", { body: { name: "Photos <b>", source_dirs: ["/tmp/x"], destination_type: "local", destination_config: { mount_point: "/tmp/y" } } })).body;
    await postForm(client, "/notifications/new", webhookForm());
    const id = (await client.json("GET", "/api/notifications")).body[0].id;
    const res = await postForm(client, `/notifications/${id}/edit`, {
      ...webhookForm({ name: "Renamed", "config.url": "" }),
      "event.no_success": "false",
      jobs_scope: "some",
      [`job.${job.id}`]: "true",
    });
    expect(res.status).toBe(303);
    const after = (await client.json("GET", `/api/notifications/${id}`)).body;
    expect(after.name).toBe("Renamed");
    expect(after.config.url).toBe("****");
    expect(after.events).toEqual(["run_failed"]);
    expect(after.job_ids).toEqual([job.id]);
    const page = await getPage(client, "/notifications");
    expect(page.text).toContain("Photos &lt;b&gt;");
    expect(page.text).not.toContain("Photos <b>");
    // The stored URL is still the one sent first: the test reaches for it (and names its host only).
    const tested = await postForm(client, `/notifications/${id}/test`, {}, { htmx: true });
    expect(tested.text).toContain("127.0.0.1:1 is unreachable");
    expect(tested.text).not.toContain(SECRET);
  });

  test("bad input shows the field's message with 400 and stores nothing", async () => {
    const { client } = await signedIn();
    const res = await postForm(client, "/notifications/new", webhookForm({ "config.url": "ftp://example.com/x" }));
    expect(res.status).toBe(400);
    expect(res.text).toContain("alert-error");
    expect(res.text).toContain("must be an http:// or https:// URL");
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toContain('value="Ops hook"');
    const blank = await postForm(client, "/notifications/new", webhookForm({ name: "  " }));
    expect(blank.status).toBe(400);
    expect(blank.text).toContain("must not be blank");
    expect((await client.json("GET", "/api/notifications")).body).toEqual([]);
  });

  test("send test against an unreachable URL shows why, and the delivery log lists it", async () => {
    const { client } = await signedIn();
    await postForm(client, "/notifications/new", webhookForm({ "config.url": "http://127.0.0.1:1/" }));
    const id = (await client.json("GET", "/api/notifications")).body[0].id;
    const tested = await postForm(client, `/notifications/${id}/test`, {}, { htmx: true });
    expect(tested.status).toBe(200);
    expect(tested.text).toContain("alert-error");
    expect(tested.text).toContain("Not delivered: 127.0.0.1:1 is unreachable");
    const plain = await postForm(client, `/notifications/${id}/test`, {});
    expect(plain.text).toContain("<h1>Notifications</h1>");
    expect(plain.text).toContain("Not delivered");
    const edit = await getPage(client, `/notifications/${id}/edit`);
    expect(edit.text).toContain("<time");
    expect(edit.text).toContain("failed");
    expect(edit.text).toContain("is unreachable");
  });

  test("delete removes the channel", async () => {
    const { client } = await signedIn();
    await postForm(client, "/notifications/new", webhookForm());
    const id = (await client.json("GET", "/api/notifications")).body[0].id;
    const res = await postForm(client, `/notifications/${id}/delete`, {}, { htmx: true });
    expect(res.res.headers.get("hx-redirect")).toBe("/notifications");
    expect((await client.json("GET", "/api/notifications")).body).toEqual([]);
    expect((await getPage(client, "/notifications")).text).not.toContain("Ops hook");
    expect((await getPage(client, `/notifications/${id}/edit`)).status).toBe(404);
  });
});

describe("job editor: alert_after_hours", () => {
  test("saved with the job and shown again; empty turns it off", async () => {
    const { client } = await signedIn();
    const res = await postForm(client, "/jobs/new", localJobForm("Alerting", "/tmp/src", "/tmp/dst", { alert_after_hours: "36" }));
    expect(res.status).toBe(303);
    const job = (await client.json("GET", "/api/jobs")).body.find((j: { name: string }) => j.name === "Alerting");
    expect(job.alert_after_hours).toBe(36);
    const edit = await getPage(client, `/jobs/${job.id}/edit`);
    expect(edit.text).toMatch(/name="alert_after_hours"[^>]*value="36"/);
    const off = await postForm(client, `/jobs/${job.id}/edit`, localJobForm("Alerting", "/tmp/src", "/tmp/dst", { alert_after_hours: "" }));
    expect(off.status).toBe(303);
    expect((await client.json("GET", `/api/jobs/${job.id}`)).body.alert_after_hours).toBeNull();
    const bad = await postForm(client, `/jobs/${job.id}/edit`, localJobForm("Alerting", "/tmp/src", "/tmp/dst", { alert_after_hours: "0" }));
    expect(bad.status).toBe(400);
    expect((await client.json("GET", `/api/jobs/${job.id}`)).body.alert_after_hours).toBeNull();
  });
});

describe("job editor: notify through", () => {
  test("ticking a channel adds the job to it, unticking removes it; channels for every job stay so", async () => {
    const { client } = await signedIn();
    await postForm(client, "/notifications/new", webhookForm({ name: "Some jobs", jobs_scope: "some" }));
    await postForm(client, "/notifications/new", webhookForm({ name: "Every job" }));
    const [some, every] = (await client.json("GET", "/api/notifications")).body as { id: number; job_ids: number[] | null }[];
    expect(some!.job_ids).toEqual([]);
    const created = await postForm(client, "/jobs/new", { ...localJobForm("Told", "/tmp/src", "/tmp/dst"), notify_present: "1", [`notify.${some!.id}`]: "true" });
    expect(created.status).toBe(303);
    const job = (await client.json("GET", "/api/jobs")).body.find((j: { name: string }) => j.name === "Told");
    expect((await client.json("GET", `/api/notifications/${some!.id}`)).body.job_ids).toEqual([job.id]);
    expect((await client.json("GET", `/api/notifications/${every!.id}`)).body.job_ids).toBeNull();
    const edit = await getPage(client, `/jobs/${job.id}/edit`);
    expect(edit.text).toMatch(new RegExp(`name="notify\\.${some!.id}"[^>]*checked`));
    expect(edit.text).toMatch(new RegExp(`name="notify\\.${every!.id}"[^>]*checked[^>]*disabled`));
    const off = await postForm(client, `/jobs/${job.id}/edit`, { ...localJobForm("Told", "/tmp/src", "/tmp/dst"), notify_present: "1" });
    expect(off.status).toBe(303);
    expect((await client.json("GET", `/api/notifications/${some!.id}`)).body.job_ids).toEqual([]);
    expect((await client.json("GET", `/api/notifications/${every!.id}`)).body.job_ids).toBeNull();
  });
});
