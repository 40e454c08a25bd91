// What restore and browse read from a store beyond the listing.
import type { RemoteEntry, RemoteStore } from "../destinations/contract.ts";
import type { UploadRecord } from "./queries.ts";

/**
 * The source mtime the store keeps for one file (ms), or null: from the listing, else stat()
 * (S3 metadata), else the upload record when the object is still the one we uploaded (WebDAV,
 * which keeps none).
 */
export async function storedMtime(record: UploadRecord, store: RemoteStore, entry: RemoteEntry, signal: AbortSignal): Promise<number | null> {
  if (entry.mtime !== null) return entry.mtime;
  if (store.capabilities.mtime === "stat" && store.stat) {
    const st = await store.stat(entry.path, signal);
    if (st?.mtime != null) return st.mtime;
  }
  const rec = record.get(store.key, entry.path);
  if (!rec || rec.mtime === null || rec.size !== entry.size) return null;
  const sameObject = (rec.remoteId !== null && entry.id != null && rec.remoteId === entry.id) || (rec.serverTime !== null && entry.serverTime != null && rec.serverTime === entry.serverTime);
  return sameObject ? rec.mtime : null;
}
