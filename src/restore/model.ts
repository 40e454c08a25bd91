// Schemas of browse, download and restore (validation and OpenAPI); their types derive from them.
import { type Static, t } from "elysia";

export const FileEntry = t.Object({
  name: t.String(),
  path: t.String({ description: "relative to the destination root, '/'-separated" }),
  is_dir: t.Boolean(),
  size: t.Integer({ description: "bytes; for a folder, the total of the files below it" }),
  modified: t.Union([t.String(), t.Null()], { description: "the stored modification time (ISO-8601 UTC; for a folder, its newest file), null when the store does not keep one" }),
});
export type FileEntry = Static<typeof FileEntry>;

export const FileListing = t.Object({
  path: t.String({ description: "the folder listed ('' = the destination root: one folder per source)" }),
  parent: t.Union([t.String(), t.Null()], { description: "the folder above, null at the root" }),
  entries: t.Array(FileEntry, { description: "folders first, then files, each by name; one page" }),
});
export type FileListing = Static<typeof FileListing>;

const pathParam = t.String({ maxLength: 4096, description: "relative to the destination root; no '..', no leading '/', no NUL", examples: ["docs/sub"] });

export const DownloadQuery = t.Object({ path: pathParam });

export const Overwrite = t.Union([t.Literal("never"), t.Literal("if_newer"), t.Literal("always")], {
  description: "what happens to a local file that exists: never (kept), if_newer (replaced when the stored copy is newer), always (replaced unless identical)",
});
export type Overwrite = Static<typeof Overwrite>;

export const RestoreTarget = t.Union([t.Literal("original"), t.Object({ folder: t.String({ maxLength: 4096, description: "an absolute folder inside ALLOWED_BROWSE_PATHS" }) })], {
  description: '"original": back into the job\'s source folders; {folder}: into <folder>/<source basename>/...',
});
export type RestoreTarget = Static<typeof RestoreTarget>;

export const RestoreRequest = t.Object(
  {
    paths: t.Optional(t.Array(t.String({ maxLength: 4096 }), { maxItems: 10_000, description: "files and folders relative to the destination root; absent or [] = everything" })),
    target: RestoreTarget,
    overwrite: Overwrite,
    as_of: t.Optional(
      t.String({
        maxLength: 64,
        description: "an ISO-8601 time (with Z or an offset): each path as it was then, from the versions folder (sync_options.keep_versions_days); paths first backed up later are left out",
        examples: ["2026-12-01T02:00:00Z"],
      }),
    ),
  },
  {
    examples: [
      { paths: ["documents/a.txt", "documents/sub"], target: { folder: "/home/user/restored" }, overwrite: "never" },
      { target: "original", overwrite: "if_newer" },
      { paths: ["documents"], target: { folder: "/home/user/restored" }, overwrite: "always", as_of: "2026-12-01T02:00:00Z" },
    ],
  },
);
export type RestoreRequest = Static<typeof RestoreRequest>;

export const RestoreStarted = t.Object({ run_id: t.Integer(), message: t.String() });
