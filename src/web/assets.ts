// Every file the pages load, embedded in the binary (`with { type: "file" }` gives a path that
// is real on disk in development and inside /$bunfs/ when compiled). Served from this explicit
// map, never from a folder, so nothing on disk beside the binary is needed or exposed.

import { readFileSync } from "node:fs";
import htmxJs from "htmx.org/dist/htmx.min.js" with { type: "file" };
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import appCss from "../../public/css/app.css" with { type: "file" };
import favicon from "../../public/favicon.svg" with { type: "file" };
import appJs from "../../public/js/app.js" with { type: "file" };
import formsJs from "../../public/js/forms.js" with { type: "file" };
import liveJs from "../../public/js/live.js" with { type: "file" };
import runLogsJs from "../../public/js/run-logs.js" with { type: "file" };

const FILES: Record<string, { path: string; type: string }> = {
  "htmx.min.js": { path: htmxJs, type: "text/javascript; charset=utf-8" },
  "app.css": { path: appCss, type: "text/css; charset=utf-8" },
  "app.js": { path: appJs, type: "text/javascript; charset=utf-8" },
  "live.js": { path: liveJs, type: "text/javascript; charset=utf-8" },
  "forms.js": { path: formsJs, type: "text/javascript; charset=utf-8" },
  "run-logs.js": { path: runLogsJs, type: "text/javascript; charset=utf-8" },
  "favicon.svg": { path: favicon, type: "image/svg+xml" },
  "swagger-ui.css": { path: swaggerCss, type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { path: swaggerJs, type: "text/javascript; charset=utf-8" },
};

export type AssetName = keyof typeof FILES;

interface Loaded {
  bytes: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

const cache = new Map<string, Loaded>();

function load(name: string): Loaded | undefined {
  let hit = cache.get(name);
  if (hit) return hit;
  const file = FILES[name];
  if (!file) return undefined;
  const bytes = new Uint8Array(readFileSync(file.path));
  const etag = new Bun.CryptoHasher("sha1").update(bytes).digest("hex").slice(0, 12);
  hit = { bytes, type: file.type, etag };
  cache.set(name, hit);
  return hit;
}

/** The URL of an embedded asset, versioned by content so it can be cached for a year. */
export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${load(name)!.etag}`;
}

export function assetNames(): string[] {
  return Object.keys(FILES);
}

/** Answers GET /assets/:name from memory; a conditional request gets 304. */
export function serveAsset(name: string, ifNoneMatch: string | null): Response | undefined {
  const asset = load(name);
  if (!asset) return undefined;
  const headers = {
    "content-type": asset.type,
    etag: `"${asset.etag}"`,
    "cache-control": "public, max-age=31536000, immutable",
  };
  if (ifNoneMatch === `"${asset.etag}"`) return new Response(null, { status: 304, headers });
  return new Response(asset.bytes as Uint8Array<ArrayBuffer>, { headers });
}
