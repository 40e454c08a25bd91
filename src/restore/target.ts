// Where a restored file goes on this host, and the folders on the way there. `original`: the job's
// source folder of the same basename; `{folder}`: `<folder>/<logical path>`. Every folder below
// the target root is created as a real folder; a symbolic link (or a file) in the way is refused,
// so a stored name can never lead the write outside the target.
import { lstat, mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { DestinationError } from "../destinations/contract.ts";
import { refusedAtRun } from "../system/host-paths.ts";
import { guardHostPath, type HostPathRules } from "../system/paths.ts";

export type ResolvedTarget = { kind: "original"; sources: string[] } | { kind: "folder"; folder: string };

export class TargetMap {
  private roots = new Map<string, string | null>();
  private madeDirs = new Set<string>();

  constructor(
    private readonly target: ResolvedTarget,
    private readonly rules: HostPathRules,
  ) {}

  /** The local root for a top folder of the destination (a source basename), checked once; null: none. */
  root(top: string): string | null {
    if (this.roots.has(top)) return this.roots.get(top)!;
    let root: string | null;
    if (this.target.kind === "original") root = this.target.sources.find((s) => basename(s) === top) ?? null;
    else {
      root = join(this.target.folder, top);
      // The same guard rails as a job's sources: inside the allowed folders, clear of the data folder.
      guardHostPath(root, "target", this.rules, { refuse: refusedAtRun, refuseAncestorOfData: true });
    }
    this.roots.set(top, root);
    return root;
  }

  /** The local path of a logical path, or null when no local folder takes its top folder. */
  local(logical: string): { root: string; path: string } | null {
    const slash = logical.indexOf("/");
    if (slash < 0) {
      // A file at the destination root (not in a source's folder): only a folder target takes it.
      return this.target.kind === "folder" ? { root: this.target.folder, path: join(this.target.folder, logical) } : null;
    }
    const root = this.root(logical.slice(0, slash));
    if (root === null) return null;
    return { root, path: join(root, logical.slice(slash + 1)) };
  }

  /** mkdir -p of `dir` (inside `root`), refusing a symbolic link or a file on the way. */
  async ensureDir(root: string, dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(root, { recursive: true });
    const rest = dir === root ? [] : dir.slice(root.length + 1).split("/");
    let at = root;
    for (const seg of rest) {
      at = join(at, seg);
      if (this.madeDirs.has(at)) continue;
      const st = await lstat(at).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return null;
        throw err;
      });
      if (st === null)
        await mkdir(at).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "EEXIST") throw err;
        });
      else if (!st.isDirectory()) throw new DestinationError("failed", `${at} is ${st.isSymbolicLink() ? "a symbolic link" : "a file"}, not a folder: nothing restored below it`);
      this.madeDirs.add(at);
    }
    this.madeDirs.add(dir);
  }
}
