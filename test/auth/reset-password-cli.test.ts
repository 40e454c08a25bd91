// `dynamight reset-password USER` as a real subprocess on a real data folder.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupAdmin } from "../../src/auth/login.ts";
import { verifyPassword } from "../../src/auth/passwords.ts";
import { replaceRecoveryCodes } from "../../src/auth/recovery-codes.ts";
import { createSession } from "../../src/auth/sessions.ts";
import { newTotpSecret } from "../../src/auth/totp.ts";
import { findUserByName, setTotp } from "../../src/auth/users.ts";
import { loadConfig } from "../../src/config.ts";
import { seal } from "../../src/crypto/seal.ts";
import { silentLogger } from "../../src/logger.ts";
import { buildContext } from "../../src/server.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function dataDirWithLockedOutOwner() {
  const dir = mkdtempSync(join(tmpdir(), "dm-reset-"));
  dirs.push(dir);
  const ctx = buildContext(loadConfig(["--data", dir], {}), silentLogger);
  const { user } = await setupAdmin(ctx, "owner", "forgotten password", { ip: "test" });
  setTotp(ctx.db, user.id, seal(ctx.secret, newTotpSecret(), `totp:user:${user.id}`), 1);
  replaceRecoveryCodes(ctx.db, ctx.secret, user.id);
  createSession(ctx.db, user.id);
  ctx.db.$client.close();
  return dir;
}

function run(args: string[], env: Record<string, string>, stdin?: string) {
  const p = Bun.spawnSync([process.execPath, "src/main.ts", ...args], {
    cwd: join(import.meta.dir, "../.."),
    env: { PATH: process.env.PATH ?? "", ...env },
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("dynamight reset-password", () => {
  test("sets the new password, disables 2FA, ends every session, says so", async () => {
    const dir = await dataDirWithLockedOutOwner();
    const r = run(["reset-password", "owner", "--data", dir], { DYNAMIGHT_NEW_PASSWORD: "a new start 123" });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`password of "owner" changed`);
    expect(r.out).toContain("two-factor authentication disabled");
    expect(r.out).toContain("2 session(s) signed out");
    expect(r.out).not.toContain("a new start 123");
    const ctx = buildContext(loadConfig(["--data", dir], {}), silentLogger);
    const user = findUserByName(ctx.db, "owner")!;
    expect(await verifyPassword("a new start 123", user.passwordHash)).toBe(true);
    expect(user.totpEnabled).toBe(false);
    expect(user.totpSecret).toBeNull();
    expect(ctx.db.$client.query("SELECT (SELECT count(*) FROM sessions) AS s, (SELECT count(*) FROM recovery_codes) AS c").get()).toEqual({ s: 0, c: 0 });
    ctx.db.$client.close();
  }, 60_000);

  test("reads the password from a pipe; refuses a short one and an unknown user", async () => {
    const dir = await dataDirWithLockedOutOwner();
    const piped = run(["reset-password", "owner", "--data", dir], {}, "piped password 1\n");
    expect(piped.code).toBe(0);
    const short = run(["reset-password", "owner", "--data", dir], { DYNAMIGHT_NEW_PASSWORD: "short" });
    expect(short.code).toBe(2);
    expect(short.err).toContain("at least 8 characters");
    const nobody = run(["reset-password", "nobody", "--data", dir], { DYNAMIGHT_NEW_PASSWORD: "long enough 1" });
    expect(nobody.code).toBe(2);
    expect(nobody.err).toContain(`no user named "nobody"`);
    const ctx = buildContext(loadConfig(["--data", dir], {}), silentLogger);
    expect(await verifyPassword("piped password 1", findUserByName(ctx.db, "owner")!.passwordHash)).toBe(true);
    ctx.db.$client.close();
  }, 60_000);
});
