// Cancelling a streaming restore (radosgw S3, the job's bandwidth limit making it slow): the run
// is cancelled, the big file is not under its real name and no temporary file is left.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { jobs } from "../../src/db/schema.ts";
import { authedApp, tempDir } from "../engine/fixtures.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { createJob, finished, storeTarget, writeRandom } from "./helpers.ts";

describeIf(notRoot() ?? missingCommand("radosgw"))("cancel a streaming restore (S3)", () => {
  let t: Awaited<ReturnType<typeof authedApp>>;
  let jobId: number;
  let target: Awaited<ReturnType<typeof storeTarget>>;
  const base = tempDir("dm-rcancel-");

  beforeAll(async () => {
    t = await authedApp();
    const source = join(base, "media");
    await writeRandom(join(source, "movie.bin"), 20 * 1024 * 1024);
    target = await storeTarget("s3", "cancel");
    jobId = await createJob(t.api, target, [source]);
    expect((await finished(t, (await t.api("POST", `/api/jobs/${jobId}/run`)).body.run_id)).run.status).toBe("completed");
  }, 120_000);

  afterAll(async () => {
    await t?.services.stop();
    await target?.cleanup();
    rmSync(base, { recursive: true, force: true });
  });

  test("the bandwidth limit holds the restore back; cancel stops it and removes the temporary file", async () => {
    t.ctx.db
      .update(jobs)
      .set({ syncOptions: { bandwidth_limit_kbps: 1024 } })
      .where(eq(jobs.id, jobId))
      .run();
    const into = join(base, "back");
    const s = await t.api("POST", `/api/jobs/${jobId}/restore`, { target: { folder: into }, overwrite: "always" });
    expect(s.status).toBe(202);
    // At 1 MiB/s the 20 MiB file takes ~20 s: after 2 s a temporary file is being written.
    await Bun.sleep(2000);
    const during = readdirSync(join(into, "media"));
    expect(during.length).toBe(1);
    expect(during[0]).toStartWith("movie.bin.dynamight-tmp-");
    const live = (await t.api("GET", `/api/runs/${s.body.run_id}`)).body;
    expect(live.status).toBe("running");
    // Live bytes so far, well under the whole file (the limit applies).
    expect(live.bytes_transferred).toBeGreaterThan(0);
    expect(live.bytes_transferred).toBeLessThan(8 * 1024 * 1024);
    expect((await t.api("POST", `/api/jobs/${jobId}/cancel`)).status).toBe(200);
    const f = await finished(t, s.body.run_id);
    expect(f.run.status).toBe("cancelled");
    expect(f.run.kind).toBe("restore");
    expect(existsSync(join(into, "media", "movie.bin"))).toBe(false);
    expect(readdirSync(join(into, "media"))).toEqual([]);
  }, 60_000);
});
