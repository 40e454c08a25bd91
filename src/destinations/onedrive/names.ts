// Names OneDrive refuses, written the way rclone writes them with its default OneDrive encoding
// (`--onedrive-encoding` default: Slash,LtGt,DoubleQuote,Colon,Question,Asterisk,Pipe,BackSlash,
// Del,Ctl,LeftSpace,LeftTilde,RightSpace,RightPeriod,InvalidUtf8,Dot), so `rclone ls` of the same
// drive shows the original names and a file put there by rclone lists here under its own name.
//
// The substitutes (rclone lib/encoder): `/ < > " : ? * | \` become their FULLWIDTH forms (+U+FEE0),
// DEL becomes ␡, control characters U+0001..U+001F become ␁..␟ (U+2400 + c), a leading space or a
// trailing space becomes ␠, a leading ~ becomes ～, a trailing "." becomes ．, and the names "." and
// ".." become ．and ．．. A substitute character that was really in the name is kept apart by a
// quote, ‛ (U+201B), before it; a ‛ or ␀ in the name is quoted the same way. Decoding undoes exactly
// this. (InvalidUtf8 cannot arise: our names are JavaScript strings read from the file system.)

const QUOTE = "\u201b";
const FULL = 0xfee0;
const SYMBOL = 0x2400; // ␀, the first of the "SYMBOL FOR" control pictures
const SP = "\u2420"; // ␠
const FULL_DOT = "\uff0e"; // ．
const FULL_TILDE = "\uff5e"; // ～
const DEL_SYM = "\u2421"; // ␡

/** The ASCII characters replaced anywhere in a name by their FULLWIDTH forms. */
const WIDE = new Set(["/", "<", ">", '"', ":", "?", "*", "|", "\\"]);
const WIDE_FORMS = new Set([...WIDE].map((c) => String.fromCharCode(c.charCodeAt(0) + FULL)));

function isCtlSymbol(c: number): boolean {
  return c > SYMBOL && c <= SYMBOL + 0x1f;
}

/** One name (no "/" separators) as OneDrive will store it. */
export function encodeName(name: string): string {
  if (name === "") return "";
  switch (name) {
    case ".":
      return FULL_DOT;
    case "..":
      return FULL_DOT + FULL_DOT;
    case FULL_DOT:
      return QUOTE + FULL_DOT;
    case FULL_DOT + FULL_DOT:
      return QUOTE + FULL_DOT + QUOTE + FULL_DOT;
  }
  let prefix = "";
  let suffix = "";
  let s = name;
  if (s.startsWith(" ")) [prefix, s] = [SP, s.slice(1)];
  else if (s.startsWith(SP)) [prefix, s] = [QUOTE + SP, s.slice(1)];
  else if (s.startsWith("~")) [prefix, s] = [FULL_TILDE, s.slice(1)];
  else if (s.startsWith(FULL_TILDE)) [prefix, s] = [QUOTE + FULL_TILDE, s.slice(1)];
  if (s !== "") {
    if (s.endsWith(" ")) [suffix, s] = [SP, s.slice(0, -1)];
    else if (s.endsWith(SP)) [suffix, s] = [QUOTE + SP, s.slice(0, -1)];
    else if (s.endsWith(".")) [suffix, s] = [FULL_DOT, s.slice(0, -1)];
    else if (s.endsWith(FULL_DOT)) [suffix, s] = [QUOTE + FULL_DOT, s.slice(0, -1)];
  }
  let out = prefix;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === "\0") out += "\u2400";
    else if (ch === "\u2400" || ch === QUOTE) out += QUOTE + ch;
    else if (WIDE.has(ch)) out += String.fromCharCode(c + FULL);
    else if (WIDE_FORMS.has(ch)) out += QUOTE + ch;
    else if (c === 0x7f) out += DEL_SYM;
    else if (ch === DEL_SYM) out += QUOTE + ch;
    else if (c >= 1 && c <= 0x1f) out += String.fromCharCode(SYMBOL + c);
    else if (isCtlSymbol(c)) out += QUOTE + ch;
    else out += ch;
  }
  return out + suffix;
}

/** A name as OneDrive lists it, back to the original (the inverse of encodeName). */
export function decodeName(name: string): string {
  switch (name) {
    case FULL_DOT:
      return ".";
    case FULL_DOT + FULL_DOT:
      return "..";
    case QUOTE + FULL_DOT:
      return FULL_DOT;
    case QUOTE + FULL_DOT + QUOTE + FULL_DOT:
      return FULL_DOT + FULL_DOT;
  }
  let prefix = "";
  let suffix = "";
  let s = name;
  if (s.startsWith(SP)) [prefix, s] = [" ", s.slice(1)];
  else if (s.startsWith(FULL_TILDE)) [prefix, s] = ["~", s.slice(1)];
  else if (s.startsWith(QUOTE + SP)) [prefix, s] = [SP, s.slice(2)];
  else if (s.startsWith(QUOTE + FULL_TILDE)) [prefix, s] = [FULL_TILDE, s.slice(2)];
  if (s.endsWith(SP)) {
    s = s.slice(0, -1);
    if (s.endsWith(QUOTE)) [suffix, s] = [SP, s.slice(0, -1)];
    else suffix = " ";
  } else if (s.endsWith(FULL_DOT)) {
    s = s.slice(0, -1);
    if (s.endsWith(QUOTE)) [suffix, s] = [FULL_DOT, s.slice(0, -1)];
    else suffix = ".";
  }
  let out = prefix;
  let quoted = false;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    const wasQuoted = quoted;
    quoted = false;
    if (ch === "\u2400") out += wasQuoted ? ch : "\0";
    else if (ch === QUOTE) {
      if (wasQuoted) out += ch;
      else quoted = true;
    } else if (WIDE_FORMS.has(ch)) out += wasQuoted ? ch : String.fromCharCode(c - FULL);
    else if (ch === DEL_SYM) out += wasQuoted ? ch : "\x7f";
    else if (isCtlSymbol(c)) out += wasQuoted ? ch : String.fromCharCode(c - SYMBOL);
    else out += (wasQuoted ? QUOTE : "") + ch;
  }
  if (quoted) out += QUOTE;
  return out + suffix;
}

/** A "/"-separated store path, each name encoded. */
export function encodePath(path: string): string {
  return path === "" ? "" : path.split("/").map(encodeName).join("/");
}
