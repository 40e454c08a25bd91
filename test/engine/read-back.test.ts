// Reading a backup back through the destination's own store (Destination.openStore): what rsync
// wrote to a local destination is listed and opened byte for byte by LocalStore, the store that
// restore, verify and versions use. Every type that can run has a store to read from.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { localDestination } from "../../src/destinations/local/destination.ts";
import { listDestinations } from "../../src/destinations/registry.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { authedApp, localJob, tempDir, writeTree } from "./fixtures.ts";

test("every destination whose sync is built can open its store to read it back", () => {
  const built = listDestinations().filter((d) => d.capabilities.sync_implemented);
  expect(built.map((d) => d.type).sort()).toEqual(["google_drive", "local", "onedrive", "s3", "sftp", "webdav"]);
  for (const d of built) expect({ type: d.type, openStore: typeof d.openStore }).toEqual({ type: d.type, openStore: "function" });
});

describeIf(missingCommand("rsync"))("local read-back", () => {
  test("after a real rsync run, the destination's store lists and opens what was copied", async () => {
    const t = await authedApp();
    const src = join(tempDir(), "docs");
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 251);
    writeTree(src, { "a.txt": "hello", "sub/b.txt": "world!", "big.bin": big });
    const mount = tempDir();
    const created = await t.api("POST", "/api/jobs", localJob([src], mount));
    expect(created.status).toBe(201);
    const started = await t.api("POST", `/api/jobs/${created.body.id}/run`);
    await t.services.engine.waitFor(started.body.run_id);
    expect((await t.api("GET", `/api/runs/${started.body.run_id}`)).body.status).toBe("completed");

    const config = localDestination.parseConfig(created.body.destination_config);
    const store = await localDestination.openStore!(config, null, { dataDir: t.ctx.config.dataDir, purpose: "sync" });
    const listed: string[] = [];
    for await (const e of store.list("docs", new AbortController().signal)) listed.push(e.path);
    expect(listed).toEqual(["docs/a.txt", "docs/big.bin", "docs/sub/b.txt"]);
    const read = async (path: string) => Buffer.concat(await Array.fromAsync(await store.open(path, new AbortController().signal)));
    expect((await read("docs/sub/b.txt")).toString()).toBe("world!");
    expect(Buffer.compare(await read("docs/big.bin"), Buffer.from(big))).toBe(0);
    await store.close();
  });
});
