// Notification channels: validated by their type's sender (400 naming the field as config.x),
// secret fields sealed at rest (context "notification:<id>") and returned masked.
import { open, seal } from "../crypto/seal.ts";
import type { Db } from "../db/client.ts";
import { invalidField, notFound } from "../http/errors.ts";
import { type Config, FieldError, type NotificationEvent } from "./contract.ts";
import type { ChannelBody, ChannelView } from "./model.ts";
import * as q from "./queries.ts";
import { CHANNEL_TYPES, type ChannelType, isChannelType, parseConfig, SENDERS } from "./registry.ts";

export const MASK = "****";
export const DEFAULT_EVENTS: NotificationEvent[] = ["run_failed", "run_missed", "no_success"];
const context = (id: number) => `notification:${id}`;

export interface Channel {
  id: number;
  name: string;
  type: ChannelType;
  config: Config;
  events: string[];
  jobIds: number[] | null;
  enabled: boolean;
}

const secretNames = (type: ChannelType) => SENDERS[type].fields.filter((f) => f.secret).map((f) => f.name);

function split(type: ChannelType, config: Config): { plain: Config; secrets: Config } {
  const plain: Config = {};
  const secrets: Config = {};
  const names = secretNames(type);
  for (const [k, v] of Object.entries(config)) (names.includes(k) ? secrets : plain)[k] = v;
  return { plain, secrets };
}

// Which secret fields are set is kept in the plain config as their names (`__secret_fields`), never their values.
function viewOf(r: q.ChannelRow): ChannelView {
  const config: Config = { ...r.config };
  const set = Array.isArray(config.__secret_fields) ? (config.__secret_fields as string[]) : [];
  delete config.__secret_fields;
  for (const name of set) config[name] = MASK;
  return { id: r.id, name: r.name, type: r.type, config, events: r.events, job_ids: r.jobIds ?? null, enabled: r.enabled, created_at: r.createdAt, updated_at: r.updatedAt };
}

/** The whole config of a stored channel, secrets opened. Never return or log it. */
export function openConfig(key: Uint8Array, r: q.ChannelRow): Config {
  const plain = { ...r.config };
  delete plain.__secret_fields;
  const secrets = r.secrets ? (JSON.parse(open(key, r.secrets, context(r.id))) as Config) : {};
  return { ...plain, ...secrets };
}

export function channelOf(key: Uint8Array, r: q.ChannelRow): Channel | null {
  if (!isChannelType(r.type)) return null;
  return { id: r.id, name: r.name, type: r.type, config: openConfig(key, r), events: r.events, jobIds: r.jobIds ?? null, enabled: r.enabled };
}

function checkConfig(type: ChannelType, raw: unknown): Config {
  try {
    return parseConfig(SENDERS[type], raw);
  } catch (err) {
    if (err instanceof FieldError) throw err.field ? invalidField(`config.${err.field}`, err.problem) : invalidField("config", err.problem);
    throw err;
  }
}

function checkType(type: string): ChannelType {
  if (!isChannelType(type)) throw invalidField("type", `must be one of ${CHANNEL_TYPES.join(", ")}`);
  return type;
}

function checkName(name: string): string {
  const n = name.trim();
  if (!n) throw invalidField("name", "must not be blank");
  return n;
}

function stored(type: ChannelType, config: Config) {
  const { plain, secrets } = split(type, config);
  return { plain: { ...plain, __secret_fields: Object.keys(secrets) }, secrets: JSON.stringify(secrets) };
}

export const listChannels = (db: Db): ChannelView[] => q.listChannels(db).map(viewOf);

export function getChannel(db: Db, id: number): ChannelView {
  const r = q.findChannel(db, id);
  if (!r) throw notFound("Notification channel not found");
  return viewOf(r);
}

export function createChannel(db: Db, key: Uint8Array, body: ChannelBody): ChannelView {
  const name = checkName(body.name);
  const type = checkType(body.type);
  const rawConfig = { ...(body.config as Config) };
  for (const [k, v] of Object.entries(rawConfig)) if (v === MASK) throw invalidField(`config.${k}`, "must be the value itself (there is no stored value to keep)");
  const config = checkConfig(type, rawConfig);
  const { plain, secrets } = stored(type, config);
  const id = q.insertChannel(db, { name, type, config: plain, events: body.events ?? DEFAULT_EVENTS, jobIds: body.job_ids ?? null, enabled: body.enabled ?? true }, (id) =>
    seal(key, secrets, context(id)),
  );
  return getChannel(db, id);
}

export function updateChannel(db: Db, key: Uint8Array, id: number, body: Partial<ChannelBody>): ChannelView {
  const r = q.findChannel(db, id);
  if (!r) throw notFound("Notification channel not found");
  const values: Partial<q.ChannelValues> = {};
  if (body.name !== undefined) values.name = checkName(body.name);
  const type = body.type !== undefined ? checkType(body.type) : checkType(r.type);
  if (body.config !== undefined || type !== r.type) {
    const current = type === r.type ? openConfig(key, r) : {};
    const raw = { ...((body.config ?? {}) as Config) };
    // The mask sent back keeps the stored value.
    for (const [k, v] of Object.entries(raw)) {
      if (v !== MASK) continue;
      if (current[k] === undefined) throw invalidField(`config.${k}`, "must be the value itself (there is no stored value to keep)");
      raw[k] = current[k];
    }
    const config = checkConfig(type, body.config === undefined ? current : raw);
    const s = stored(type, config);
    values.type = type;
    values.config = s.plain;
    values.secrets = seal(key, s.secrets, context(id));
  }
  if (body.events !== undefined) values.events = body.events;
  if (body.job_ids !== undefined) values.jobIds = body.job_ids;
  if (body.enabled !== undefined) values.enabled = body.enabled;
  q.updateChannel(db, id, values);
  return getChannel(db, id);
}

export function deleteChannel(db: Db, id: number) {
  if (!q.findChannel(db, id)) throw notFound("Notification channel not found");
  q.deleteChannel(db, id);
}

export function channelDeliveries(db: Db, id: number) {
  if (!q.findChannel(db, id)) throw notFound("Notification channel not found");
  return q.deliveries(db, id);
}

export function findChannelRow(db: Db, id: number): q.ChannelRow {
  const r = q.findChannel(db, id);
  if (!r) throw notFound("Notification channel not found");
  return r;
}

/** A channel as the job editor offers it: `all` channels serve every job (chosen, not editable there). */
export interface JobChannelChoice {
  id: number;
  name: string;
  type: string;
  all: boolean;
  chosen: boolean;
}

/** The channels a job can be told through, and whether it is (jobId undefined: a new job). */
export function jobChannelChoices(db: Db, jobId: number | undefined, chosen?: ReadonlySet<number>): JobChannelChoice[] {
  return q.listChannels(db).map((r) => {
    const all = r.jobIds === null;
    const picked = chosen ? chosen.has(r.id) : jobId !== undefined && (r.jobIds ?? []).includes(jobId);
    return { id: r.id, name: r.name, type: r.type, all, chosen: all || picked };
  });
}

/** The job editor's choice: the job joins the channels in `chosen` and leaves the others (channels for all jobs stay so). */
export function setJobChannels(db: Db, jobId: number, chosen: ReadonlySet<number>) {
  for (const r of q.listChannels(db)) {
    if (r.jobIds === null) continue;
    const has = r.jobIds.includes(jobId);
    if (has === chosen.has(r.id)) continue;
    q.updateChannel(db, r.id, { jobIds: has ? r.jobIds.filter((j) => j !== jobId) : [...r.jobIds, jobId] });
  }
}
