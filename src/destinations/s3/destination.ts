// The S3 destination (AWS S3 and S3-compatible stores): fields, validation, connection test,
// and sync through the mirror engine (../engine/) over the S3 store, by remoteDestination (../remote.ts).
// The store and the engine (and with them the AWS SDK, ~35 MB) load on first use: an appliance
// that never backs up to S3 does not pay for it at start-up.

import { DestinationError, type FieldSpec, FULL_COMPARE_FIELD, fieldError, parseFields, TEST_TIMEOUT_MS } from "../contract.ts";
import { remoteDestination } from "../remote.ts";
import type { S3StoreConfig } from "./store.ts";

export interface S3Config extends S3StoreConfig {
  full_compare: boolean;
}

const configFields: FieldSpec[] = [
  { name: "bucket", label: "Bucket", type: "string", required: true },
  { name: "prefix", label: "Prefix", type: "string", required: false, default: "", help: "Folder inside the bucket, e.g. backups/server1/" },
  { name: "region", label: "Region", type: "string", required: true, default: "us-east-1" },
  { name: "endpoint", label: "Endpoint", type: "string", required: false, help: "For S3-compatible stores (MinIO, Ceph, B2, Wasabi), e.g. https://s3.example.com; path-style addressing is used" },
  { name: "storage_class", label: "Storage class", type: "string", required: false, default: "STANDARD" },
  FULL_COMPARE_FIELD,
];

const credentialFields: FieldSpec[] = [
  { name: "access_key_id", label: "Access key ID", type: "string", required: true },
  { name: "secret_access_key", label: "Secret access key", type: "password", required: true, secret: true },
];

function parseConfig(raw: unknown): S3Config {
  const v = parseFields(configFields, raw, "AWS S3");
  const bucket = String(v.bucket);
  // S3's bucket naming rules (lenient on dots/uppercase, which some S3-compatible stores allow).
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) throw fieldError("bucket", "is not a valid bucket name");
  let endpoint = v.endpoint === null ? null : String(v.endpoint);
  if (endpoint !== null) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw fieldError("endpoint", "must be a URL such as https://s3.example.com");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw fieldError("endpoint", "must start with http:// or https://");
    endpoint = endpoint.replace(/\/+$/, "");
  }
  const storageClass = v.storage_class === null ? null : String(v.storage_class).toUpperCase();
  if (storageClass !== null && !/^[A-Z_]{1,64}$/.test(storageClass)) throw fieldError("storage_class", "must be a storage class name such as STANDARD");
  const prefix = String(v.prefix ?? "");
  if (prefix.split("/").some((s) => s === "." || s === "..")) throw fieldError("prefix", "must not contain . or .. segments");
  return { bucket, prefix, region: String(v.region), endpoint, storage_class: storageClass, full_compare: v.full_compare === true };
}

function credentialOf(cred: Record<string, string> | null) {
  if (!cred?.access_key_id || !cred.secret_access_key) throw new DestinationError("config", "this destination needs a credential with an access key ID and a secret access key");
  return { access_key_id: cred.access_key_id, secret_access_key: cred.secret_access_key };
}

export const s3Destination = remoteDestination({
  type: "s3",
  name: "AWS S3",
  description: "S3 and S3-compatible storage",
  configFields,
  credentialFields,
  // ETags are MD5 for single-part uploads: S3 can verify content.
  capabilities: { supports_checksum: true },
  parseConfig,
  async openStore(config, credential, env) {
    const { S3Store } = await import("./store.ts");
    const timeouts = env.purpose === "test" ? { connectTimeoutMs: 5_000, requestTimeoutMs: TEST_TIMEOUT_MS } : {};
    return new S3Store(config, credentialOf(credential), timeouts);
  },
  describe: (config) => `Connected to bucket "${config.bucket}"`,
  where: () => "the S3 endpoint",
});
