// low_space from a real local rsync run: the destination's free space under the job's threshold
// is told once per run, whether the run goes on (on_low_space: warn) or stops (fail).
import { expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { signedIn } from "../schedules/helpers.ts";
import { receiver } from "./helpers.ts";

// More than any disk this runs on: the threshold is always missed.
const HUGE_MB = 1_000_000_000;

describeIf(missingCommand("rsync"))("low_space", () => {
  for (const onLow of ["warn", "fail"] as const) {
    test(`a run under the free-space threshold (on_low_space: ${onLow}) sends one low_space message`, async () => {
      const t = await signedIn();
      const r = receiver();
      try {
        const src = join(tempDir(), "docs");
        writeTree(src, { "a.txt": "a" });
        const job = await t.api("POST", "/api/jobs", {
          name: `Tight ${onLow}`,
          source_dirs: [src],
          destination_type: "local",
          destination_config: { mount_point: tempDir(), backup_subdir: "", min_free_space_mb: HUGE_MB, on_low_space: onLow },
        });
        expect(job.status, JSON.stringify(job.body)).toBe(201);
        await t.api("POST", "/api/notifications", { name: "Space", type: "webhook", config: { url: `${r.url}/hook` }, events: ["low_space"], job_ids: [job.body.id] });
        const run = await t.api("POST", `/api/jobs/${job.body.id}/run`);
        await t.services.engine.waitFor(run.body.run_id);
        const end = Date.now() + 30_000;
        while (Date.now() < end && r.got.length === 0) {
          await t.services.notifier.flush();
          await Bun.sleep(50);
        }
        // Nothing else arrives: the before and after readings make one message.
        await t.services.notifier.flush();
        expect(r.got.length).toBe(1);
        const body = JSON.parse(r.got[0]!.body);
        expect(body).toMatchObject({ event: "low_space", job_name: `Tight ${onLow}`, run_id: run.body.run_id });
        expect(body.reason).toContain(`the job asks for at least ${HUGE_MB} MB`);
        const stored = (await t.api("GET", `/api/runs/${run.body.run_id}`)).body;
        expect(stored.status).toBe(onLow === "warn" ? "completed" : "failed");
      } finally {
        r.stop();
        await t.services.stop();
      }
    });
  }
});
