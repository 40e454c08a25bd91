// Confinement of user-given paths to ALLOWED_BROWSE_PATHS. Every path the System API touches
// (browse, mkdir, mount points, unmount) goes through `confine`, and the caller then works on the
// path it returns: the real path, after `..` and symlinks, never the text the client sent.
// Job paths (sources, the local destination) go through `guardHostPath`, the same resolution
// with the guard rails of the contract: inside the roots, never Dynamight's data folder.
import { lstatSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { HostPathRules, Refuse } from "../destinations/contract.ts";
import { badRequest, forbidden, named } from "../http/errors.ts";

export type { HostPathRules, Refuse };

export const MAX_PATH_LENGTH = 4096;

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The text checks done before touching the disk: a string, absolute, no NUL, not absurdly long. */
export function checkPathText(input: unknown, what = "Path", refuse: Refuse = forbidden): string {
  if (typeof input !== "string" || input === "") throw refuse(`${what} must be an absolute path inside the allowed paths`);
  if (input.includes("\0")) throw refuse(`${what} must not contain a NUL character`);
  if (input.length > MAX_PATH_LENGTH) throw refuse(`${what} is longer than ${MAX_PATH_LENGTH} characters`);
  if (!input.startsWith("/")) throw refuse(`${what} must be an absolute path (starting with /), got "${input}"`);
  return input;
}

/**
 * The real location of `path`: realpath when it exists (so `..` after a symlink means what the
 * kernel means); for a path not created yet, the realpath of its nearest existing ancestor plus
 * the remaining names. An ancestor that exists but cannot be resolved (a dangling symlink, a
 * loop) is refused: creating through it could land anywhere.
 */
export function resolveReal(path: string, refuse: Refuse = forbidden): string {
  try {
    return realpathSync(path);
  } catch (err) {
    if (errCode(err) !== "ENOENT") throw refusedFs(path, err, refuse);
  }
  let head = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      lstatSync(head);
    } catch (err) {
      if (errCode(err) === "ENOENT" && head !== "/") {
        rest.unshift(basename(head));
        head = dirname(head);
        continue;
      }
      throw refusedFs(path, err, refuse);
    }
    try {
      return join(realpathSync(head), ...rest);
    } catch (err) {
      throw refusedFs(path, err, refuse);
    }
  }
}

function refusedFs(path: string, err: unknown, refuse: Refuse) {
  const code = errCode(err);
  if (code === "ENOENT") return refuse(`"${path}" goes through a broken symbolic link`);
  if (code === "ELOOP") return refuse(`"${path}" goes through a loop of symbolic links`);
  if (code === "EACCES" || code === "EPERM") return refuse(`Permission denied on "${path}"`);
  if (code === "ENOTDIR") return refuse(`"${path}" goes through something that is not a folder`);
  return refuse(`"${path}" cannot be resolved (${code ?? "error"})`);
}

export function isInside(path: string, root: string): boolean {
  if (root === "/") return path.startsWith("/");
  return path === root || path.startsWith(root + "/");
}

/** The allowed roots, themselves resolved (so /home -> /data/home still matches). */
export function resolvedRoots(roots: string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    try {
      out.push(resolveReal(root));
    } catch {
      // A root that cannot be resolved (dangling link) confines nothing.
    }
  }
  return out;
}

export interface ConfineOptions {
  /** Whether an allowed root itself is acceptable (browse: yes; a mount point: no, it would hide the root). */
  allowRoot?: boolean;
  what?: string;
}

/** Validates and resolves `input`; answers 403 unless the real path lies inside an allowed root. */
export function confine(input: unknown, roots: string[], opts: ConfineOptions = {}): string {
  const what = opts.what ?? "Path";
  const text = checkPathText(input, what);
  const real = resolveReal(text);
  const resolved = resolvedRoots(roots);
  const root = resolved.find((r) => isInside(real, r));
  if (!root) throw forbidden(`${what} "${text}" is outside the allowed paths (${roots.join(", ") || "none configured"})`);
  if (opts.allowRoot === false && resolved.includes(real)) {
    throw forbidden(`${what} must be a folder inside one of the allowed paths, not the allowed path "${real}" itself`);
  }
  return real;
}

/** Whether a real path may be entered (browse) or reported as a parent. */
export function isAllowed(real: string, roots: string[]): boolean {
  return resolvedRoots(roots).some((r) => isInside(real, r));
}

export interface GuardOptions {
  /** Also refuse a folder that contains the data folder (sources: copying /home would copy the key). */
  refuseAncestorOfData?: boolean;
  /** Who the message blames; default `Field '<field>'`. */
  subject?: string;
  /** 400 (save time, the default) or the run's DestinationError (run time): same words either way. */
  refuse?: Refuse;
}

/** The data folder's real path (it exists once the server runs; otherwise its nearest ancestor). */
export function realDataDir(dataDir: string): string {
  try {
    return resolveReal(resolve(dataDir));
  } catch {
    return resolve(dataDir);
  }
}

/**
 * The guard rail for a path a job reads or writes on this host (SPEC "Guard rails that become
 * contract"): resolved like `confine` (symlinks, `..`, nearest existing ancestor), it must lie
 * inside ALLOWED_BROWSE_PATHS and must not be Dynamight's data folder or inside it (the secret
 * key, the database). Returns the real path; the message names the field.
 */
export function guardHostPath(input: unknown, field: string, rules: HostPathRules, opts: GuardOptions = {}): string {
  // Every refusal names `field` (the message says it too), for code that marks or nests it.
  const refuse = (message: string) => named((opts.refuse ?? badRequest)(message), field);
  const subject = opts.subject ?? `Field '${field}'`;
  const text = checkPathText(input, subject, refuse);
  const real = resolveReal(text, (m) => refuse(`${subject} cannot be used: ${m}`));
  const allowed = rules.allowedBrowsePaths;
  if (!resolvedRoots(allowed).some((r) => isInside(real, r))) {
    throw refuse(`${subject} must be inside the allowed folders (${allowed.join(", ") || "none configured"})`);
  }
  const data = realDataDir(rules.dataDir);
  if (isInside(real, data)) throw refuse(`${subject} must not be Dynamight's data folder or inside it (${data})`);
  if (opts.refuseAncestorOfData && isInside(data, real)) {
    throw refuse(`${subject} must not contain Dynamight's data folder (${data}): it holds the secret key and the database`);
  }
  return real;
}
