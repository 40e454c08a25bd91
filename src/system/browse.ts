// The folder browser behind the job editor's picker, and mkdir. Confined by paths.ts.
import { existsSync, lstatSync, mkdirSync, readdirSync, type Stats, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { badRequest, conflict, forbidden, notFound } from "../http/errors.ts";
import { confine, isAllowed, resolveReal } from "./paths.ts";

export interface BrowseEntry {
  name: string;
  path: string;
  is_dir: boolean;
  size: number | null;
  modified: string | null;
  is_symlink: boolean;
  /** false for a symbolic link whose target lies outside the allowed paths (or is broken). */
  browsable: boolean;
}

export interface BrowseResult {
  path: string;
  parent: string | null;
  entries: BrowseEntry[];
  /** true when the folder held more than MAX_ENTRIES entries and the rest were left out. */
  truncated: boolean;
}

export const MAX_ENTRIES = 5000;

function fsError(path: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") throw notFound(`Folder not found: ${path}`);
  if (code === "ENOTDIR") throw badRequest(`Not a folder: ${path}`);
  if (code === "EACCES" || code === "EPERM") throw forbidden(`Permission denied: ${path}`);
  throw err;
}

/** The first allowed path that exists, or 404 when none does. */
export function defaultPath(roots: string[]): string {
  for (const root of roots) if (existsSync(root)) return root;
  throw notFound(`None of the allowed paths exists (${roots.join(", ")})`);
}

function entryOf(dir: string, name: string, roots: string[]): BrowseEntry {
  const path = join(dir, name);
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch {
    return { name, path, is_dir: false, size: null, modified: null, is_symlink: false, browsable: false };
  }
  const isLink = link.isSymbolicLink();
  let target: Stats = link;
  let inside = true;
  if (isLink) {
    try {
      target = statSync(path);
      inside = isAllowed(resolveReal(path), roots);
    } catch {
      return { name, path, is_dir: false, size: null, modified: link.mtime.toISOString(), is_symlink: true, browsable: false };
    }
  }
  const isDir = target.isDirectory();
  return {
    name,
    path,
    is_dir: isDir,
    size: isDir ? null : target.size,
    modified: target.mtime.toISOString(),
    is_symlink: isLink,
    browsable: isDir && inside,
  };
}

/**
 * Lists a folder: folders first, then files, each by name. Hidden entries are included unless
 * `hidden` is false (backups often want dot-folders such as .config).
 */
export function browse(input: string | undefined, roots: string[], opts: { hidden?: boolean } = {}): BrowseResult {
  const real = confine(input ?? defaultPath(roots), roots);
  let stat: Stats;
  try {
    stat = statSync(real);
  } catch (err) {
    fsError(input ?? real, err);
  }
  if (!stat.isDirectory()) throw badRequest(`Not a folder: ${input ?? real}`);
  let names: string[];
  try {
    names = readdirSync(real);
  } catch (err) {
    fsError(real, err);
  }
  if (opts.hidden === false) names = names.filter((n) => !n.startsWith("."));
  const truncated = names.length > MAX_ENTRIES;
  const entries = names
    .map((n) => entryOf(real, n, roots))
    .sort((a, b) => (a.is_dir !== b.is_dir ? (a.is_dir ? -1 : 1) : a.name.localeCompare(b.name, "en", { sensitivity: "base" }) || (a.name < b.name ? -1 : 1)))
    .slice(0, MAX_ENTRIES);
  const up = dirname(real);
  const parent = up !== real && isAllowed(up, roots) ? up : null;
  return { path: real, parent, entries, truncated };
}

/** Creates a folder (and missing parents) inside the allowed paths; 409 when it already exists. */
export function makeDirectory(input: unknown, roots: string[]): string {
  const real = confine(input, roots, { allowRoot: false });
  if (existsSync(real)) throw conflict(`Already exists: ${real}`);
  try {
    mkdirSync(real, { recursive: true, mode: 0o755 });
  } catch (err) {
    fsError(real, err);
  }
  return real;
}
