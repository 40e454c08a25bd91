// OneDrive: listed (fields, credential, capabilities) but not built yet (sync_implemented false).
// Its credential already takes every shape the OAuth flows and rclone give (../oauth/credential.ts).
import { oauthCredentialFields, parseOAuthCredential } from "../oauth/credential.ts";
import { planned, remoteCapabilities } from "../planned.ts";

export const onedrivePlanned = {
  ...planned(
    "onedrive",
    "OneDrive",
    "Microsoft OneDrive",
    [
      { name: "folder_path", label: "Folder path", type: "string", required: true },
      { name: "drive_id", label: "Drive ID", type: "string", required: false },
    ],
    oauthCredentialFields("microsoft"),
    remoteCapabilities(true),
  ),
  parseCredential: (raw: unknown) => parseOAuthCredential(raw, "microsoft", "OneDrive"),
};
