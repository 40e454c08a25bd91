// SFTP destination against a real OpenSSH sshd (scripts/peers/sftp.sh, 127.0.0.1:2222): the
// conformance suite, key and password logins, host key pinning against a second sshd whose key
// is replaced, and the words test() answers with.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DestinationError } from "../../src/destinations/contract.ts";
import { type SftpConfig, sftpDestination, testSftp } from "../../src/destinations/sftp/destination.ts";
import { describeKey, hostPattern, lookup } from "../../src/destinations/sftp/known-hosts.ts";
import { describeIf, notRoot } from "../helpers/prereq.ts";
import { runConformance } from "./conformance.ts";
import { rclone, syncRequest, tempDir, writeTree } from "./harness.ts";

const SCRIPT = join(import.meta.dir, "../../scripts/peers/sftp.sh");
const BASE = "/tmp/peers/sftp";
const HOME_DATA = `${BASE}/home/data`;
const USER = "bkpsftp";
const PASS = "bkpsftp-pass";
const SERVER = { host: "127.0.0.1", port: 2222 };

const reason = notRoot() ?? (existsSync("/usr/sbin/sshd") ? null : "sshd not installed (openssh-server)") ?? (Bun.which("rclone") ? null : "rclone not installed");

async function sh(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(args, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** Starts the shared peer unless it is up; says whether this file must stop it afterwards. */
async function ensurePeer(): Promise<boolean> {
  if ((await sh(["bash", SCRIPT, "status"])).code === 0) return false;
  const r = await sh(["bash", SCRIPT, "start"]);
  if (r.code !== 0) throw new Error(`sftp.sh start failed: ${r.err}`);
  return true;
}

let startedPeer = false;
const config = (root: string, server = SERVER, extra: Partial<SftpConfig> = {}): SftpConfig => ({
  host: server.host,
  port: server.port,
  username: USER,
  remote_path: `data/${root}`,
  key_based_auth: false,
  ...extra,
});
const password = { password: PASS };

runConformance<SftpConfig>(
  "sftp (OpenSSH sshd)",
  async () => {
    startedPeer = (await ensurePeer()) || startedPeer;
    const before = new Set(readdirSync(HOME_DATA));
    const obscured = (await rclone("obscure", PASS)).out.trim();
    return {
      destination: sftpDestination,
      config: (root, server) => config(root, server),
      server: SERVER,
      credential: password,
      badCredential: { password: "not-the-password" },
      rcloneRemote: (c) => `:sftp,host=${c.host},port=${c.port},user=${USER},pass=${obscured}:${c.remote_path}`,
      keepsMtime: true,
      async cleanup() {
        // The suite's roots (one 100 MB file among them) are this run's new folders.
        for (const name of readdirSync(HOME_DATA)) if (!before.has(name)) rmSync(join(HOME_DATA, name), { recursive: true, force: true });
      },
    };
  },
  reason,
);

describeIf(reason)("sftp destination on a real sshd", () => {
  let dataDir: string;
  let keyDir: string;
  const roots: string[] = [];
  const root = (tag: string) => {
    const r = `sftp-t-${tag}-${Date.now().toString(36)}`;
    roots.push(r);
    return r;
  };

  beforeAll(async () => {
    startedPeer = (await ensurePeer()) || startedPeer;
    dataDir = tempDir("sftp-data");
    keyDir = tempDir("sftp-keys");
  });
  afterAll(() => {
    for (const r of roots) rmSync(join(HOME_DATA, r), { recursive: true, force: true });
  });

  test("key logins (ed25519, RSA PEM, encrypted with passphrase) sync and keep mtimes", async () => {
    const enc = join(keyDir, "enc_ed25519");
    copyFileSync(`${BASE}/client_ed25519`, enc);
    chmodSync(enc, 0o600);
    expect((await sh(["ssh-keygen", "-q", "-p", "-P", "", "-N", "open sesame", "-f", enc])).code).toBe(0);
    const creds = [
      { private_key: readFileSync(`${BASE}/client_ed25519`, "utf8") },
      { private_key: readFileSync(`${BASE}/client_rsa`, "utf8") },
      { private_key: readFileSync(enc, "utf8"), passphrase: "open sesame" },
    ];
    for (const [i, raw] of creds.entries()) {
      const cred = sftpDestination.parseCredential(raw);
      const r = root(`key${i}`);
      const parent = tempDir("sftp-src");
      writeTree(join(parent, "src"), { "k.txt": `key ${i}` });
      const req = syncRequest(config(r, SERVER, { key_based_auth: true }), cred, [join(parent, "src")], dataDir);
      const res = await sftpDestination.sync!(req);
      expect(res.filesTransferred).toBe(1);
      expect(readFileSync(join(HOME_DATA, r, "src/k.txt"), "utf8")).toBe(`key ${i}`);
    }
    // A wrong passphrase is caught when the credential is saved, without echoing it.
    let err: unknown = null;
    try {
      sftpDestination.parseCredential({ private_key: readFileSync(enc, "utf8"), passphrase: "wrong" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DestinationError);
    expect((err as Error).message).toBe("Field 'passphrase' does not unlock the private key");
  });

  test("no temporary file is left next to the uploaded ones, and mtimes match the source", async () => {
    const r = root("tmp");
    const parent = tempDir("sftp-src");
    writeTree(join(parent, "src"), { "a.txt": "a", "d/b.txt": "bb" }, 1_600_000_000);
    await sftpDestination.sync!(syncRequest(config(r), password, [join(parent, "src")], dataDir));
    expect(readdirSync(join(HOME_DATA, r, "src")).sort()).toEqual(["a.txt", "d"]);
    expect(readdirSync(join(HOME_DATA, r, "src/d"))).toEqual(["b.txt"]);
    const check = await rclone("check", join(parent, "src"), `:sftp,host=127.0.0.1,port=2222,user=${USER},pass=${(await rclone("obscure", PASS)).out.trim()}:data/${r}/src`);
    expect(check.err).toContain("0 differences found");
    const ls = await rclone("lsjson", "-R", `:sftp,host=127.0.0.1,port=2222,user=${USER},pass=${(await rclone("obscure", PASS)).out.trim()}:data/${r}/src`);
    const modTimes = (JSON.parse(ls.out) as { Path: string; ModTime: string }[]).filter((f) => f.Path === "a.txt").map((f) => Date.parse(f.ModTime));
    expect(modTimes).toEqual([1_600_000_000_000]);
  });

  test("test() answers in words: success, refused, unknown host, wrong password, missing folder, a file", async () => {
    const r = root("probe");
    mkdirSync(join(HOME_DATA, r), { recursive: true });
    writeFileSync(join(HOME_DATA, r, "plain.txt"), "x");
    const probe = (c: SftpConfig, cred: Record<string, string> = password) => testSftp(c, cred, AbortSignal.timeout(30_000), { dataDir });

    const ok = await probe(config(r));
    expect(ok.success).toBe(true);
    expect(ok.message).toContain(`'data/${r}' is a folder`);
    expect(ok.message).toMatch(/Host key ssh-ed25519 SHA256:[A-Za-z0-9+/]{43} \((recorded now|matches the recorded key)\)/);
    expect(ok.details?.host_key_fingerprint).toBe(serverFingerprint());

    const refused = await probe(config(r, { host: "127.0.0.1", port: 1 }));
    expect(refused).toMatchObject({ success: false, details: { kind: "unavailable" } });
    expect(refused.message).toContain("Connection refused by 127.0.0.1:1");

    const unknown = await probe(config(r, { host: "no-such-host.invalid", port: 22 }));
    expect(unknown).toMatchObject({ success: false, details: { kind: "not_found" } });
    expect(unknown.message).toContain("could not be found");

    const bad = await probe(config(r), { password: "wrong-password-123" });
    expect(bad).toMatchObject({ success: false, details: { kind: "auth" } });
    expect(bad.message).toContain("refused the credentials for user 'bkpsftp'");
    expect(bad.message).not.toContain("wrong-password-123");

    const missing = await probe(config(`${r}/not/yet`));
    expect(missing.success).toBe(true);
    expect(missing.message).toContain("does not exist yet; the first run will create it");

    const file = await probe(config(`${r}/plain.txt`));
    expect(file).toMatchObject({ success: false, details: { kind: "config" } });
    expect(file.message).toContain("is not a folder");
  });

  test("config and credential validation name the field", () => {
    const base = { host: "h", port: 22, username: "u", remote_path: "/b", key_based_auth: false };
    expect(sftpDestination.parseConfig(base)).toEqual({ ...base, full_compare: false });
    const bad = (raw: unknown) => {
      try {
        sftpDestination.parseConfig(raw);
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(bad({ ...base, port: 70000 })).toBe("Field 'port' must be between 1 and 65535");
    expect(bad({ ...base, host: "user@h" })).toContain("Field 'host'");
    expect(bad({ ...base, remote_path: "" })).toBe("Field 'remote_path' is required");
    expect(() => sftpDestination.parseCredential({})).toThrow("Field 'password' or 'private_key' is required");
    expect(() => sftpDestination.parseCredential({ private_key: "not a key" })).toThrow("Field 'private_key' is not a private key");
  });
});

/** The shared peer's host key fingerprint, as OpenSSH computes it. */
function serverFingerprint(): string {
  const pub = readFileSync(`${BASE}/ssh_host_ed25519_key.pub`, "utf8").split(" ")[1]!;
  return describeKey(Buffer.from(pub, "base64")).fingerprint;
}

// A second sshd on its own port whose host key is replaced between runs: a reinstalled server
// (or someone in the middle). The first run pins the key, the second must refuse to connect.
describeIf(reason)("sftp host key pinning", () => {
  const PORT = 2223;
  let dir: string;
  let pid = 0;

  async function startSshd(keyName: string) {
    const key = join(dir, keyName);
    if (!existsSync(key)) expect((await sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])).code).toBe(0);
    const conf = join(dir, "sshd_config");
    writeFileSync(
      conf,
      [
        `Port ${PORT}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${key}`,
        `PidFile ${dir}/sshd.pid`,
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        `AllowUsers ${USER}`,
        "StrictModes no",
        "UseDNS no",
        "Subsystem sftp internal-sftp",
      ].join("\n") + "\n",
    );
    // -D keeps it in the foreground as our child, so it is stopped by its own pid.
    const p = Bun.spawn(["/usr/sbin/sshd", "-D", "-f", conf, "-E", join(dir, "sshd.log")], { stdout: "ignore", stderr: "ignore" });
    pid = p.pid;
    for (let i = 0; i < 50; i++) {
      if ((await sh(["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${PORT}`])).code === 0) return;
      await Bun.sleep(100);
    }
    throw new Error("second sshd did not start");
  }
  async function stopSshd() {
    if (!pid) return;
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 50 && (await sh(["kill", "-0", String(pid)])).code === 0; i++) await Bun.sleep(50);
    pid = 0;
  }

  beforeAll(async () => {
    startedPeer = (await ensurePeer()) || startedPeer; // creates the user
    dir = tempDir("sftp-pin");
  });
  afterAll(async () => {
    await stopSshd();
    rmSync(join(HOME_DATA, "sftp-pin"), { recursive: true, force: true });
  });

  test("first use records the key; a changed key fails the run naming both; ssh-keygen -R resets it", async () => {
    const dataDir = tempDir("sftp-pin-data");
    const parent = tempDir("sftp-src");
    writeTree(join(parent, "src"), { "p.txt": "pinned" });
    const cfg = config("sftp-pin", { host: "127.0.0.1", port: PORT });
    const run = () => sftpDestination.sync!(syncRequest(cfg, password, [join(parent, "src")], dataDir));

    await startSshd("key1");
    expect((await run()).filesTransferred).toBe(1);
    const pinned = lookup(dataDir, "127.0.0.1", PORT);
    expect(pinned.length).toBe(1);
    const first = pinned[0]!;
    const key1 = describeKey(Buffer.from(readFileSync(join(dir, "key1.pub"), "utf8").split(" ")[1]!, "base64"));
    expect(first.fingerprint).toBe(key1.fingerprint);
    expect(first.firstSeen).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(readFileSync(join(dataDir, "known_hosts"), "utf8")).toStartWith(`${hostPattern("127.0.0.1", PORT)} ssh-ed25519 `);
    // The same key again is accepted silently.
    expect((await run()).filesTransferred).toBe(0);

    await stopSshd();
    await startSshd("key2");
    const key2 = describeKey(Buffer.from(readFileSync(join(dir, "key2.pub"), "utf8").split(" ")[1]!, "base64"));
    let err: DestinationError | null = null;
    await run().catch((e) => (err = e));
    expect(err).toBeInstanceOf(DestinationError);
    const msg = (err as unknown as DestinationError).message;
    expect((err as unknown as DestinationError).kind).toBe("failed");
    expect(msg).toContain("has changed");
    expect(msg).toContain(key1.fingerprint);
    expect(msg).toContain(key2.fingerprint);
    expect(msg).toContain(`ssh-keygen -R "[127.0.0.1]:${PORT}" -f ${join(dataDir, "known_hosts")}`);
    const probe = await testSftp(cfg, password, AbortSignal.timeout(20_000), { dataDir });
    expect(probe.success).toBe(false);
    expect(probe.message).toContain(key2.fingerprint);
    // The record still holds the first key only.
    expect(lookup(dataDir, "127.0.0.1", PORT).map((k) => k.fingerprint)).toEqual([key1.fingerprint]);

    // Following the message's advice accepts the new key on the next run.
    expect((await sh(["ssh-keygen", "-R", `[127.0.0.1]:${PORT}`, "-f", join(dataDir, "known_hosts")])).code).toBe(0);
    expect((await run()).filesTransferred).toBe(0);
    expect(lookup(dataDir, "127.0.0.1", PORT).map((k) => k.fingerprint)).toEqual([key2.fingerprint]);
  });
});

// Stops the peer only when this file started it: another suite (or a person) may be using it.
afterAll(async () => {
  if (startedPeer) await sh(["bash", SCRIPT, "stop"]);
});

describe("known_hosts format", () => {
  test("fingerprints match OpenSSH's and host patterns follow ssh-keygen", () => {
    // ssh-keygen -lf of this key prints SHA256:... computed the same way (base64, no padding).
    const blob = Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIIx2tTVYPDOy91NlmZLgs6iesakD6rMq8Ip7rEHDX7b1", "base64");
    expect(describeKey(blob)).toMatchObject({ type: "ssh-ed25519", fingerprint: "SHA256:3Z1qr6h7bMYx1qTK0ecqU/1lxmedKOwdljRTNj70Sjs" });
    expect(hostPattern("example.org", 22)).toBe("example.org");
    expect(hostPattern("10.0.0.1", 2222)).toBe("[10.0.0.1]:2222");
  });
});
