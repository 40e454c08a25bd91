// `dynamight reset-password USERNAME`: the way back in for a locked-out owner (forgotten password
// or lost 2FA device). Needs shell access to the data folder, which is the trust boundary anyway.
import type { Db } from "../db/client.ts";
import { ApiError } from "../http/errors.ts";
import { checkNewPassword, hashPassword } from "./passwords.ts";
import { deleteRecoveryCodes } from "./recovery-codes.ts";
import { deleteUserSessions } from "./sessions.ts";
import { findUserByName, setPasswordHash, setTotp } from "./users.ts";

export class ResetPasswordError extends Error {}

export interface ResetResult {
  username: string;
  endedSessions: number;
  disabledTotp: boolean;
}

export async function resetPassword(db: Db, username: string, password: string): Promise<ResetResult> {
  const user = findUserByName(db, username);
  if (!user) throw new ResetPasswordError(`no user named "${username}"`);
  try {
    checkNewPassword(password, "new password");
  } catch (err) {
    throw new ResetPasswordError(err instanceof ApiError ? err.message.replace("Field 'new password'", "the new password") : String(err));
  }
  const hash = await hashPassword(password);
  const disabledTotp = user.totpEnabled;
  // One connection, synchronous calls: the statements below run inside this transaction.
  const endedSessions = db.transaction(() => {
    setPasswordHash(db, user.id, hash);
    setTotp(db, user.id, null, null);
    deleteRecoveryCodes(db, user.id);
    return deleteUserSessions(db, user.id);
  });
  return { username: user.username, endedSessions, disabledTotp };
}

export function describeReset(r: ResetResult): string {
  return (
    [
      `password of "${r.username}" changed`,
      r.disabledTotp ? "two-factor authentication disabled (enable it again on the account page)" : "two-factor authentication was not enabled",
      `${r.endedSessions} session(s) signed out`,
    ].join("\n") + "\n"
  );
}

/** Reads one line from a pipe, or asks twice without echo on a terminal. */
export async function promptNewPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const text = await new Response(Bun.stdin.stream()).text();
    return text.split(/\r?\n/)[0] ?? "";
  }
  const first = await readHidden("New password: ");
  const second = await readHidden("Repeat new password: ");
  if (first !== second) throw new ResetPasswordError("the two passwords do not match");
  return first;
}

function readHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let value = "";
  return new Promise((resolve, reject) => {
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish(() => resolve(value));
        if (ch === "\u0003") return finish(() => reject(new ResetPasswordError("cancelled")));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    const finish = (done: () => void) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      done();
    };
    stdin.on("data", onData);
  });
}
