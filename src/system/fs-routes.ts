// System API: drives, mounts, mount/unmount by UUID, the folder browser and mkdir.
// Every path goes through paths.ts (403 outside ALLOWED_BROWSE_PATHS), every UUID through the
// strict pattern, before any process starts.
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { browse, makeDirectory } from "./browse.ts";
import { mountDrive, unmountDrive } from "./drive-service.ts";
import { listDrives } from "./drives.ts";
import * as M from "./fs-model.ts";
import { readMounts } from "./mounts.ts";

export function systemFsRoutes(ctx: AppContext) {
  const roots = () => ctx.config.allowedBrowsePaths;
  return new Elysia({ name: "system-fs", prefix: "/api/system" })
    .use(authPlugin(ctx))
    .get("/drives", () => listDrives(), {
      auth: true,
      response: { 200: t.Array(M.Drive), ...M.errors(401, 500) },
      detail: {
        tags: ["System"],
        summary: "List drives",
        description:
          "Block devices a backup can go to (from lsblk; UUID/label/filesystem probed with blkid when udev is not running). Disks split into partitions are listed as their partitions; swap, RAID/LVM/LUKS members and read-only images are left out.",
      },
    })
    .get("/mounts", ({ query }) => readMounts().filter((m) => query.all || m.device.startsWith("/dev/")), {
      auth: true,
      query: M.MountsQuery,
      response: { 200: t.Array(M.Mount), ...M.errors(400, 401) },
      detail: { tags: ["System"], summary: "List mounts", description: "The kernel's mount table (/proc/self/mountinfo). Only device-backed mounts unless `all=true`." },
    })
    .post(
      "/mount",
      async ({ body }) => {
        const { outcome, mountPoint } = await mountDrive(body.uuid, body.mount_point, roots());
        ctx.logger.info(outcome === "mounted" ? "drive mounted" : "drive already mounted", { uuid: body.uuid, mount_point: mountPoint });
        return { message: outcome === "mounted" ? "Drive mounted" : "Drive already mounted", mount_point: mountPoint };
      },
      {
        auth: true,
        parse: "json",
        body: M.MountBody,
        response: { 200: M.MountResponse, ...M.errors(400, 401, 403, 404, 409, 422, 500, 504) },
        detail: {
          tags: ["System"],
          summary: "Mount a drive by UUID",
          description:
            "Mounts with nosuid,nodev at a folder inside the allowed paths (created when missing). 404 unknown UUID, 403 path outside the allowed paths or server not root, 409 another filesystem already mounted there, 422 no driver for the filesystem.",
        },
      },
    )
    .post(
      "/unmount",
      async ({ body }) => {
        const mountPoint = await unmountDrive(body.mount_point, roots());
        ctx.logger.info("drive unmounted", { mount_point: mountPoint });
        return { message: "Drive unmounted" };
      },
      {
        auth: true,
        parse: "json",
        body: M.UnmountBody,
        response: { 200: M.MessageResponse, ...M.errors(400, 401, 403, 404, 409, 500, 504) },
        detail: { tags: ["System"], summary: "Unmount a drive", description: "409 when the drive is busy (a program has a file open on it), 404 when nothing is mounted there." },
      },
    )
    .get("/browse", ({ query }) => browse(query.path, roots(), { hidden: query.hidden }), {
      auth: true,
      query: M.BrowseQuery,
      response: { 200: M.BrowseResponse, ...M.errors(400, 401, 403, 404) },
      detail: {
        tags: ["System"],
        summary: "Browse a folder",
        description:
          "Folders first, then files. Default: the first allowed path that exists. `parent` is null at an allowed root. Symbolic links leading outside the allowed paths are listed with browsable false and cannot be entered (403).",
      },
    })
    .post(
      "/mkdir",
      ({ body }) => {
        const path = makeDirectory(body.path, roots());
        return { message: "Directory created", path };
      },
      {
        auth: true,
        parse: "json",
        body: M.MkdirBody,
        response: { 200: M.MkdirResponse, ...M.errors(400, 401, 403, 409) },
        detail: { tags: ["System"], summary: "Create a folder", description: "Inside the allowed paths only (missing parents are created); 409 when it already exists." },
      },
    )
    .get("/allowed-paths", () => ({ paths: roots() }), {
      auth: true,
      response: { 200: M.AllowedPathsResponse, ...M.errors(401) },
      detail: { tags: ["System"], summary: "Allowed paths", description: "ALLOWED_BROWSE_PATHS: where browsing, mkdir and mount points are allowed." },
    });
}
