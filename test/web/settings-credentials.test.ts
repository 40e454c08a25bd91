// Credentials and settings pages, in process, on a real in-memory database.
import { describe, expect, test } from "bun:test";
import { getPage, localJobForm, postForm, signedIn } from "./helpers.ts";

describe("credentials page", () => {
  test("creates a credential from the provider's fields; secrets never come back in any page", async () => {
    const { client } = await signedIn();
    const created = await postForm(client, "/credentials/new", { name: "Nextcloud", provider_type: "webdav", "data.username": "me", "data.password": "Sup3r-Secret-pw" });
    expect(created.status).toBe(303);
    const list = (await client.json("GET", "/api/credentials")).body;
    expect(list).toHaveLength(1);
    const id = list[0].id;

    const page = await getPage(client, "/credentials");
    expect(page.text).toContain("Nextcloud");
    expect(page.text).not.toContain("Sup3r-Secret-pw");
    const edit = await getPage(client, `/credentials/${id}/edit`);
    expect(edit.text).toContain('name="data.password"');
    expect(edit.text).not.toContain("Sup3r-Secret-pw");
    expect(edit.text).not.toMatch(/name="data.password"[^>]*value=/);
  });

  test("the type select renders that provider's credential fields", async () => {
    const { client } = await signedIn();
    const s3 = await getPage(client, "/credentials/fields?provider_type=s3", { htmx: true });
    expect(s3.text).toContain('name="data.access_key_id"');
    expect(s3.text).toContain('name="data.secret_access_key"');
    expect(s3.text).toContain('type="password"');
  });

  test("a refused save shows the contract's message and keeps non-secret values only", async () => {
    const { client } = await signedIn();
    const res = await postForm(client, "/credentials/new", { name: "Dav", provider_type: "webdav", "data.username": "me-user", "data.password": "" }, { htmx: true });
    expect(res.text).toContain("alert-error");
    expect(res.text).toContain("data.password");
    expect(res.text).toContain('value="me-user"');
    expect((await client.json("GET", "/api/credentials")).body).toEqual([]);
  });

  test("renaming with blank secrets keeps the saved data", async () => {
    const { client } = await signedIn();
    const c = (await client.json("POST", "/api/credentials", { body: { name: "Old", provider_type: "webdav", data: { username: "u", password: "p1" } } })).body;
    const res = await postForm(client, `/credentials/${c.id}/edit`, { name: "New name", provider_type: "webdav", "data.username": "", "data.password": "" });
    expect(res.status).toBe(303);
    expect((await client.json("GET", `/api/credentials/${c.id}`)).body.name).toBe("New name");
  });

  test("deleting a credential in use shows which jobs use it; an unused one goes", async () => {
    const { client } = await signedIn();
    const used = (await client.json("POST", "/api/credentials", { body: { name: "Used", provider_type: "webdav", data: { username: "u", password: "p" } } })).body;
    const job = await client.json("POST", "/api/jobs", {
      body: { name: "Dav job", source_dirs: ["/tmp/x"], destination_type: "webdav", destination_config: { url: "http://127.0.0.1:9/dav/", remote_path: "/" }, credential_id: used.id },
    });
    expect(job.status).toBe(201);
    const refused = await postForm(client, `/credentials/${used.id}/delete`, {}, { htmx: true });
    expect(refused.text).toContain("in use by 1 job(s): Dav job");
    expect((await client.json("GET", `/api/credentials/${used.id}`)).status).toBe(200);

    const free = (await client.json("POST", "/api/credentials", { body: { name: "Free", provider_type: "webdav", data: { username: "u", password: "p" } } })).body;
    const ok = await postForm(client, `/credentials/${free.id}/delete`, {}, { htmx: true });
    expect(ok.res.headers.get("hx-redirect")).toBe("/credentials");
    expect((await client.json("GET", `/api/credentials/${free.id}`)).status).toBe(404);
  });
});

describe("settings page", () => {
  test("saves theme and retention; the theme applies to every page", async () => {
    const { client } = await signedIn();
    const res = await postForm(client, "/settings", { theme: "dark", max_runs_per_job: "25" });
    expect(res.status).toBe(303);
    expect((await client.json("GET", "/api/settings")).body).toEqual({ theme: "dark", max_runs_per_job: 25, public_url: null });
    const page = await getPage(client, "/settings?saved");
    expect(page.text).toContain('data-theme="dark"');
    expect(page.text).toContain('value="25"');
    expect(page.text).toContain("Settings saved.");
    expect((await getPage(client, "/jobs")).text).toContain('data-theme="dark"');
  });

  test("an out-of-range retention is refused with the contract's words", async () => {
    const { client } = await signedIn();
    const res = await postForm(client, "/settings", { theme: "light", max_runs_per_job: "0" }, { htmx: true });
    expect(res.text).toContain("max_runs_per_job");
    expect(res.text).toContain("alert-error");
    expect((await client.json("GET", "/api/settings")).body.max_runs_per_job).toBe(10);
  });
});

describe("jobs list actions", () => {
  test("clone opens the copy's editor; delete removes the job", async () => {
    const { client } = await signedIn();
    const made = await postForm(client, "/jobs/new", localJobForm("Orig", "/tmp/orig-src", "/tmp"));
    const id = Number(made.res.headers.get("location")!.split("?")[0]!.split("/").pop());
    const clone = await postForm(client, `/jobs/${id}/clone`, {}, { htmx: true });
    const to = clone.res.headers.get("hx-redirect")!;
    expect(to).toMatch(/^\/jobs\/\d+\/edit$/);
    const editor = await getPage(client, to);
    expect(editor.text).toContain('value="Orig (Copy)"');
    const del = await postForm(client, `/jobs/${id}/delete`, {}, { htmx: true });
    expect(del.res.headers.get("hx-redirect")).toBe("/jobs");
    expect((await client.json("GET", `/api/jobs/${id}`)).status).toBe(404);

    // A refused action lands in the page's error slot, not in place of the button.
    const gone = await postForm(client, `/jobs/${id}/delete`, {}, { htmx: true });
    expect(gone.res.headers.get("hx-retarget")).toBe("#page-error");
    expect(gone.text).toContain("Job not found");
    expect((await getPage(client, "/jobs")).text).toContain('id="page-error"');
  });

  test("flash messages come from fixed words, never from the URL", async () => {
    const { client } = await signedIn();
    const made = await postForm(client, "/jobs/new", localJobForm("Flash", "/tmp/flash-src", "/tmp"));
    const id = Number(made.res.headers.get("location")!.split("?")[0]!.split("/").pop());
    expect((await getPage(client, `/jobs/${id}/runs?deleted=3`)).text).toContain("3 runs deleted.");
    const crafted = await getPage(client, `/jobs/${id}/runs?deleted=${encodeURIComponent("Call 555-0100 now")}&message=Call`);
    expect(crafted.text).not.toContain("555-0100");
    expect((await getPage(client, "/credentials?saved=Call%20us")).text).not.toContain("Call us");
    // The editor's "saved" flash (issue 16) is one of two fixed sentences, whatever the link says.
    expect((await getPage(client, `/jobs/${id}?saved=created`)).text).toContain("Job created.");
    expect((await getPage(client, `/jobs/${id}?saved=updated`)).text).toContain("Changes saved.");
    expect((await getPage(client, `/jobs/${id}?saved=${encodeURIComponent("Call 555-0100")}`)).text).not.toContain("555-0100");
  });
});
