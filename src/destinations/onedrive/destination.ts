// The `onedrive` destination: the seed's fields (folder_path, drive_id), an OAuth credential, and
// sync through the shared remote engine over Microsoft Graph (store.ts). Graph's address comes
// from DYNAMIGHT_GRAPH_URL (default https://graph.microsoft.com) at each use, so tests and
// sovereign clouds can move it. The store module loads on first use.
import { DestinationError, type FieldSpec, FULL_COMPARE_FIELD, fieldError, parseFields, type RemoteStore, type StoreEnv } from "../contract.ts";
import { oauthCredentialFields, parseOAuthCredential } from "../oauth/credential.ts";
import { OAuthTokenSource } from "../oauth/token-source.ts";
import { remoteDestination } from "../remote.ts";

export interface OnedriveConfig {
  folder_path: string;
  /** Empty: the signed-in user's drive (/me/drive). */
  drive_id: string;
  full_compare?: boolean;
}

const configFields: FieldSpec[] = [
  { name: "folder_path", label: "Folder path", type: "string", required: true, help: 'An existing folder in the drive, e.g. /Backups ("/" for the drive\'s top)' },
  { name: "drive_id", label: "Drive ID", type: "string", required: false, help: "Empty for your own OneDrive; a SharePoint library's or another drive's ID otherwise" },
  FULL_COMPARE_FIELD,
];

export function graphUrl(): string {
  return (process.env.DYNAMIGHT_GRAPH_URL?.trim() || "https://graph.microsoft.com").replace(/\/+$/, "");
}

function parseConfig(raw: unknown): OnedriveConfig {
  const v = parseFields(configFields, raw, "OneDrive");
  const folder_path = String(v.folder_path ?? "/");
  const parts = folder_path.split("/");
  if (parts.includes("..") || parts.includes(".")) throw fieldError("folder_path", "must not contain '.' or '..'");
  if (folder_path.includes("\\")) throw fieldError("folder_path", "must use / between folders");
  const drive_id = String(v.drive_id ?? "");
  // Graph drive IDs: hex for personal drives, "b!" + base64url for business and SharePoint.
  if (drive_id !== "" && !/^[A-Za-z0-9!_.-]{1,200}$/.test(drive_id)) throw fieldError("drive_id", "must be a drive ID such as b!AbC... or 0123456789abcdef");
  return { folder_path, drive_id, full_compare: v.full_compare === true };
}

async function openStore(config: OnedriveConfig, credential: Record<string, string> | null, env: StoreEnv): Promise<RemoteStore> {
  if (!credential?.refresh_token) throw new DestinationError("config", "the OneDrive credential needs a refresh token (connect it, or paste what rclone authorize prints)");
  const { OnedriveStore } = await import("./store.ts");
  // Refreshed 60 s before expiry and once on a 401; a rotated refresh token is saved before use.
  const tokens = new OAuthTokenSource("microsoft", credential, { save: env.updateCredential, reconnectNeeded: env.reconnectNeeded });
  return new OnedriveStore({
    graphUrl: graphUrl(),
    driveId: config.drive_id || null,
    folderPath: config.folder_path,
    tokens,
    probeWrite: env.purpose === "test",
    // Throttling and resumed uploads, in the run's log.
    log: env.log,
  });
}

export const onedriveDestination = remoteDestination({
  type: "onedrive",
  name: "OneDrive",
  description: "Microsoft OneDrive (personal, business) and SharePoint libraries",
  configFields,
  credentialFields: oauthCredentialFields("microsoft"),
  parseCredential: (raw) => parseOAuthCredential(raw, "microsoft", "OneDrive"),
  capabilities: { supports_checksum: true },
  parseConfig,
  openStore,
  describe: (config, d) => `Connected to OneDrive${d.owner ? ` of ${d.owner}` : ""}${config.drive_id ? ` (drive ${config.drive_id})` : ""}; the folder '${d.folder_path}' exists and is writable.`,
  where: () => new URL(graphUrl()).host,
});
