// The web UI of versions: the Files tab links each file's versions and has "Restore as of…"; the
// versions page lists them (newest first) with a download and "Put back"; both start restore runs
// that bring back the right copy. In process on the real services, a local destination (rsync).
import { expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { versionStamp } from "../../src/destinations/engine/version-names.ts";
import { localJob, tempDir } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { getPage, postForm, signedIn } from "../web/helpers.ts";
import { clockRunner, DAY, HOUR, T1, T2, T3, tree, write } from "./helpers.ts";

describeIf(missingCommand("rsync"))("versions in the web UI", () => {
  test("Files tab → Versions → Put back, and Restore as of… on the Files tab", async () => {
    const t = await signedIn();
    const runner = clockRunner(t.ctx);
    const src = join(tempDir("versions-ui-"), "docs");
    const mount = tempDir("versions-ui-dest-");
    write(src, { "a.txt": "A1", "b.txt": "B1" }, T1 - HOUR);
    const job = (await t.client.json("POST", "/api/jobs", { body: localJob([src], mount, { sync_options: { delete_extraneous: true } }) })).body;
    expect((await runner.run(job.id, T1)).status).toBe("completed");
    write(src, { "a.txt": "A2-longer" }, T2 - HOUR);
    rmSync(join(src, "b.txt"));
    expect((await runner.run(job.id, T2)).status).toBe("completed");
    write(src, { "a.txt": "A3" }, T3 - HOUR);
    expect((await runner.run(job.id, T3)).status).toBe("completed");

    const files = await getPage(t.client, `/jobs/${job.id}/files?path=docs`);
    expect(files.status).toBe(200);
    expect(files.text).toContain(`href="/jobs/${job.id}/files/versions?path=docs%2Fa.txt"`);
    expect(files.text).toContain('id="restore-as-of"');
    expect(files.text).toContain("Restore as of… (optional, UTC)");
    // The versions folder is never shown among the files.
    expect((await getPage(t.client, `/jobs/${job.id}/files`)).text).not.toContain(".dynamight-versions");

    const page = await getPage(t.client, `/jobs/${job.id}/files/versions?path=docs/a.txt`);
    expect(page.status).toBe(200);
    const s2 = versionStamp(T2);
    const s3 = versionStamp(T3);
    // Newest first: run 3 replaced A2-longer, run 2 replaced A1.
    expect(page.text.indexOf(`.dynamight-versions%2F${s3}%2Fdocs%2Fa.txt`)).toBeGreaterThan(-1);
    expect(page.text.indexOf(`.dynamight-versions%2F${s3}`)).toBeLessThan(page.text.indexOf(`.dynamight-versions%2F${s2}`));
    expect(page.text).toContain("kept for 30 day(s)");
    const download = await t.client.request("GET", `/api/jobs/${job.id}/files/download?path=${encodeURIComponent(`.dynamight-versions/${s2}/docs/a.txt`)}`);
    expect(await download.text()).toBe("A1");

    // Put back run 2's copy of a.txt (A1): the form on the versions page.
    const asOf = new Date(T2 - 1000).toISOString();
    expect(page.text).toContain(`name="as_of" value="${asOf}"`);
    const put = await postForm(t.client, `/jobs/${job.id}/restore`, { path: "docs", "p-0": "docs/a.txt", as_of: asOf, target: "original", overwrite: "always" });
    expect(put.status).toBe(303);
    const runId = Number(put.res.headers.get("location")!.split("/").pop());
    await t.services.engine.waitFor(runId);
    expect((await t.client.json("GET", `/api/runs/${runId}`)).body).toMatchObject({ kind: "restore", status: "completed", files_transferred: 1 });
    expect(readFileSync(join(src, "a.txt"), "utf8")).toBe("A1");

    // Restore as of… (datetime-local, UTC) from the Files tab into a folder: run 2's tree.
    const out = tempDir("versions-ui-out-");
    const at = new Date(T2 + DAY / 2).toISOString().slice(0, 16);
    const r = await postForm(t.client, `/jobs/${job.id}/restore`, { path: "", as_of: at, target: "folder", folder: out, overwrite: "always" });
    expect(r.status).toBe(303);
    const rid = Number(r.res.headers.get("location")!.split("/").pop());
    await t.services.engine.waitFor(rid);
    expect(tree(out)).toEqual(["docs/a.txt"]);
    expect(readFileSync(join(out, "docs/a.txt"), "utf8")).toBe("A2-longer");

    // A bad as_of comes back on the form with the message.
    const bad = await postForm(t.client, `/jobs/${job.id}/restore`, { path: "", as_of: "soon", target: "folder", folder: out, overwrite: "always" }, { htmx: true });
    expect(bad.text).toContain("Field &#x27;as_of&#x27; must be an ISO 8601 time");
    expect(bad.text).toContain('value="soon"');

    // A bad path on the versions page: the page says so.
    const badPath = await getPage(t.client, `/jobs/${job.id}/files/versions?path=..%2Fx`);
    expect(badPath.text).toContain("Query parameter &#x27;path&#x27; must be a path relative to the destination root");
    expect((await getPage(t.client, "/jobs/999/files/versions?path=a")).status).toBe(404);
    await runner.engine.stop();
  });
});
