// The `google_drive` destination: the seed's fields (folder_id, shared_drive_id), an OAuth
// credential (../oauth/), and sync through the shared remote engine. googleapis and the store
// load on first use, inside openStore, so listing destination types does not pay for them.
import { DestinationError, type FieldSpec, FULL_COMPARE_FIELD, fieldError, parseFields, type RemoteStore, type StoreEnv } from "../contract.ts";
import { oauthCredentialFields, parseOAuthCredential } from "../oauth/credential.ts";
import { OAuthTokenSource } from "../oauth/token-source.ts";
import { remoteDestination } from "../remote.ts";

export interface GoogleDriveConfig {
  /** "root" or "" = My Drive's root (or the shared drive's root). */
  folder_id: string;
  shared_drive_id: string | null;
  full_compare?: boolean;
}

const configFields: FieldSpec[] = [
  { name: "folder_id", label: "Folder ID", type: "string", required: false, default: "root", help: "The folder's ID from its URL (drive.google.com/drive/folders/<ID>); root or empty for the top" },
  { name: "shared_drive_id", label: "Shared drive ID", type: "string", required: false, help: "For a shared drive: its ID (the folder ID is then inside it, or empty for its top)" },
  FULL_COMPARE_FIELD,
];

const ID = /^[A-Za-z0-9_-]{1,200}$/;

function parseConfig(raw: unknown): GoogleDriveConfig {
  const v = parseFields(configFields, raw, "Google Drive");
  const folder_id = String(v.folder_id ?? "root") || "root";
  if (!ID.test(folder_id)) throw fieldError("folder_id", "must be a Drive ID (letters, digits, - and _) or root");
  const shared = v.shared_drive_id ? String(v.shared_drive_id) : null;
  if (shared !== null && !ID.test(shared)) throw fieldError("shared_drive_id", "must be a shared drive ID (letters, digits, - and _)");
  return { folder_id, shared_drive_id: shared, full_compare: v.full_compare === true };
}

export function googleApiUrl(): string {
  return (process.env.DYNAMIGHT_GOOGLE_API_URL?.trim() || "https://www.googleapis.com").replace(/\/+$/, "");
}

async function openStore(config: GoogleDriveConfig, credential: Record<string, string> | null, env: StoreEnv): Promise<RemoteStore> {
  if (!credential?.refresh_token) throw new DestinationError("config", "Google Drive needs a connected credential (with a refresh token): connect one on the Credentials page");
  const tokens = new OAuthTokenSource("google", credential, { save: env.updateCredential, reconnectNeeded: env.reconnectNeeded });
  const { DriveStore } = await import("./store.ts");
  const store = new DriveStore({ folderId: config.folder_id, sharedDriveId: config.shared_drive_id, tokens, apiUrl: googleApiUrl(), log: env.log, quick: env.purpose === "test" });
  await store.init();
  return store;
}

export const googleDriveDestination = remoteDestination({
  type: "google_drive",
  name: "Google Drive",
  description: "Google Drive folders and shared drives",
  configFields,
  credentialFields: oauthCredentialFields("google"),
  // md5Checksum for every file with content.
  capabilities: { supports_checksum: true },
  parseConfig,
  parseCredential: (raw) => parseOAuthCredential(raw, "google", "Google Drive"),
  openStore,
  describe: (_config, d) => `Connected to Google Drive; folder '${d.name}' is writable.`,
  where: () => "Google Drive",
});
