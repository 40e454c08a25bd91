// The rclone.conf Dynamight writes, read by the installed rclone: an SFTP job with key-based
// login (key_pem on one line) and one with a password both open the real OpenSSH peer, and the
// crypt section names what rclone 1.60 reads. Writing through the crypt store is in stores.test.ts.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rcloneConfig } from "../../src/destinations/crypt/rclone-config.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { tempDir } from "../remote/harness.ts";

const BASE = "/tmp/peers/sftp";
const reason = missingCommand("rclone") ?? notRoot() ?? (existsSync("/usr/sbin/sshd") ? null : "sshd not installed (openssh-server)");
const encryption = { password: "p", salt: "", filename_encryption: "standard" as const, directory_name_encryption: true };

async function rclone(conf: string, ...args: string[]) {
  const env = { ...process.env, RCLONE_CONFIG: conf } as Record<string, string>;
  delete env.AWS_CA_BUNDLE;
  const p = Bun.spawn(["rclone", ...args], { env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

describeIf(reason)("rclone config for SFTP jobs", () => {
  test("key and password logins work in rclone; the crypt section is complete", async () => {
    const script = join(import.meta.dir, "../../scripts/peers/sftp.sh");
    const status = Bun.spawnSync(["bash", script, "status"]);
    if (status.exitCode !== 0) expect(Bun.spawnSync(["bash", script, "start"]).exitCode).toBe(0);
    const folder = `crypt-conf-${Date.now().toString(36)}`;
    mkdirSync(join(BASE, "home/data", folder), { recursive: true });
    writeFileSync(join(BASE, "home/data", folder, "marker.txt"), "x");
    const dir = tempDir("crypt-rconf");
    try {
      const config = { host: "127.0.0.1", port: 2222, username: "bkpsftp", remote_path: `data/${folder}`, key_based_auth: true };
      for (const [name, cfg, credential] of [
        ["bykey", config, { private_key: readFileSync(join(BASE, "client_ed25519"), "utf8") }],
        ["bypass", { ...config, key_based_auth: false }, { password: "bkpsftp-pass" }],
      ] as const) {
        const text = rcloneConfig({ name, type: "sftp", config: cfg, credential, encryption });
        expect(text).not.toContain("bkpsftp-pass");
        expect(text).not.toContain("\n-----END");
        const conf = join(dir, `${name}.conf`);
        writeFileSync(conf, text);
        const base = await rclone(conf, "--sftp-known-hosts-file", join(BASE, "known_hosts"), "lsf", `${name}:data/${folder}`);
        expect(base.err).toBe("");
        expect(base.out.trim()).toBe("marker.txt");
        const show = await rclone(conf, "config", "show", `${name}-crypt`);
        expect(show.code).toBe(0);
        for (const line of ["type = crypt", `remote = ${name}:data/${folder}`, "filename_encryption = standard", "directory_name_encryption = true"]) expect(show.out).toContain(line);
        expect(show.out).toContain("password = *** ENCRYPTED ***");
        // "--": an obscured value can start with "-" (base64url of a random IV), which rclone would read as a flag.
        expect((await rclone(conf, "reveal", "--", /^password = (\S+)$/m.exec(text)![1]!)).out.trim()).toBe("p");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(BASE, "home/data", folder), { recursive: true, force: true });
    }
  }, 60_000);
});
