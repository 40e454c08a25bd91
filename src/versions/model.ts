// Response schemas of the versions API.
import { type Static, t } from "elysia";

export const VersionView = t.Object({
  version: t.String({ description: "the version folder: the start (UTC) of the run that replaced or deleted this copy, YYYYMMDDTHHMMSSZ", examples: ["20261201T020000Z"] }),
  size: t.Integer({ description: "bytes" }),
  modified: t.Union([t.String(), t.Null()], { description: "the copy's preserved modification time (ISO), null when the store cannot tell" }),
});
export type VersionView = Static<typeof VersionView>;

export const VersionsQuery = t.Object({
  path: t.String({ description: "a file, relative to the destination root (as in GET /api/jobs/:id/files), e.g. docs/a.txt", examples: ["docs/a.txt"] }),
});
