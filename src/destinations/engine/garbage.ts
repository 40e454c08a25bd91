// Every request to a store leaves native memory behind (fetch's Request/Response and socket
// buffers, ssh2's packets) that JavaScriptCore does not count towards its own heap, so it sees no
// reason to collect: a sync of 100,000 one-byte files to S3 grew from 50 to 165 MB of RSS with a
// JavaScript heap of ~25 MB, and 100,000 bare signed PUTs on their own from 47 to 114 MB
// (issue 17, scripts/bench-scale). A full collection every CALLS_PER_COLLECTION calls, counted
// over the whole process (the garbage is the process's, however many runs made it), keeps that
// flat: the same PUTs peaked at 53 MB with one every 1,000 calls and 49 MB every 250, for no
// measurable time (a collection of this heap takes a few ms; 1,000 calls take about a second).
//
// Comparing without requests (a no-change sync from the record) makes JavaScript garbage only, but
// fast (100,000 files in 0.7 s), and JavaScriptCore grew its heap rather than collect: RSS peaked
// at 174 MB for 100,000 files and grew with the tree. A young collection every
// FILES_PER_YOUNG_COLLECTION files and a full one every FILES_PER_FULL_COLLECTION hold it flat
// (300,000 files: 159 MB with young ones alone, 95 MB with a full one every 25,000 as well,
// 108 MB with full ones alone every 10,000; no measurable time in any: 1.7 s either way).
import type { RemoteStore } from "../contract.ts";

export const CALLS_PER_COLLECTION = 1000;

/** The store methods that each make at least one request. list() is paged by the store itself. */
const COUNTED = new Set<PropertyKey>(["put", "open", "stat", "move", "remove", "removeMany", "removeDir"]);

export const FILES_PER_YOUNG_COLLECTION = 2000;
/** A multiple of FILES_PER_YOUNG_COLLECTION: every 12th collection is a full one. */
export const FILES_PER_FULL_COLLECTION = 24_000;

let calls = 0;
let compared = 0;
const made = { afterCalls: 0, afterFiles: 0 };

/** How many collections this process made for each reason (tests, diagnostics). */
export function collectionsMade(): Readonly<typeof made> {
  return { ...made };
}

/** One more request made; collects the garbage every CALLS_PER_COLLECTION. */
export function noteCall() {
  if (++calls < CALLS_PER_COLLECTION) return;
  calls = 0;
  made.afterCalls++;
  Bun.gc(true);
}

/** One more file compared (local walk against the record or listing). */
export function noteCompared() {
  if (++compared % FILES_PER_YOUNG_COLLECTION !== 0) return;
  made.afterFiles++;
  Bun.gc(compared % FILES_PER_FULL_COLLECTION === 0);
}

/** `store` with every request counted by noteCall (remoteDestination opens every store through it). */
export function collectingGarbage(store: RemoteStore): RemoteStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || !COUNTED.has(prop)) return value;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return out.finally(noteCall);
      };
    },
  });
}
