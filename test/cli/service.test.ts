// `dynamight install-service` / `uninstall-service` in a temporary root (no systemctl): the unit
// it writes, read back, and checked by `systemd-analyze verify`.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf, missingCommand } from "../helpers/prereq.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");

async function dynamight(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, "run", MAIN, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, DYNAMIGHT_DATA_DIR: "", ...env } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

const unitIn = (root: string) => join(root, "etc/systemd/system/dynamight.service");

describe("install-service", () => {
  test("writes a hardened unit with the data folder and allowed paths writable, and no systemctl under --root", async () => {
    const root = mkdtempSync(join(tmpdir(), "movein-svc-"));
    const r = await dynamight(["install-service", "--root", root, "--data", "/srv/dynamight-data", "--user", "backup", "--allowed-browse-paths", "/mnt,/srv/media", "--port", "8123"]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toContain("systemctl not called");
    const unit = readFileSync(unitIn(root), "utf8");
    const line = (k: string) =>
      unit
        .split("\n")
        .find((l) => l.startsWith(`${k}=`))
        ?.slice(k.length + 1);
    expect(line("User")).toBe("backup");
    expect(line("ProtectSystem")).toBe("strict");
    expect(line("NoNewPrivileges")).toBe("yes");
    expect(line("Restart")).toBe("on-failure");
    expect(line("ReadWritePaths")).toBe("-/srv/dynamight-data -/mnt -/srv/media");
    expect(line("WantedBy")).toBe("multi-user.target");
    expect(line("ExecStart")).toBe(`${process.execPath} run ${MAIN} serve --data /srv/dynamight-data --host 0.0.0.0 --port 8123 --allowed-browse-paths /mnt,/srv/media --log-level info`);
    // Nothing that would keep a USB drive from being mounted.
    expect(unit).not.toMatch(/^(PrivateDevices|ProtectClock|DeviceAllow)=/m);
  });

  test("defaults: data in /var/lib/dynamight, root (for mounting), DYNAMIGHT_SERVICE_ROOT like --root; --binary names the compiled binary", async () => {
    const root = mkdtempSync(join(tmpdir(), "movein-svc-"));
    const r = await dynamight(["install-service", "--binary", "/usr/local/bin/dynamight"], { DYNAMIGHT_SERVICE_ROOT: root });
    expect(r.code).toBe(0);
    const unit = readFileSync(unitIn(root), "utf8");
    expect(unit).toContain("ExecStart=/usr/local/bin/dynamight serve --data /var/lib/dynamight ");
    expect(unit).not.toMatch(/^User=/m);
    expect(unit).toContain("ReadWritePaths=-/var/lib/dynamight -/mnt -/home -/media");
  });

  test("refuses a bad user name and a path systemd would split", async () => {
    const root = mkdtempSync(join(tmpdir(), "movein-svc-"));
    const bad = await dynamight(["install-service", "--root", root, "--user", "x; rm -rf /"]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("is not a user name");
    const spaced = await dynamight(["install-service", "--root", root, "--data", "/srv/my data"]);
    expect(spaced.code).not.toBe(0);
    expect(spaced.err).toContain("without spaces");
    expect(existsSync(unitIn(root))).toBe(false);
  });

  test("uninstall-service removes the unit", async () => {
    const root = mkdtempSync(join(tmpdir(), "movein-svc-"));
    expect((await dynamight(["install-service", "--root", root])).code).toBe(0);
    expect(existsSync(unitIn(root))).toBe(true);
    const r = await dynamight(["uninstall-service", "--root", root]);
    expect(r.code).toBe(0);
    expect(existsSync(unitIn(root))).toBe(false);
  });
});

describeIf(missingCommand("systemd-analyze"))("install-service: systemd-analyze verify", () => {
  test("the written unit passes systemd-analyze verify", async () => {
    const root = mkdtempSync(join(tmpdir(), "movein-svc-"));
    expect((await dynamight(["install-service", "--root", root, "--user", "root", "--allowed-browse-paths", "/mnt,/srv"])).code).toBe(0);
    const p = Bun.spawn(["systemd-analyze", "verify", unitIn(root)], { stdout: "pipe", stderr: "pipe" });
    const [err, code] = [await new Response(p.stderr).text(), await p.exited];
    expect([code, err.split("\n").filter((l) => l.includes("dynamight.service"))]).toEqual([0, []]);
  });
});
