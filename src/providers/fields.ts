// Validates a config or credential object against its type's FieldSpec list. Destinations declare
// their fields as data (for the UI and OpenAPI) and call this, so every type words errors the same.
import { DestinationError, type Capabilities, type FieldSpec } from "./types.ts";

const MAX_STRING = 4096;
const MAX_TEXT = 64 * 1024;

/** Every remote destination's "full comparison" switch (the sync engine's local record: docs/remote.md). */
export const FULL_COMPARE_FIELD: FieldSpec = {
  name: "full_compare",
  label: "Always compare with the remote",
  type: "boolean",
  required: false,
  default: false,
  help: "List the destination on every run instead of trusting the local record of uploads (slower; the record is re-checked every 24 h or 20 runs anyway)",
};

/** What every destination on the remote sync engine (src/sync/) can do; a store adds checksums when it has them. */
export const REMOTE_CAPABILITIES: Capabilities = {
  supports_delete: true,
  supports_compression: false,
  supports_checksum: false,
  supports_bandwidth_limit: true,
  supports_exclude_patterns: true,
  supports_incremental: true,
  supports_dry_run: true,
  requires_credentials: true,
  sync_implemented: true,
};

export function fieldError(name: string, problem: string): DestinationError {
  return new DestinationError("config", `Field '${name}' ${problem}`, { field: name, problem });
}

/** Parses `raw` into one value per field (defaults applied); unknown keys are refused so typos surface. */
export function parseFields(fields: FieldSpec[], raw: unknown, typeName: string): Record<string, string | number | boolean | null> {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new DestinationError("config", "must be an object");
  const input = raw as Record<string, unknown>;
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw fieldError(key, `is not a setting of ${typeName}`);
  }
  const out: Record<string, string | number | boolean | null> = {};
  for (const f of fields) {
    const v = input[f.name];
    const empty = v === undefined || v === null || (typeof v === "string" && v.trim() === "");
    if (empty) {
      if (f.required && (f.default === undefined || f.default === null)) throw fieldError(f.name, "is required");
      out[f.name] = f.default ?? null;
      continue;
    }
    out[f.name] = coerce(f, v);
  }
  return out;
}

function coerce(f: FieldSpec, v: unknown): string | number | boolean {
  switch (f.type) {
    case "choice": {
      if (typeof v !== "string" || !(f.options ?? []).includes(v)) {
        throw fieldError(f.name, `must be one of ${(f.options ?? []).map((o) => JSON.stringify(o)).join(", ")}`);
      }
      return v;
    }
    case "string":
    case "path":
    case "drive":
    case "password":
    case "text": {
      if (typeof v !== "string") throw fieldError(f.name, "must be a string");
      const max = f.type === "text" ? MAX_TEXT : MAX_STRING;
      if (v.length > max) throw fieldError(f.name, `must be at most ${max} characters`);
      // A NUL byte ends a path or a name at the C level: whatever follows would be silently cut.
      if (f.type !== "password" && f.type !== "text" && v.includes("\0")) throw fieldError(f.name, "must not contain a NUL character");
      // Secrets and multi-line text are kept byte for byte; plain strings lose stray spaces.
      return f.type === "password" || f.type === "text" ? v : v.trim();
    }
    case "integer": {
      const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
      if (typeof n !== "number" || !Number.isSafeInteger(n)) throw fieldError(f.name, "must be a whole number");
      return n;
    }
    case "boolean": {
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      throw fieldError(f.name, "must be true or false");
    }
  }
}

/** Credential data is stored as strings (the Destination contract); numbers and booleans become text. */
export function asStrings(values: Record<string, string | number | boolean | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== null) out[k] = String(v);
  return out;
}
