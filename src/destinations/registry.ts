// Type → destination module: one line per type (see DESTINATIONS).

import { DESTINATION_TYPES, type Destination, type DestinationType } from "./contract.ts";
import { googleDriveDestination } from "./google-drive/destination.ts";
import { localDestination } from "./local/destination.ts";
import { onedriveDestination } from "./onedrive/destination.ts";
import { s3Destination } from "./s3/destination.ts";
import { sftpDestination } from "./sftp/destination.ts";
import { webdavDestination } from "./webdav/destination.ts";

/** One line per type. The mapped type makes it exhaustive (a type of DESTINATION_TYPES without an
 *  entry does not compile) and checks that each entry's `type` is its key; no casts. */
const DESTINATIONS: { [T in DestinationType]: Destination<unknown, T> } = {
  local: localDestination,
  s3: s3Destination,
  google_drive: googleDriveDestination,
  onedrive: onedriveDestination,
  sftp: sftpDestination,
  webdav: webdavDestination,
};

export function destinationFor(type: DestinationType): Destination<unknown> {
  return DESTINATIONS[type];
}

export function isDestinationType(value: unknown): value is DestinationType {
  return typeof value === "string" && (DESTINATION_TYPES as readonly string[]).includes(value);
}

export function listDestinations(): Destination<unknown>[] {
  return DESTINATION_TYPES.map(destinationFor);
}
