// The browse page's file manager: search by name, download, delete, folder sizes. Every path is
// confined to ALLOWED_BROWSE_PATHS after resolving symlinks (paths.ts), walks never follow
// symbolic links, and searches and size sums are bounded in results and time, so a huge tree
// costs a bounded answer (marked truncated), never an unbounded request.
import { lstatSync, statSync } from "node:fs";
import { lstat, readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { badRequest, forbidden, notFound } from "../http/errors.ts";
import { checkPathText, confine, isInside, realDataDir, resolvedRoots, resolveReal } from "./paths.ts";

export const SEARCH_MAX_RESULTS = 200;
export const SEARCH_MAX_MS = 5000;
export const SIZES_MAX_MS = 10_000;
/** Entries looked at per request, whatever the clock says. */
export const MAX_VISITED = 200_000;

export interface FoundEntry {
  name: string;
  path: string;
  is_dir: boolean;
  is_symlink: boolean;
  size: number | null;
  modified: string | null;
}

function fsError(path: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") throw notFound(`Not found: ${path}`);
  if (code === "ENOTDIR") throw badRequest(`Not a folder: ${path}`);
  if (code === "EACCES" || code === "EPERM") throw forbidden(`Permission denied: ${path}`);
  throw err;
}

function confinedDir(input: string | undefined, roots: string[]): string {
  const real = confine(input, roots);
  try {
    if (!statSync(real).isDirectory()) throw badRequest(`Not a folder: ${input}`);
  } catch (err) {
    if (err instanceof Error && "status" in err) throw err;
    fsError(String(input), err);
  }
  return real;
}

/** Names under `path` containing `q` (case-insensitive), breadth first, without following links. */
export async function searchFiles(input: string | undefined, q: string, roots: string[], limits = { results: SEARCH_MAX_RESULTS, ms: SEARCH_MAX_MS }) {
  const needle = q.trim().toLowerCase();
  if (needle === "") throw badRequest("Query parameter 'q' must not be empty");
  const root = confinedDir(input, roots);
  const deadline = Date.now() + limits.ms;
  const results: FoundEntry[] = [];
  const queue = [root];
  let visited = 0;
  let truncated = false;
  let timedOut = false;
  walk: while (queue.length) {
    const dir = queue.shift()!;
    let dirents: import("node:fs").Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable folders are skipped, as find(1) does
    }
    for (const d of dirents) {
      if (++visited > MAX_VISITED) {
        truncated = true;
        break walk;
      }
      if (Date.now() > deadline) {
        timedOut = true;
        truncated = true;
        break walk;
      }
      const path = join(dir, d.name);
      if (d.isDirectory()) queue.push(path);
      if (!d.name.toLowerCase().includes(needle)) continue;
      if (results.length >= limits.results) {
        truncated = true;
        break walk;
      }
      let size: number | null = null;
      let modified: string | null = null;
      try {
        const s = lstatSync(path);
        size = d.isFile() ? s.size : null;
        modified = s.mtime.toISOString();
      } catch {}
      results.push({ name: d.name, path, is_dir: d.isDirectory(), is_symlink: d.isSymbolicLink(), size, modified });
    }
  }
  return { path: root, query: q, results, truncated, timed_out: timedOut };
}

/** A regular file inside the allowed paths, for streaming. */
export function downloadTarget(input: unknown, roots: string[]): { path: string; name: string; size: number } {
  const real = confine(input, roots);
  let s: import("node:fs").Stats;
  try {
    s = statSync(real);
  } catch (err) {
    fsError(String(input), err);
  }
  if (!s.isFile()) throw badRequest(`Not a file: ${input} (folders cannot be downloaded)`);
  return { path: real, name: basename(real), size: s.size };
}

/**
 * Deletes a file, a symbolic link (the link, not its target) or a folder with its contents. The
 * location is the real path of the parent plus the name, so a link is removed as a link. Never an
 * allowed root itself, never the data folder, anything inside it, or a folder containing it.
 */
export async function deleteEntry(input: unknown, roots: string[], dataDir: string): Promise<{ path: string; was_dir: boolean }> {
  const text = checkPathText(input).replace(/(.)\/+$/, "$1");
  const name = basename(text);
  if (name === "" || name === "." || name === "..") throw badRequest(`Cannot delete "${text}": name a file or folder`);
  const parent = resolveReal(dirname(text));
  const target = join(parent, name);
  const resolved = resolvedRoots(roots);
  if (!resolved.some((r) => isInside(target, r))) throw forbidden(`Path "${text}" is outside the allowed paths (${roots.join(", ") || "none configured"})`);
  if (resolved.includes(target)) throw forbidden(`"${target}" is an allowed path itself and cannot be deleted`);
  const data = realDataDir(dataDir);
  let st: import("node:fs").Stats;
  try {
    st = lstatSync(target);
  } catch (err) {
    fsError(text, err);
  }
  // Through a link or not: the real location of what would go must not touch the data folder.
  const real = st.isSymbolicLink() ? target : resolveReal(target);
  if (isInside(real, data) || isInside(data, real)) throw forbidden(`"${text}" is or contains Dynamight's data folder and cannot be deleted`);
  try {
    await rm(target, { recursive: st.isDirectory(), force: false });
  } catch (err) {
    fsError(text, err);
  }
  return { path: target, was_dir: st.isDirectory() };
}

interface Budget {
  deadline: number;
  visited: number;
}

async function sizeOf(dir: string, budget: Budget): Promise<{ bytes: number; files: number; complete: boolean }> {
  let bytes = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (++budget.visited > MAX_VISITED || Date.now() > budget.deadline) return { bytes, files, complete: false };
      try {
        const s = await lstat(join(d, n));
        if (s.isDirectory()) stack.push(join(d, n));
        else {
          bytes += s.size;
          files++;
        }
      } catch {}
    }
  }
  return { bytes, files, complete: true };
}

/** Sizes of the folders directly in `path` (on request: a du over each, within one time budget). */
export async function dirSizes(input: string | undefined, roots: string[], ms = SIZES_MAX_MS) {
  const root = confinedDir(input, roots);
  let dirents: import("node:fs").Dirent[];
  try {
    dirents = await readdir(root, { withFileTypes: true });
  } catch (err) {
    fsError(root, err);
  }
  const budget: Budget = { deadline: Date.now() + ms, visited: 0 };
  const folders: { name: string; path: string; bytes: number; files: number; complete: boolean }[] = [];
  for (const d of dirents.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(root, d.name);
    folders.push({ name: d.name, path, ...(await sizeOf(path, budget)) });
  }
  return { path: root, folders, complete: folders.every((f) => f.complete) };
}
