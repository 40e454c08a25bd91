// Back up, delete the source, get it back: on each real store (radosgw S3, OpenSSH SFTP, Apache
// WebDAV, a local folder through rsync), a tree with Unicode names, nested folders, an empty file
// and a 50 MB file is backed up by a real run, browsed and downloaded, the source deleted, then
// restored by a restore run to a new folder: every file byte-identical (sha256) with its mtime
// (to the store's precision), and `rclone check` between the restored folder and the store
// agrees. Then the overwrite policies on a changed local file: never keeps it, if_newer replaces
// only an older one, always replaces it; and "original" writes back into the source folder.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authedApp, tempDir } from "../engine/fixtures.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { rclone } from "../remote/harness.ts";
import { createJob, fingerprint, finished, MTIME, type Print, type StoreTarget, type StoreType, storeTarget, writeAwkwardTree } from "./helpers.ts";

const reason =
  notRoot() ?? missingCommand("rsync", "rclone", "radosgw") ?? (existsSync("/usr/sbin/sshd") ? null : "sshd not installed") ?? (existsSync("/usr/sbin/apache2") ? null : "apache2 not installed");
const only = process.env.RESTORE_TYPES?.split(",");

function expectSameTree(got: Map<string, Print>, want: Map<string, Print>, precisionMs: number) {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [path, w] of want) {
    const g = got.get(path)!;
    expect({ path, sha256: g.sha256, size: g.size }).toEqual({ path, sha256: w.sha256, size: w.size });
    // The store keeps what it can: ms (S3 metadata, local, WebDAV by the upload record), whole seconds (SFTP).
    expect({ path, mtimeOff: Math.abs(g.mtimeMs - w.mtimeMs) <= precisionMs }).toEqual({ path, mtimeOff: true });
  }
}

