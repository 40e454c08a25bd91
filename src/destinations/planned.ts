// Destination types that are listed (their fields, credentials and capabilities are known, so jobs
// and credentials can be saved for them) but cannot sync yet: no `sync`, no `test`, and
// capabilities.sync_implemented false, so a run or a connection test answers a clear 400.
// Each planned type has its folder (google-drive/, onedrive/); its sync replaces this helper there.

import type { Capabilities, Destination, DestinationType, FieldSpec } from "./contract.ts";
import { asStrings, parseFields } from "./contract.ts";

export const remoteCapabilities = (checksum: boolean): Capabilities => ({
  supports_delete: true,
  supports_compression: false,
  supports_checksum: checksum,
  supports_bandwidth_limit: true,
  supports_exclude_patterns: true,
  supports_incremental: true,
  supports_dry_run: true,
  requires_credentials: true,
  sync_implemented: false,
});

export const oauthCredential: FieldSpec[] = [
  { name: "access_token", label: "Access token", type: "password", required: true, secret: true },
  { name: "refresh_token", label: "Refresh token", type: "password", required: true, secret: true },
  { name: "expires_at", label: "Expires at (Unix seconds)", type: "integer", required: false },
];

export function planned<T extends DestinationType>(
  type: T,
  name: string,
  description: string,
  configFields: FieldSpec[],
  credentialFields: FieldSpec[],
  capabilities: Capabilities,
  checkCredential: (data: Record<string, string>) => void = () => {},
): Destination<Record<string, unknown>, T> {
  return {
    type,
    name,
    description,
    configFields,
    credentialFields,
    capabilities,
    parseConfig: (raw) => parseFields(configFields, raw, name),
    parseCredential(raw) {
      const data = asStrings(parseFields(credentialFields, raw, name));
      checkCredential(data);
      return data;
    },
  };
}
