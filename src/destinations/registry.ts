// Type → destination module. The switch is exhaustive: adding a type to DESTINATION_TYPES fails
// to compile until it is handled here.
import { localDestination } from "./local/destination.ts";
import { googleDrivePlanned } from "./google-drive/destination.ts";
import { onedrivePlanned } from "./onedrive/destination.ts";
import { s3Destination } from "./s3/destination.ts";
import { sftpDestination } from "./sftp/destination.ts";
import { DESTINATION_TYPES, type Destination, type DestinationType } from "./contract.ts";
import { webdavDestination } from "./webdav/destination.ts";

export function destinationFor(type: DestinationType): Destination {
  switch (type) {
    case "local":
      return localDestination as unknown as Destination;
    case "s3":
      return s3Destination as unknown as Destination;
    case "google_drive":
      return googleDrivePlanned;
    case "onedrive":
      return onedrivePlanned;
    case "sftp":
      return sftpDestination as unknown as Destination;
    case "webdav":
      return webdavDestination as unknown as Destination;
    default: {
      const unhandled: never = type;
      throw new Error(`unknown destination type ${String(unhandled)}`);
    }
  }
}

export function isDestinationType(value: unknown): value is DestinationType {
  return typeof value === "string" && (DESTINATION_TYPES as readonly string[]).includes(value);
}

export function listDestinations(): Destination[] {
  return DESTINATION_TYPES.map(destinationFor);
}