for (const type of (["local", "s3", "sftp", "webdav"] as StoreType[]).filter((x) => !only || only.includes(x))) {
  describeIf(reason)(`restore round trip: ${type}`, () => {
    let t: Awaited<ReturnType<typeof authedApp>>;
    let target: StoreTarget;
    let jobId: number;
    let source: string;
    let original: Map<string, Print>;
    const base = tempDir("dm-restore-");

    beforeAll(async () => {
      t = await authedApp();
      target = await storeTarget(type, type, join(base, "disk"));
      if (type === "local") mkdirSync(join(base, "disk"));
      source = join(base, "Fotos Été");
      await writeAwkwardTree(source);
      original = await fingerprint(source);
      jobId = await createJob(t.api, target, [source]);
      const run = await t.api("POST", `/api/jobs/${jobId}/run`);
      const { run: r, text } = await finished(t, run.body.run_id);
      expect({ status: r.status, kind: r.kind, log: r.status === "completed" ? "" : text }).toEqual({ status: "completed", kind: "backup", log: "" });
    }, 300_000);

    afterAll(async () => {
      await t?.services.stop();
      await target?.cleanup();
      rmSync(base, { recursive: true, force: true });
    });

    test("browse: the root holds one folder per source; folders first, sizes and dates; pages with X-Total-Count and Link", async () => {
      const root = await t.api("GET", `/api/jobs/${jobId}/files`);
      expect(root.status).toBe(200);
      expect(root.body.path).toBe("");
      expect(root.body.parent).toBeNull();
      expect(root.body.entries.map((e: any) => [e.name, e.is_dir])).toEqual([["Fotos Été", true]]);
      expect(root.body.entries[0].size).toBe(50 * 1024 * 1024 + "こんにちは".length * 3 + 5 + 9 + 9 + 1);

      const top = await t.api("GET", `/api/jobs/${jobId}/files?path=${encodeURIComponent("Fotos Été")}`);
      expect(top.body.parent).toBe("");
      expect(top.body.entries.map((e: any) => e.name)).toEqual(["nested", "Ünïcödé", "big.bin", "empty.txt", "spaces and 'quotes'.txt"]);
      const big = top.body.entries.find((e: any) => e.name === "big.bin");
      expect(big).toEqual({ name: "big.bin", path: "Fotos Été/big.bin", is_dir: false, size: 50 * 1024 * 1024, modified: expect.any(String) });
      if (type !== "webdav") expect(Math.floor(Date.parse(big.modified) / 1000)).toBe(Math.floor(MTIME));
      expect(top.res.headers.get("x-total-count")).toBe("5");

      const page = await t.api("GET", `/api/jobs/${jobId}/files?path=${encodeURIComponent("Fotos Été")}&limit=2&offset=2`);
      expect(page.body.entries.map((e: any) => e.name)).toEqual(["big.bin", "empty.txt"]);
      expect(page.res.headers.get("x-total-count")).toBe("5");
      const link = page.res.headers.get("link")!;
      expect(link).toContain('rel="next"');
      expect(link).toContain('rel="prev"');

      const deep = await t.api("GET", `/api/jobs/${jobId}/files?path=${encodeURIComponent("Fotos Été/nested/a")}`);
      expect(deep.body.parent).toBe("Fotos Été/nested");
      expect(deep.body.entries.map((e: any) => [e.name, e.is_dir, e.size])).toEqual([
        ["b", true, 9],
        ["sibling.txt", false, 9],
      ]);
      const missing = await t.api("GET", `/api/jobs/${jobId}/files?path=nope`);
      expect(missing.status).toBe(404);
    });

    test("download: one file as an attachment with its exact name, the bytes the source had", async () => {
      const path = "Fotos Été/Ünïcödé/日本語のファイル.txt";
      const res = await t.client.request("GET", `/api/jobs/${jobId}/files/download?path=${encodeURIComponent(path)}`, { headers: { "x-api-key": t.key } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="________.txt"; filename*=UTF-8''${encodeURIComponent("日本語のファイル.txt")}`);
      expect(await res.text()).toBe("こんにちは");
      const big = await t.client.request("GET", `/api/jobs/${jobId}/files/download?path=${encodeURIComponent("Fotos Été/big.bin")}`, { headers: { "x-api-key": t.key } });
      const h = new Bun.CryptoHasher("sha256");
      const reader = big.body!.getReader();
      for (let c = await reader.read(); !c.done; c = await reader.read()) h.update(c.value);
      expect(h.digest("hex")).toBe(original.get("big.bin")!.sha256);
      const gone = await t.client.request("GET", `/api/jobs/${jobId}/files/download?path=${encodeURIComponent("Fotos Été/nope.txt")}`, { headers: { "x-api-key": t.key } });
      expect(gone.status).toBe(404);
      expect((await gone.json()).error).toBe("Not found");
    });

    test("the source deleted, a restore to a new folder brings back every byte and mtime; rclone check agrees", async () => {
      rmSync(source, { recursive: true, force: true });
      const into = join(base, "restored");
      const started = await t.api("POST", `/api/jobs/${jobId}/restore`, { target: { folder: into }, overwrite: "never" });
      expect(started.status).toBe(202);
      expect(started.body.message).toBe("Restore started");
      const { run, text } = await finished(t, started.body.run_id);
      expect({ status: run.status, kind: run.kind, error: run.error_message, log: run.status === "completed" ? "" : text }).toEqual({ status: "completed", kind: "restore", error: null, log: "" });
      expect(run.files_transferred).toBe(7);
      expect(run.bytes_transferred).toBe(50 * 1024 * 1024 + 15 + 5 + 9 + 9 + 1);
      expect(readdirSync(into)).toEqual(["Fotos Été"]);
      expectSameTree(await fingerprint(join(into, "Fotos Été")), original, target.precisionMs);
      // No temporary file left anywhere.
      expect([...(await fingerprint(into)).keys()].filter((p) => p.includes(".dynamight-tmp-"))).toEqual([]);

      const check = await rclone("check", join(into, "Fotos Été"), `${target.rcloneRoot}/Fotos Été`, "--one-way");
      expect({ code: check.code, err: check.code === 0 ? "" : check.err }).toEqual({ code: 0, err: "" });
      const listed = (await t.api("GET", `/api/jobs/${jobId}/runs`)).body;
      expect(listed[0]).toMatchObject({ id: started.body.run_id, kind: "restore" });
    }, 300_000);

    test("overwrite: never keeps a changed local file, if_newer replaces only an older one, always replaces it", async () => {
      const into = join(base, "restored", "Fotos Été");
      const changed = join(into, "nested/a/sibling.txt");
      const older = join(into, "nested/a/b/c/deep.txt");
      writeFileSync(changed, "changed locally");
      writeFileSync(older, "stale");
      utimesSync(older, MTIME - 3600, MTIME - 3600);
      const restore = async (overwrite: string) => {
        const s = await t.api("POST", `/api/jobs/${jobId}/restore`, { paths: ["Fotos Été/nested"], target: { folder: join(base, "restored") }, overwrite });
        expect(s.status).toBe(202);
        const f = await finished(t, s.body.run_id);
        expect({ status: f.run.status, log: f.run.status === "completed" ? "" : f.text }).toEqual({ status: "completed", log: "" });
        return f.run;
      };
      await restore("never");
      expect(readFileSync(changed, "utf8")).toBe("changed locally");
      expect(readFileSync(older, "utf8")).toBe("stale");
      await restore("if_newer");
      // The local change is newer than the stored copy: kept; the older file is replaced.
      expect(readFileSync(changed, "utf8")).toBe("changed locally");
      expect(readFileSync(older, "utf8")).toBe("deep down");
      const r = await restore("always");
      expect(readFileSync(changed, "utf8")).toBe("next to b");
      expect(r.files_transferred).toBe(1);
    }, 120_000);

    test('"original" writes back into the job\'s source folder', async () => {
      expect(existsSync(source)).toBe(false);
      const s = await t.api("POST", `/api/jobs/${jobId}/restore`, { paths: ["Fotos Été/Ünïcödé", "Fotos Été/empty.txt"], target: "original", overwrite: "if_newer" });
      expect(s.status).toBe(202);
      const f = await finished(t, s.body.run_id);
      expect({ status: f.run.status, log: f.run.status === "completed" ? "" : f.text }).toEqual({ status: "completed", log: "" });
      const want = new Map([...original].filter(([p]) => p.startsWith("Ünïcödé/") || p === "empty.txt"));
      expectSameTree(await fingerprint(source), want, target.precisionMs);
    }, 120_000);
  });
}
