// The encrypting store: a RemoteStore over another one that keeps every name and byte in rclone
// crypt's format (formats/rclone-crypt.md), so a crypt remote over the same place opens it with
// stock rclone. Everything above it (the mirror engine, browse, restore, verify, versions) sees
// plain paths and plaintext sizes; only this file knows the store holds something else.
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { compareUtf8, DestinationError, guardStream, type PutResult, type PutSource, type RemoteEntry, type RemoteStore } from "../contract.ts";
import { CryptError, chain, DecryptStream, decryptedSize, EncryptStream, encryptBuffer, encryptedSize, encryptRange, newNonce } from "./content.ts";
import type { CryptKeys } from "./keys.ts";
import { type FilenameEncryption, NameCipher } from "./names.ts";

export interface EncryptedStoreOptions {
  filenameEncryption: FilenameEncryption;
  directoryNameEncryption: boolean;
  /** Told about entries that are skipped because they do not decrypt (rclone skips them too). */
  warn?: (message: string) => void;
}

export function encryptedStore(inner: RemoteStore, keys: CryptKeys, options: EncryptedStoreOptions): RemoteStore {
  return new EncryptedStore(inner, keys, options);
}

const wrongPassword = (why: string) => new DestinationError("config", `wrong encryption password: ${why}`);

class EncryptedStore implements RemoteStore {
  // Content hashes the server computes are of the ciphertext: nothing to compare with a source file.
  readonly hash = null;
  readonly key: string;
  private readonly names: NameCipher;

  constructor(
    private readonly inner: RemoteStore,
    private readonly keys: CryptKeys,
    private readonly opts: EncryptedStoreOptions,
  ) {
    this.names = new NameCipher(keys, opts);
    // Another password or name mode is another store for the local record: its entries would be
    // wrong there. The fingerprint is a hash of derived keys, which reveals nothing of them.
    const fp = createHash("sha256").update(keys.dataKey).update(keys.nameKey).update(keys.nameTweak).digest("hex").slice(0, 12);
    this.key = `crypt:${opts.filenameEncryption}:${opts.directoryNameEncryption ? "dirs" : "nodirs"}:${fp}|${inner.key}`;
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  get maxBatch() {
    return this.inner.maxBatch;
  }

  private file(path: string): string {
    try {
      return this.names.encryptFile(path);
    } catch (err) {
      throw new DestinationError("failed", `${path}: ${(err as Error).message}`);
    }
  }

  private plainEntry(e: RemoteEntry, path: string): RemoteEntry | null {
    const size = decryptedSize(e.size);
    if (size === null) return null;
    return { path, size, mtime: e.mtime, serverTime: e.serverTime ?? null, id: e.id ?? null, hash: null };
  }

  /**
   * The inner listing is in the order of the encrypted names; the contract wants plain path order,
   * so the entries of `prefix` are gathered, decrypted and sorted (about 150 bytes per file).
   */
  async *list(prefix: string, signal: AbortSignal): AsyncGenerator<RemoteEntry> {
    const encPrefix = this.names.encryptDir(prefix);
    const out: RemoteEntry[] = [];
    let seen = 0;
    let skipped = 0;
    for await (const e of this.inner.list(encPrefix, signal)) {
      seen++;
      const rel = encPrefix === "" ? e.path : e.path.slice(encPrefix.length + 1);
      const plainRel = this.names.decryptFile(rel);
      const entry = plainRel === null ? null : this.plainEntry(e, prefix === "" ? plainRel : `${prefix}/${plainRel}`);
      if (!entry) {
        skipped++;
        if (skipped <= 20)
          this.opts.warn?.(`skipping "${e.path}" on the destination: ${plainRel === null ? "its name does not decrypt with this job's password" : "its size is not one of an encrypted file"}`);
        continue;
      }
      out.push(entry);
    }
    if (this.opts.filenameEncryption === "standard" && out.length === 0) {
      if (seen > 0) throw wrongPassword(`none of the ${seen} file name(s) under "${prefix || "the destination root"}" can be decrypted with this job's password`);
      // Another key maps `prefix` to a name that does not exist: nothing to list is then no proof.
      if (prefix !== "" && (await this.foreignRoot(signal)))
        throw wrongPassword(
          `"${prefix}" is not on the destination, and the names there do not decrypt with this job's password (or the folder holds files that were not written with this job's encryption)`,
        );
    }
    if (skipped > 20) this.opts.warn?.(`skipped ${skipped} entries on the destination that do not decrypt`);
    out.sort((a, b) => compareUtf8(a.path, b.path));
    yield* out;
  }

  /** The first few entries of the root all fail to decrypt (the listing is stopped right there). */
  private async foreignRoot(signal: AbortSignal): Promise<boolean> {
    let n = 0;
    for await (const e of this.inner.list("", signal)) {
      if (this.names.decryptFile(e.path) !== null) return false;
      if (++n >= 20) break;
    }
    return n > 0;
  }

  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    const key = this.keys.dataKey;
    // One nonce per upload: a retried part or stream re-encrypts to the very same bytes.
    const nonce = newNonce();
    const enc: PutSource = {
      open: () => chain(source.open(), new EncryptStream(key, nonce)),
      readAll: async () => encryptBuffer(key, nonce, await source.readAll()),
      openRange: (start, end) => encryptRange(key, nonce, source.size, start, end, (s, e) => source.openRange(s, e)),
      size: encryptedSize(source.size),
      mtime: source.mtime,
      mtimeNs: source.mtimeNs,
      localPath: source.localPath,
    };
    return this.inner.put(this.file(path), enc, signal);
  }

  async open(path: string, signal: AbortSignal): Promise<Readable> {
    const raw = await this.inner.open(this.file(path), signal);
    const plain = chain(raw, new DecryptStream(this.keys.dataKey, path));
    return guardStream(plain, signal, (err) =>
      err instanceof CryptError
        ? new DestinationError(err.reason === "wrong_password" ? "config" : "failed", err.message, { cause: err })
        : new DestinationError("failed", String((err as Error)?.message ?? err), { cause: err }),
    );
  }

  move(from: string, to: string, signal: AbortSignal): Promise<void> {
    return this.inner.move(this.file(from), this.file(to), signal);
  }

  remove(path: string, signal: AbortSignal): Promise<void> {
    return this.inner.remove(this.file(path), signal);
  }

  get removeMany() {
    const many = this.inner.removeMany;
    return (
      many &&
      ((paths: string[], signal: AbortSignal) =>
        many.call(
          this.inner,
          paths.map((p) => this.file(p)),
          signal,
        ))
    );
  }

  get stat() {
    const stat = this.inner.stat;
    return (
      stat &&
      (async (path: string, signal: AbortSignal) => {
        const e = await stat.call(this.inner, this.file(path), signal);
        return e && this.plainEntry(e, path);
      })
    );
  }

  get setModTime() {
    const set = this.inner.setModTime;
    return set && ((path: string, mtime: number, signal: AbortSignal) => set.call(this.inner, this.file(path), mtime, signal));
  }

  get removeDir() {
    const rd = this.inner.removeDir;
    return rd && ((path: string, signal: AbortSignal) => rd.call(this.inner, this.names.encryptDir(path), signal));
  }

  check(signal: AbortSignal): Promise<Record<string, unknown>> {
    return this.inner.check(signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
