// OneDrive: listed (fields, credential, capabilities) but not built yet (sync_implemented false).
import { oauthCredential, planned, remoteCapabilities } from "../planned.ts";

export const onedrivePlanned = planned(
  "onedrive",
  "OneDrive",
  "Microsoft OneDrive",
  [
    { name: "folder_path", label: "Folder path", type: "string", required: true },
    { name: "drive_id", label: "Drive ID", type: "string", required: false },
  ],
  oauthCredential,
  remoteCapabilities(true),
);
