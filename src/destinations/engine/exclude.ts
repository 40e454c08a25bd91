// rsync's exclude-pattern rules (rsync(1) "INCLUDE/EXCLUDE PATTERN RULES", exclude.c
// rule_matches and wildmatch.c), so a remote job excludes exactly what the local rsync job does
// with `rsync -a --exclude=P src/ dest/`. Paths are relative to the source folder.
//  - leading "/": anchored at the source folder; otherwise matched against the end of the path
//  - trailing "/": matches directories only; "dir/***" matches dir and everything inside
//  - no "/" (other than a trailing one) and no "**": matched against the last component only
//  - "*" and "?" stop at "/", "**" crosses it, "[..]" is a class ("!" or "^" negates, [:alpha:]),
//    "\" escapes in a wildcard pattern and is literal in a pattern without wildcards; a leading
//    "**/" may match no folder, an inner "/**/" at least one
//  - an unanchored pattern with an inner "/" and no "**" matches the last N+1 components;
//    one with an inner or trailing "**" (not leading) may start after any "/"
// An excluded directory hides everything inside it, as rsync does not descend into it.
// Include rules ("+ ") are not supported: jobs only carry exclude patterns.

interface Rule {
  re: RegExp;
  dirOnly: boolean;
  /** 0: whole name; n > 0: last n components; -1: from the start or after any "/"; "base": last component */
  where: number | "base";
}

export class ExcludeMatcher {
  private rules: Rule[];
  constructor(patterns: string[]) {
    this.rules = patterns.filter((p) => p.trim() !== "").flatMap(compile);
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Whether this one entry matches a rule (ancestors not considered). */
  matches(path: string, isDir: boolean): boolean {
    for (const r of this.rules) {
      if (r.dirOnly && !isDir) continue;
      if (test(r, path)) return true;
    }
    return false;
  }

  /** Whether a file at `path` is excluded, itself or through one of its folders. */
  excludesFile(path: string): boolean {
    if (this.rules.length === 0) return false;
    let i = path.indexOf("/");
    while (i !== -1) {
      if (this.matches(path.slice(0, i), true)) return true;
      i = path.indexOf("/", i + 1);
    }
    return this.matches(path, false);
  }
}

function test(r: Rule, path: string): boolean {
  if (r.where === "base") return r.re.test(path.slice(path.lastIndexOf("/") + 1));
  if (r.where === 0 || r.where === -1) return r.re.test(path);
  // rsync's trailing_N_elements: the last n components, or the whole path when it has fewer.
  return r.re.test(path.split("/").slice(-r.where).join("/"));
}

function compile(pattern: string): Rule[] {
  let p = pattern;
  // "dir/***" = the folder itself plus everything below it.
  if (p.endsWith("/***") && p.length > 4) return [...compile(p.slice(0, -3)), ...compile(p.slice(0, -1))];
  let dirOnly = false;
  if (p.length > 1 && p.endsWith("/")) {
    dirOnly = true;
    p = p.replace(/\/+$/, "");
  }
  const anchored = p.startsWith("/");
  if (anchored) p = p.slice(1);
  const wild = /[*?[]/.test(p);
  const wild2 = wild && p.includes("**");
  const slashes = (p.match(/\//g) ?? []).length + (anchored ? 1 : 0);
  let where: Rule["where"];
  if (!slashes && !wild2) where = "base";
  else if (anchored) where = 0;
  else if (!wild2) where = slashes + 1;
  else if (!p.startsWith("**")) where = -1;
  else where = 0;
  const body = wild ? wildToRegex(p) : escapeRe(p);
  const re = new RegExp(where === -1 ? `^(?:.*/)?${body}$` : `^${body}$`, "su");
  return [{ re, dirOnly, where }];
}

const CLASSES: Record<string, string> = {
  alnum: "\\p{L}\\p{N}",
  alpha: "\\p{L}",
  blank: " \\t",
  cntrl: "\\p{Cc}",
  digit: "0-9",
  graph: "\\x21-\\x7e",
  lower: "\\p{Ll}",
  print: "\\x20-\\x7e",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\s",
  upper: "\\p{Lu}",
  xdigit: "0-9A-Fa-f",
};

function wildToRegex(p: string): string {
  let out = "";
  let i = 0;
  // A leading "**/" also matches no folder at all (rsync excludes top-level "build" for "**/build");
  // an inner "/**/" needs at least one.
  if (p.startsWith("**/")) {
    out = "(?:.*/)?";
    i = 3;
  }
  for (; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\" && i + 1 < p.length) {
      out += escapeRe(p[++i]!);
    } else if (c === "*") {
      let j = i;
      while (p[j + 1] === "*") j++;
      out += j > i ? ".*" : "[^/]*";
      i = j;
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const cls = parseClass(p, i);
      if (cls) {
        out += cls.re;
        i = cls.end;
      } else out += "\\[";
    } else out += escapeRe(c);
  }
  return out;
}

/** A bracket expression starting at p[i] === "[", or null when it is not closed (then "[" is literal). */
function parseClass(p: string, i: number): { re: string; end: number } | null {
  let j = i + 1;
  let negate = false;
  if (p[j] === "!" || p[j] === "^") {
    negate = true;
    j++;
  }
  let body = "";
  let first = true;
  for (; j < p.length; j++) {
    const c = p[j]!;
    if (c === "]" && !first) return { re: negate ? `[^/${body}]` : `(?!/)[${body}]`, end: j };
    first = false;
    if (c === "[" && p[j + 1] === ":") {
      const close = p.indexOf(":]", j + 2);
      const name = close > 0 ? p.slice(j + 2, close) : "";
      if (CLASSES[name]) {
        body += CLASSES[name];
        j = close + 1;
        continue;
      }
    }
    if (c === "\\" && j + 1 < p.length) body += escapeClass(p[++j]!);
    else if (c === "-" && body !== "" && p[j + 1] !== "]") body += "-";
    else body += escapeClass(c);
  }
  return null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function escapeClass(c: string): string {
  return /[\]\\^\-[/]/.test(c) ? `\\${c}` : c;
}
