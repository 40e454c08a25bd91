// End to end: a real local rsync job whose source folder is missing fails, and run_failed is
// delivered with the run's error message.
import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { signedIn } from "../schedules/helpers.ts";
import { receiver } from "./helpers.ts";

describeIf(missingCommand("rsync"))("a real run", () => {
  test("a local rsync job with a missing source fails and run_failed is delivered", async () => {
    const t = await signedIn();
    const r = receiver();
    try {
      const src = join(tempDir(), "photos");
      writeTree(src, { "a.txt": "a" });
      const dest = tempDir();
      const job = await t.api("POST", "/api/jobs", { name: "Real", source_dirs: [src], destination_type: "local", destination_config: { mount_point: dest, backup_subdir: "" } });
      expect(job.status, JSON.stringify(job.body)).toBe(201);
      await t.api("POST", "/api/notifications", { name: "Hook", type: "webhook", config: { url: `${r.url}/hook` }, events: ["run_failed"], job_ids: [job.body.id] });
      rmSync(src, { recursive: true });
      const run = await t.api("POST", `/api/jobs/${job.body.id}/run`);
      expect(run.status, JSON.stringify(run.body)).toBeLessThan(300);
      const runId = run.body.run_id ?? run.body.id;
      const end = Date.now() + 30_000;
      while (Date.now() < end && r.got.length === 0) {
        await t.services.notifier.flush();
        await Bun.sleep(50);
      }
      expect(r.got.length).toBe(1);
      const body = JSON.parse(r.got[0]!.body);
      const stored = (await t.api("GET", `/api/runs/${runId}`)).body;
      expect(stored.status).toBe("failed");
      expect(body).toMatchObject({ event: "run_failed", job_name: "Real", run_id: runId, url: `/runs/${runId}` });
      expect(body.reason).toBe(stored.error_message);
    } finally {
      r.stop();
      await t.services.stop();
    }
  });
});
