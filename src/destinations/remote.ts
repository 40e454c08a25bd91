// One helper that turns a store definition into a Destination: parse (fields), test (one timeout,
// one error mapping), sync (through the mirror engine). A remote type is its fields, its parse
// rules, how to open its store and how to word a successful check; nothing else.
// The store module (and its SDK) and the engine load on first use, inside openStore and sync.
import {
  asDestinationError,
  asStrings,
  type Capabilities,
  type CredentialHooks,
  type Destination,
  DestinationError,
  type DestinationType,
  type FieldSpec,
  parseFields,
  REMOTE_CAPABILITIES,
  type RemoteStore,
  type StoreEnv,
  TEST_TIMEOUT_MS,
  type TestResult,
} from "./contract.ts";
import { collectingGarbage } from "./engine/garbage.ts";

export type { StoreEnv };

export interface RemoteDefinition<C extends { full_compare?: boolean }, T extends DestinationType> {
  type: T;
  name: string;
  description: string;
  configFields: FieldSpec[];
  credentialFields: FieldSpec[];
  /** Added to REMOTE_CAPABILITIES (e.g. supports_checksum for S3). */
  capabilities?: Partial<Capabilities>;
  parseConfig(raw: unknown): C;
  /** Extra credential checks after the fields parse (default: none). */
  checkCredential?(data: Record<string, string>): void;
  /** Replaces the field parse for credentials that arrive in several shapes (OAuth: seed fields, a pasted rclone token). */
  parseCredential?(raw: unknown): Record<string, string>;
  /** Opens the store; throws DestinationError("config") when the credential lacks what it needs. */
  openStore(config: C, credential: Record<string, string> | null, env: StoreEnv): Promise<RemoteStore>;
  /** The answer of a successful test, from check()'s details. */
  describe(config: C, details: Record<string, unknown>): string;
  /** Who did not answer, for "No answer from <where> within 15 s". */
  where(config: C): string;
}

export function remoteDestination<C extends { full_compare?: boolean }, T extends DestinationType>(def: RemoteDefinition<C, T>): Destination<C, T> {
  return {
    type: def.type,
    name: def.name,
    description: def.description,
    configFields: def.configFields,
    credentialFields: def.credentialFields,
    capabilities: { ...REMOTE_CAPABILITIES, ...def.capabilities },
    parseConfig: (raw) => def.parseConfig(raw),
    parseCredential(raw) {
      if (def.parseCredential) return def.parseCredential(raw);
      const data = asStrings(parseFields(def.credentialFields, raw, def.name));
      def.checkCredential?.(data);
      return data;
    },
    openStore: (config, credential, env) => openStore(def, config, credential, env),
    test: (config, credential, signal, env) => testStore(def, config, credential, signal, env?.dataDir ?? null, env ?? {}),
    async sync(req) {
      const store = await openStore(def, req.config, req.credential, {
        dataDir: req.dataDir,
        purpose: "sync",
        updateCredential: (data) => req.updateCredential(data),
        reconnectNeeded: (message) => {
          req.markNeedsReconnect?.();
          req.report.alert?.({ kind: "reconnect_needed", message });
        },
        log: (level, message) => req.report.log(level, message),
        encryption: req.encryption ?? null,
        warn: (message) => req.report.log("warning", message),
      });
      try {
        const { runSync } = await import("./engine/sync.ts");
        return await runSync(req, store, { fullCompare: req.config.full_compare === true });
      } finally {
        await store.close();
      }
    },
  };
}

/**
 * The one place every remote store opens: requests counted for the garbage collector (engine/garbage.ts).
 * The one place encryption comes in: with `env.encryption` the type's store is wrapped in the
 * rclone crypt store, so the engine, browse, restore, verify and versions all see plain names.
 */
async function openStore<C extends { full_compare?: boolean }, T extends DestinationType>(
  def: RemoteDefinition<C, T>,
  config: C,
  credential: Record<string, string> | null,
  env: StoreEnv,
): Promise<RemoteStore> {
  return collectingGarbage(await encryptedIfAsked(env, () => def.openStore(config, credential, env)));
}

/**
 * `open()`'s store as it is, or seen through rclone crypt when `env.encryption` is set. For a
 * destination whose own sync opens its store (instead of remoteDestination's sync): call it there
 * with `{ ...env, encryption: req.encryption }`.
 */
export async function encryptedIfAsked(env: Pick<StoreEnv, "encryption" | "warn">, open: () => Promise<RemoteStore>): Promise<RemoteStore> {
  const enc = env.encryption;
  if (!enc) return open();
  const [{ deriveKeys }, { encryptedStore }] = await Promise.all([import("./crypt/keys.ts"), import("./crypt/store.ts")]);
  let keys: Awaited<ReturnType<typeof deriveKeys>>;
  try {
    keys = await deriveKeys(enc.password, enc.salt);
  } catch (err) {
    throw new DestinationError("config", `The encryption credential cannot be used: ${(err as Error).message}`);
  }
  const inner = await open();
  return encryptedStore(inner, keys, { filenameEncryption: enc.filename_encryption, directoryNameEncryption: enc.directory_name_encryption, warn: env.warn });
}

/** Opens and checks the store within TEST_TIMEOUT_MS (the one timeout); never throws. */
async function testStore<C extends { full_compare?: boolean }, T extends DestinationType>(
  def: RemoteDefinition<C, T>,
  config: C,
  credential: Record<string, string> | null,
  outer: AbortSignal,
  dataDir: string | null,
  hooks: CredentialHooks,
): Promise<TestResult> {
  const signal = AbortSignal.any([outer, AbortSignal.timeout(TEST_TIMEOUT_MS)]);
  const noAnswer = () => new DestinationError("unavailable", `No answer from ${def.where(config)} within ${TEST_TIMEOUT_MS / 1000} s`);
  let store: RemoteStore | null = null;
  // Gives up waiting at the deadline even if the store does not (a silent SSH host, a stuck socket).
  const gaveUp = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(outer.aborted ? new DestinationError("cancelled", "Cancelled") : noAnswer()), { once: true }));
  gaveUp.catch(() => {});
  try {
    const details = await Promise.race([
      (async () => {
        store = await def.openStore(config, credential, { dataDir, purpose: "test", updateCredential: hooks.updateCredential, reconnectNeeded: hooks.reconnectNeeded });
        return store.check(signal);
      })(),
      gaveUp,
    ]);
    return { success: true, message: def.describe(config, details), details };
  } catch (err) {
    // Past the deadline, whatever the store threw (its own abort, a reset) is "no answer".
    const e = signal.aborted && !outer.aborted ? noAnswer() : asDestinationError(err);
    return { success: false, message: e.message, details: { kind: e.kind } };
  } finally {
    await (store as RemoteStore | null)?.close();
  }
}

/** The folder words of tree stores' check() details (SFTP, WebDAV). */
export function folderNote(d: Record<string, unknown>): string {
  return d.exists ? `'${d.remote_path}' is a folder.` : `'${d.remote_path}' does not exist yet; the first run will create it.`;
}
