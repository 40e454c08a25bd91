// One stored file as an HTTP download: streamed from store.open() with backpressure (the next
// chunk is read only when the client has taken the last one), so memory stays flat whatever the
// size. The drive stays mounted and the store open until the stream ends or the client goes.
import type { Readable } from "node:stream";
import type { RemoteEntry } from "../destinations/contract.ts";
import { notFound } from "../http/errors.ts";
import { type JobAccess, quietReporter, type StoreEnvDeps, withJobStore } from "../read-back/access.ts";

export interface Download {
  stream: ReadableStream<Uint8Array>;
  size: number | null;
  name: string;
}

/** `attachment` with an ASCII fallback name and the exact one as RFC 5987 UTF-8 (RFC 6266). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%/]/g, "_").trim() || "download";
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export function openDownload(deps: StoreEnvDeps & { warn: (m: string) => void }, access: JobAccess, path: string, signal: AbortSignal): Promise<Download> {
  return new Promise<Download>((resolve, reject) => {
    let handed = false;
    const work = withJobStore(deps, access, quietReporter(deps.warn), async (store) => {
      const entry: RemoteEntry | null = store.stat ? await store.stat(path, signal) : null;
      if (store.stat && !entry) throw notFound(`'${path}' is not a file in the destination`);
      const input = await store.open(path, signal);
      const ended = new Promise<void>((done) => input.once("close", done));
      resolve({ stream: pullStream(input), size: entry?.size ?? null, name: path.slice(path.lastIndexOf("/") + 1) });
      handed = true;
      // The store and the drive are released once the stream is over, however it ends.
      await ended;
    });
    work.catch((err) => {
      if (!handed) reject(err);
      else deps.warn(`download of '${path}' ended with an error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
}

/** A web stream that reads the node stream only on demand (pull), and destroys it on cancel. */
function pullStream(input: Readable): ReadableStream<Uint8Array> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await it.next();
          if (done) controller.close();
          else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        } catch (err) {
          controller.error(err);
        }
      },
      cancel() {
        input.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
