// The "encryption" credential: the password of a job's rclone crypt encryption and, optionally,
// rclone's password2 (the salt). Sealed like every credential; never returned.
import { asStrings, DestinationError, type FieldSpec, parseFields } from "../contract.ts";

export const ENCRYPTION_CREDENTIAL_TYPE = "encryption";

export const ENCRYPTION_CREDENTIAL_FIELDS: FieldSpec[] = [
  {
    name: "password",
    label: "Encryption password",
    type: "password",
    required: true,
    secret: true,
    help: "Keep a copy somewhere safe: without it nobody, not even Dynamight, can read the backup",
  },
  {
    name: "salt",
    label: "Salt (rclone's password2, optional)",
    type: "password",
    required: false,
    secret: true,
    help: "Leave empty for rclone's default salt",
  },
];

export function parseEncryptionCredential(raw: unknown): Record<string, string> {
  const data = asStrings(parseFields(ENCRYPTION_CREDENTIAL_FIELDS, raw, "encryption credentials"));
  if ((data.password ?? "") === "") throw new DestinationError("config", "Field 'password' is required", { field: "password", problem: "is required" });
  return data;
}
