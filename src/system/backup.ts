// GET /api/system/backup: a consistent copy of the database, streamed.
// `VACUUM INTO` writes a transaction-consistent, compacted copy (WAL folded in) to a temp file
// in the data folder (same filesystem, same permissions as the database). The file is opened
// and unlinked at once: the stream reads from the open descriptor, and the space is freed when
// the download ends or is abandoned, so no copy of the database is ever left behind.
import { randomBytes } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { Elysia } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/client.ts";
import { forbidden } from "../http/errors.ts";

const CHUNK = 256 * 1024;

/** Writes a consistent copy of the database to `path` (which must not exist). */
export function vacuumInto(db: Db, path: string) {
  db.$client.run("VACUUM INTO ?", [path]);
}

export function backupFilename(now = new Date()): string {
  // 2026-01-05T02:00:00.123Z -> 2026-01-05T020000Z: no colons, which some filesystems refuse.
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "");
  return `dynamight-backup-${stamp}.db`;
}

/** Makes the copy and returns a stream of it; the temp file is already gone from the folder. */
export async function backupStream(db: Db, dataDir: string): Promise<{ stream: ReadableStream<Uint8Array>; size: number }> {
  const tmp = join(dataDir, `.backup-${randomBytes(8).toString("hex")}.db.tmp`);
  try {
    vacuumInto(db, tmp);
    const fh = await open(tmp, "r");
    await rm(tmp, { force: true });
    const size = (await fh.stat()).size;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await fh.close();
    };
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const buf = new Uint8Array(CHUNK);
          const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
          if (bytesRead === 0) {
            await close();
            controller.close();
            return;
          }
          controller.enqueue(buf.subarray(0, bytesRead));
        } catch (err) {
          await close();
          controller.error(err);
        }
      },
      cancel: close,
    });
    return { stream, size };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function backupRoutes(ctx: AppContext) {
  return new Elysia({ name: "system-backup", prefix: "/api/system" }).use(authPlugin(ctx)).get(
    "/backup",
    async ({ principal }) => {
      // The copy holds password hashes and sealed secrets: a read-only monitoring key may not take it.
      if (principal.via === "api_key" && principal.scope !== "write") throw forbidden("Downloading the database needs a session or a write-scoped API key");
      const { stream, size } = await backupStream(ctx.db, ctx.config.dataDir);
      ctx.logger.info("database backup downloaded", { user: principal.user.username, bytes: size });
      return new Response(stream, {
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(size),
          "content-disposition": `attachment; filename="${backupFilename()}"`,
          "cache-control": "no-store",
        },
      });
    },
    {
      auth: true,
      detail: {
        tags: ["System"],
        summary: "Download a consistent copy of the database",
        description:
          "SQLite file made with VACUUM INTO. Credentials and TOTP secrets in it stay sealed with the data folder's key file, which is not included: keep that file too. Needs a session or a write-scoped API key.",
        responses: { 200: { description: "the database file", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } } },
      },
    },
  );
}
