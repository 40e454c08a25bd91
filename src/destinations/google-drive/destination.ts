// Google Drive: listed (fields, credential, capabilities) but not built yet (sync_implemented false).
import { oauthCredential, planned, remoteCapabilities } from "../planned.ts";

export const googleDrivePlanned = planned(
  "google_drive",
  "Google Drive",
  "Google Drive folders and shared drives",
  [
    { name: "folder_id", label: "Folder ID", type: "string", required: true },
    { name: "shared_drive_id", label: "Shared drive ID", type: "string", required: false },
  ],
  oauthCredential,
  remoteCapabilities(true),
);
