// The job editor page and the list's clone refuse job paths outside ALLOWED_BROWSE_PATHS or in
// the data folder with the API's message, and store nothing (the guard rails: docs/engine.md).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobs } from "../../src/db/schema.ts";
import { TEST_ALLOWED_PATHS } from "../helpers/app.ts";
import { localJobForm, postForm, signedIn } from "./helpers.ts";

const escaped = (s: string) => s.replaceAll("'", "&#x27;");

describe("job editor guard rails", () => {
  test("a source of /etc or the data folder, a destination in the data folder: the form shows the message, nothing is saved", async () => {
    const { client, ctx } = await signedIn();
    const dest = mkdtempSync(join(tmpdir(), "dm-web-guard-"));
    const data = realpathSync(ctx.config.dataDir);
    const cases: [Record<string, string>, string][] = [
      // The editor words the API's messages for people (issue 16): the field's label, the line of a list.
      [localJobForm("etc", "/etc", dest), `Folders to back up, line 1: must be inside the allowed folders (${TEST_ALLOWED_PATHS.join(", ")})`],
      [localJobForm("shadow", "/etc/shadow", dest), `Folders to back up, line 1: must be inside the allowed folders (${TEST_ALLOWED_PATHS.join(", ")})`],
      [localJobForm("data", data, dest), `Folders to back up, line 1: must not be Dynamight's data folder or inside it (${data})`],
      [localJobForm("into data", join(dest, "x"), data), `Mount point or folder must not be Dynamight's data folder or inside it (${data})`],
    ];
    for (const [form, message] of cases) {
      const plain = await postForm(client, "/jobs/new", form);
      expect(plain.status).toBe(400);
      expect(plain.text).toContain(escaped(message));
      const hx = await postForm(client, "/jobs/new", form, { htmx: true });
      expect(hx.text).toContain(escaped(message));
    }
    expect((await client.json("GET", "/api/jobs")).body).toEqual([]);
  });

  test("clone of a stored job that falls outside shows the message and makes no copy", async () => {
    const { client, ctx } = await signedIn();
    const old = ctx.db
      .insert(jobs)
      .values({ name: "old", sourceDirs: ["/etc"], destinationType: "local", destinationConfig: { mount_point: "/mnt/b" }, syncOptions: {} })
      .returning()
      .get();
    const res = await postForm(client, `/jobs/${old.id}/clone`, {}, { htmx: true });
    expect(res.text).toContain(escaped("Field 'source_dirs.0' must be inside the allowed folders"));
    expect((await client.json("GET", "/api/jobs")).body.length).toBe(1);
  });
});
