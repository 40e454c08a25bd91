// Google Drive: listed (fields, credential, capabilities) but not built yet (sync_implemented false).
// Its credential already takes every shape the OAuth flows and rclone give (../oauth/credential.ts).
import { oauthCredentialFields, parseOAuthCredential } from "../oauth/credential.ts";
import { planned, remoteCapabilities } from "../planned.ts";

export const googleDrivePlanned = {
  ...planned(
    "google_drive",
    "Google Drive",
    "Google Drive folders and shared drives",
    [
      { name: "folder_id", label: "Folder ID", type: "string", required: true },
      { name: "shared_drive_id", label: "Shared drive ID", type: "string", required: false },
    ],
    oauthCredentialFields("google"),
    remoteCapabilities(true),
  ),
  parseCredential: (raw: unknown) => parseOAuthCredential(raw, "google", "Google Drive"),
};
