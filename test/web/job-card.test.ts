// The job card's failure notice (dashboard and the job's page): the reason, escaped and cut, linked
// to the run, and "Failing since" with the streak's length.
import { describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/client.ts";
import { runs } from "../../src/db/schema.ts";
import { REASON_MAX } from "../../views/components/job-card.tsx";
import { insertJob } from "../schedules/helpers.ts";
import { getPage, signedIn } from "./helpers.ts";

function addRun(db: Db, jobId: number, status: "completed" | "failed" | "cancelled", startedAt: string, errorMessage: string | null = null) {
  return db.insert(runs).values({ jobId, status, trigger: "manual", startedAt, completedAt: startedAt, errorMessage }).returning().get();
}

describe("job card: failure notice", () => {
  test("shows the reason escaped, linked to the run, and since when the job fails", async () => {
    const { client, ctx } = await signedIn();
    const job = insertJob(ctx.db, { name: "Photos" });
    addRun(ctx.db, job.id, "completed", "2026-03-01T02:00:00.000Z");
    addRun(ctx.db, job.id, "failed", "2026-03-02T02:00:00.000Z", "first failure");
    addRun(ctx.db, job.id, "failed", "2026-03-03T02:00:00.000Z", "second failure");
    const last = addRun(ctx.db, job.id, "failed", "2026-03-04T02:00:00.000Z", `Mount failed: <script>alert(1)</script> & "quotes"`);

    for (const path of ["/", `/jobs/${job.id}`, `/jobs/${job.id}/card`]) {
      const { status, text } = await getPage(client, path);
      expect(status, path).toBe(200);
      expect(text, path).not.toContain("<script>alert(1)");
      expect(text, path).toContain("Mount failed: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;");
      expect(text, path).toContain(`<a href="/runs/${last.id}" title="Mount failed: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;">`);
      expect(text, path).toMatch(/Failing since <time datetime="2026-03-02T02:00:00.000Z" data-local-time>2026-03-02 02:00 UTC<\/time> · 3 failed runs in a row/);
      // The card names only the last reason; the job's page also lists each run's reason in its history table.
      const card = path === `/jobs/${job.id}` ? text.slice(text.indexOf(`id="job-${job.id}"`), text.indexOf("</article>")) : text;
      expect(card, path).not.toContain("first failure");
      if (path === `/jobs/${job.id}`) expect(text).toContain("first failure");
    }
  });

  test("a long reason is cut with the whole text in its title; one failed run has no count", async () => {
    const { client, ctx } = await signedIn();
    const job = insertJob(ctx.db, { name: "Docs" });
    const long = `rsync: ${"x/".repeat(300)}end`;
    addRun(ctx.db, job.id, "failed", "2026-03-05T02:00:00.000Z", long);
    const { text } = await getPage(client, `/jobs/${job.id}/card`);
    expect(text).toContain(`title="${long}"`); // nothing to escape in it
    const shown = text.match(/title="[^"]*">([^<]*)<\/a>/)![1]!;
    expect(shown.length).toBeLessThanOrEqual(REASON_MAX);
    expect(shown.endsWith("…")).toBe(true);
    expect(text).toContain("Failing since");
    expect(text).not.toContain("in a row");
  });

  test("nothing when the last finished run completed; a cancelled run keeps the streak but shows no reason", async () => {
    const { client, ctx } = await signedIn();
    const ok = insertJob(ctx.db, { name: "Fine" });
    addRun(ctx.db, ok.id, "failed", "2026-03-01T02:00:00.000Z", "old failure");
    addRun(ctx.db, ok.id, "completed", "2026-03-02T02:00:00.000Z");
    const okCard = (await getPage(client, `/jobs/${ok.id}/card`)).text;
    expect(okCard).not.toContain("Failing since");
    expect(okCard).not.toContain("old failure");

    const job = insertJob(ctx.db, { name: "Cancelled" });
    addRun(ctx.db, job.id, "failed", "2026-03-03T02:00:00.000Z", "disk full");
    addRun(ctx.db, job.id, "cancelled", "2026-03-04T02:00:00.000Z", "Cancelled");
    const card = (await getPage(client, `/jobs/${job.id}/card`)).text;
    expect(card).toContain('Failing since <time datetime="2026-03-03T02:00:00.000Z"');
    expect(card).not.toContain("disk full");
  });
});
