// /api/config/export, /api/config/import/preview, /api/config/import and
// /api/auth/setup-from-backup (public, only while no account exists). Multipart bodies are read
// by the app's parser (src/http/app.ts) within the body limit.
import { Elysia } from "elysia";
import { authPlugin, requireSession } from "../auth/guard.ts";
import { PROTECTED } from "../auth/model.ts";
import type { AppContext } from "../context.ts";
import { errorResponses } from "../http/schemas.ts";
import { ExportBody, ImportForm, ImportView, PreviewView, SetupForm, SetupFromBackupView } from "./model.ts";
import { exportBackup, type ImportDeps, importBackup, previewBackup, setupFromBackup } from "./service.ts";

const tags = ["Configuration backup"];

const bytesOf = async (file: Blob) => new Uint8Array(await file.arrayBuffer());

export function configBackupRoutes(ctx: AppContext, deps: ImportDeps) {
  return new Elysia({ name: "config-backup", prefix: "/api" })
    .use(authPlugin(ctx))
    .post(
      "/config/export",
      async ({ body, principal }) => {
        // A file holding every secret in clear (under its password) is for the signed-in owner, not an API key.
        requireSession(principal);
        const { filename, bytes } = await exportBackup(ctx.db, ctx.secret, body.password);
        return new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="${filename}"`, "cache-control": "no-store" },
        });
      },
      {
        auth: true,
        parse: "json",
        body: ExportBody,
        response: { 200: { description: "The .dmbackup file (application/octet-stream)" } as never, ...errorResponses(400, 401, 403, 409) },
        detail: {
          tags,
          summary: "Export the whole configuration as an encrypted .dmbackup file",
          description:
            "Settings, credentials (decrypted inside the encrypted file), jobs with schedules, the user, notification channels and API key hashes. The file opens with `openssl enc -d -aes-256-cbc -pbkdf2 -iter 600000 -md sha256` (docs/config-backup.md). Session only.",
          security: PROTECTED,
        },
      },
    )
    .post("/config/import/preview", async ({ body }) => previewBackup(ctx.db, await bytesOf(body.file), body.password, body.strategy ?? "merge"), {
      auth: true,
      parse: "formdata",
      body: ImportForm,
      response: { 200: PreviewView, ...errorResponses(400, 401, 403) },
      detail: {
        tags,
        summary: "What an import of the file would add, replace or skip (nothing is changed)",
        description: "multipart/form-data: file, password, strategy (merge | replace; default merge).",
        security: PROTECTED,
      },
    })
    .post(
      "/config/import",
      async ({ body, principal, user }) => {
        requireSession(principal);
        return importBackup(ctx.db, ctx.secret, await bytesOf(body.file), body.password, body.strategy ?? "merge", user.id, deps);
      },
      {
        auth: true,
        parse: "formdata",
        body: ImportForm,
        response: { 200: ImportView, ...errorResponses(400, 401, 403, 409) },
        detail: {
          tags,
          summary: "Import a .dmbackup file (merge or replace), atomically",
          description:
            "All or nothing in one transaction; schedules are re-armed at once. 409 while a run is active. A wrong password is a 400 with code BACKUP_INVALID_PASSWORD. replace also ends every session (sign in again with the imported account).",
          security: PROTECTED,
        },
      },
    )
    .post("/auth/setup-from-backup", async ({ body }) => setupFromBackup(ctx.db, ctx.secret, await bytesOf(body.file), body.password, deps), {
      parse: "formdata",
      body: SetupForm,
      response: { 200: SetupFromBackupView, ...errorResponses(400, 403, 409) },
      detail: {
        tags,
        summary: "Set up a fresh install from a .dmbackup file (only while no account exists; 403 afterwards)",
        description: "multipart/form-data: file, password. Sets no cookie: sign in with the imported account.",
        security: [],
      },
    });
}
