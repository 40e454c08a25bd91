// The rclone.conf that opens a job's encrypted backup with stock rclone: the base remote (S3,
// SFTP, WebDAV) built from the job's settings and credential, and the crypt remote over it
// (docs/encryption.md). Everything secret in it is obscured the way rclone expects, which is
// reversible: the file is as good as the passwords, so it is only handed out on request.
import type { EncryptionSecret } from "../contract.ts";
import { obscure } from "./obscure.ts";

export interface RcloneConfigInput {
  /** The section name stem: "<name>" is the base remote, "<name>-crypt" the crypt remote. */
  name: string;
  type: string;
  config: Record<string, unknown>;
  credential: Record<string, string> | null;
  encryption: EncryptionSecret;
}

/** rclone section names: letters, digits, "-", "_", "." and spaces; we keep it simple. */
export function rcloneName(jobName: string): string {
  return (
    jobName
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "dynamight"
  );
}

const str = (v: unknown) => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
const trimSlashes = (p: string) => p.replace(/^\/+|\/+$/g, "");

/** The base remote's section lines and the path of the job's root on it. */
function baseRemote(input: RcloneConfigInput): { lines: string[]; path: string } | null {
  const c = input.config;
  const cred = input.credential ?? {};
  switch (input.type) {
    case "s3": {
      const lines = [
        "type = s3",
        c.endpoint ? "provider = Other" : "provider = AWS",
        `access_key_id = ${cred.access_key_id ?? ""}`,
        `secret_access_key = ${cred.secret_access_key ?? ""}`,
        `region = ${str(c.region) || "us-east-1"}`,
      ];
      if (c.endpoint) lines.push(`endpoint = ${str(c.endpoint)}`, "force_path_style = true");
      const prefix = trimSlashes(str(c.prefix));
      return { lines, path: prefix ? `${str(c.bucket)}/${prefix}` : str(c.bucket) };
    }
    case "sftp": {
      const lines = ["type = sftp", `host = ${str(c.host)}`, `port = ${str(c.port) || "22"}`, `user = ${str(c.username)}`];
      if (c.key_based_auth === true) {
        // rclone reads key_pem on one line with "\n" for each line break.
        if (cred.private_key) lines.push(`key_pem = ${cred.private_key.trim().split(/\r?\n/).join("\\n")}`);
        if (cred.passphrase) lines.push(`key_file_pass = ${obscure(cred.passphrase)}`);
      } else if (cred.password) lines.push(`pass = ${obscure(cred.password)}`);
      return { lines, path: str(c.remote_path).replace(/\/+$/, "") || "." };
    }
    case "webdav": {
      const lines = ["type = webdav", `url = ${str(c.url)}`, "vendor = other", `user = ${cred.username ?? ""}`];
      if (cred.password) lines.push(`pass = ${obscure(cred.password)}`);
      return { lines, path: trimSlashes(str(c.remote_path)) };
    }
    default:
      return null;
  }
}

export function rcloneConfig(input: RcloneConfigInput): string {
  const base = baseRemote(input);
  const e = input.encryption;
  const out = ["# rclone configuration written by Dynamight. It holds the passwords (obscured, not encrypted): keep it private.", ""];
  let remote: string;
  if (base) {
    out.push(`[${input.name}]`, ...base.lines, "");
    remote = `${input.name}:${base.path}`;
  } else {
    out.push(`# Set up the ${input.type} remote yourself with "rclone config" as "${input.name}", then fix the path below.`, "");
    remote = `${input.name}:`;
  }
  out.push(
    `[${input.name}-crypt]`,
    "type = crypt",
    `remote = ${remote}`,
    `password = ${obscure(e.password)}`,
    ...(e.salt ? [`password2 = ${obscure(e.salt)}`] : []),
    `filename_encryption = ${e.filename_encryption}`,
    `directory_name_encryption = ${e.directory_name_encryption}`,
    "",
  );
  return out.join("\n");
}
