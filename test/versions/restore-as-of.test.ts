// POST /api/jobs/:id/restore with as_of, end to end on every built destination type (radosgw S3,
// OpenSSH SFTP, Apache WebDAV, local rsync): three backups on an injected clock change, delete
// and recreate files; a restore as of a time between runs 1 and 2 writes exactly run 1's tree
// into a fresh folder, one between runs 2 and 3 run 2's; a path first backed up later is left
// out; a path never backed up fails the run naming it; a bad as_of is a 400 naming the field.
import { expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../engine/fixtures.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { rclone } from "../remote/harness.ts";
import { createJob, type StoreType, storeTarget } from "../restore/helpers.ts";
import { appWithClock, DAY, HOUR, T1, T2, T3, tree, write } from "./helpers.ts";

const reason = missingCommand("rclone", "radosgw", "/usr/sbin/sshd", "apache2", "rsync") ?? notRoot();
const iso = (ms: number) => new Date(ms).toISOString();

function contents(dir: string): Record<string, string> {
  return Object.fromEntries(tree(dir).map((p) => [p, readFileSync(join(dir, p), "utf8")]));
}

describeIf(reason)("restore as_of through the API", () => {
  for (const type of ["s3", "sftp", "webdav", "local"] as StoreType[]) {
    test(`${type}: as of between runs gives exactly that run's tree`, async () => {
      const t = await appWithClock();
      const src = join(tempDir("versions-asof-"), "docs");
      const target = await storeTarget(type, "versions", type === "local" ? tempDir("versions-asof-dest-") : undefined);
      // The servers are shared (S3 keeps everything in RAM): leave nothing behind.
      const cleanup = () => (type === "local" ? Promise.resolve() : rclone("purge", type === "s3" ? target.rcloneRoot.replace(/\/backups$/, "") : target.rcloneRoot));
      const job = await createJob(t.api, target, [src], { delete_extraneous: true, keep_versions_days: 30 });

      write(src, { "a.txt": "A1", "b.txt": "B1", "sub/c.txt": "C1" }, T1 - HOUR);
      expect((await t.run(job, T1)).run.status).toBe("completed");
      write(src, { "a.txt": "A2-longer", "d.txt": "D2" }, T2 - HOUR);
      rmSync(join(src, "b.txt"));
      expect((await t.run(job, T2)).run.status).toBe("completed");
      write(src, { "a.txt": "A3", "d.txt": "D3", "b.txt": "B3" }, T3 - HOUR);
      rmSync(join(src, "sub"), { recursive: true });
      expect((await t.run(job, T3)).run.status).toBe("completed");

      const restore = async (body: Record<string, unknown>) => {
        const folder = tempDir("versions-asof-out-");
        const r = await t.api("POST", `/api/jobs/${job}/restore`, { target: { folder }, overwrite: "always", ...body });
        expect(r.status).toBe(202);
        return { ...(await t.finished(r.body.run_id)), folder };
      };
      const one = await restore({ as_of: iso(T1 + DAY / 2) });
      expect(one.run).toMatchObject({ status: "completed", kind: "restore", files_transferred: 3 });
      expect(contents(one.folder)).toEqual({ "docs/a.txt": "A1", "docs/b.txt": "B1", "docs/sub/c.txt": "C1" });
      // The old copies get their own stored mtimes back where the store keeps them.
      if (type !== "webdav") expect(Math.round(Bun.file(join(one.folder, "docs/a.txt")).lastModified / 1000)).toBe(Math.round((T1 - HOUR) / 1000));

      const two = await restore({ as_of: iso(T2 + DAY / 2) });
      expect(contents(two.folder)).toEqual({ "docs/a.txt": "A2-longer", "docs/d.txt": "D2", "docs/sub/c.txt": "C1" });

      // Some paths: d.txt arrived in run 2, so as of run 1 it is left out (the run still completes).
      const some = await restore({ as_of: iso(T1 + DAY / 2), paths: ["docs/sub", "docs/d.txt"] });
      expect(some.run.status).toBe("completed");
      expect(contents(some.folder)).toEqual({ "docs/sub/c.txt": "C1" });

      // A path the destination never held: the run fails naming it.
      const none = await restore({ as_of: iso(T1 + DAY / 2), paths: ["docs/never.txt", "docs/a.txt"] });
      expect(none.run.status).toBe("failed");
      expect(none.run.error_message).toContain("docs/never.txt");
      expect(contents(none.folder)).toEqual({ "docs/a.txt": "A1" });

      // Without as_of: today's tree, as before.
      const now = await restore({});
      expect(contents(now.folder)).toEqual({ "docs/a.txt": "A3", "docs/b.txt": "B3", "docs/d.txt": "D3" });

      for (const bad of ["yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", ""]) {
        const r = await t.api("POST", `/api/jobs/${job}/restore`, { target: { folder: tempDir() }, overwrite: "always", as_of: bad });
        expect(r.status).toBe(400);
        expect(r.body.message).toContain("Field 'as_of' must be an ISO 8601 time");
      }
      await t.engine.stop();
      await cleanup();
    });
  }
});
