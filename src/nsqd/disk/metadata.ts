/**
 * nsqd.dat: the topic/channel names and pause flags, byte-exact with Go's json.Marshal, loaded and
 * atomically replaced as nsqd does. Beyond nsqd, a topic or channel with queue policies set over
 * HTTP (queue/limits.ts) carries them as extra fields after Go's (`max_attempts`, `ttl_ms`,
 * `max_depth`, `max_depth_policy`), present only when set: Go's encoding/json ignores unknown
 * fields, so Go nsqd loads the file as before (and drops them when it rewrites it).
 */

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { goFoldKey, goJsonString } from '../../go/json.js';
import { isEphemeral, isValidChannelName, isValidTopicName } from '../../wire/names.js';

/** the queue policies nsqd.dat may carry (queue/limits.ts QueueSettings) */
export interface MetaLimits {
  maxAttempts?: number;
  ttl?: number;
  maxDepth?: number;
  maxDepthPolicy?: 'drop-oldest' | 'reject-new';
}

export interface ChannelMeta {
  name: string;
  paused: boolean;
  limits?: MetaLimits | undefined;
}

export interface TopicMeta {
  name: string;
  paused: boolean;
  channels: ChannelMeta[];
  limits?: MetaLimits | undefined;
}

/** the extra fields, in this order, each only when set */
const LIMIT_FIELDS = [
  ['max_attempts', 'maxAttempts'],
  ['ttl_ms', 'ttl'],
  ['max_depth', 'maxDepth'],
  ['max_depth_policy', 'maxDepthPolicy'],
] as const;

function encodeLimits(l: MetaLimits | undefined): string {
  if (l === undefined) return '';
  let out = '';
  for (const [json, key] of LIMIT_FIELDS) {
    const v = l[key];
    if (v !== undefined) out += `,"${json}":${typeof v === 'string' ? goJsonString(v) : String(v)}`;
  }
  return out;
}

/** the extra fields as they decode; a value of the wrong kind is left out with a warning, never fatal */
function decodeLimits(
  f: Map<string, unknown>,
  where: string,
  warn: (m: string) => void,
): MetaLimits | undefined {
  const out: MetaLimits = {};
  for (const [json, key] of LIMIT_FIELDS) {
    const v = f.get(json);
    if (v === undefined || v === null) continue;
    if (key === 'maxDepthPolicy') {
      if (v === 'drop-oldest' || v === 'reject-new') out.maxDepthPolicy = v;
      else warn(`${where}: ignoring ${json} ${JSON.stringify(v)}`);
    } else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      out[key] = v;
    } else {
      warn(`${where}: ignoring ${json} ${JSON.stringify(v)}`);
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

const LIMIT_JSON = LIMIT_FIELDS.map(([json]) => json);

/** the `version` field nsqd 1.3.0 writes (version.Binary) */
export const METADATA_VERSION = '1.3.0';
export const METADATA_FILE = 'nsqd.dat';

export interface MetadataLog {
  warn(msg: string): void;
}

/** json.Marshal(Metadata): `topics`/`channels` are null when empty, ephemeral topics and channels omitted. */
export function encodeMetadata(topics: readonly TopicMeta[]): string {
  const ts: string[] = [];
  for (const t of topics) {
    if (isEphemeral(t.name)) continue;
    const cs: string[] = [];
    for (const c of t.channels) {
      if (isEphemeral(c.name)) continue;
      cs.push(
        `{"name":${goJsonString(c.name)},"paused":${c.paused ? 'true' : 'false'}${encodeLimits(c.limits)}}`,
      );
    }
    const channels = cs.length === 0 ? 'null' : `[${cs.join(',')}]`;
    ts.push(
      `{"name":${goJsonString(t.name)},"paused":${t.paused ? 'true' : 'false'},"channels":${channels}${encodeLimits(t.limits)}}`,
    );
  }
  const topicsJson = ts.length === 0 ? 'null' : `[${ts.join(',')}]`;
  return `{"topics":${topicsJson},"version":${goJsonString(METADATA_VERSION)}}`;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : (typeof v as string);
}

class TypeMismatch extends Error {}

/** Go's UnmarshalTypeError text; Go finishes decoding and then fails, so the first mismatch is fatal. */
function mismatch(v: unknown, where: string, type: string): TypeMismatch {
  const into = where === '' ? 'Go value' : `Go struct field ${where}`;
  return new TypeMismatch(`json: cannot unmarshal ${jsonKind(v)} into ${into} of type ${type}`);
}

/** Decodes one JSON object into the named fields as encoding/json would, ignoring unknown keys. */
function fields(obj: unknown, where: string, type: string, names: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (obj === null) return out; // null leaves the zero value
  if (typeof obj !== 'object' || Array.isArray(obj)) throw mismatch(obj, where, type);
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const f = names.includes(k) ? k : names.find((n) => n === goFoldKey(k));
    if (f !== undefined) out.set(f, v);
  }
  return out;
}

function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw mismatch(v, where, 'string');
  return v;
}

function bool(v: unknown, where: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw mismatch(v, where, 'bool');
  return v;
}

function list(v: unknown, where: string, type: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw mismatch(v, where, type);
  return v;
}

/** The decoded file, with Go's zero values for null or missing fields (invalid names still included). */
function decode(doc: unknown, warn: (m: string) => void): TopicMeta[] {
  const m = fields(doc, '', 'nsqd.Metadata', ['topics', 'version']);
  str(m.get('version'), 'Metadata.version');
  const topics: TopicMeta[] = [];
  for (const t of list(m.get('topics'), 'Metadata.topics', '[]nsqd.TopicMetadata')) {
    const tf = fields(t, 'Metadata.topics', 'nsqd.TopicMetadata', [
      'name',
      'paused',
      'channels',
      ...LIMIT_JSON,
    ]);
    const topic: TopicMeta = {
      name: str(tf.get('name'), 'TopicMetadata.topics.name'),
      paused: bool(tf.get('paused'), 'TopicMetadata.topics.paused'),
      channels: [],
    };
    const tl = decodeLimits(tf, `topic ${String(tf.get('name'))}`, warn);
    if (tl !== undefined) topic.limits = tl;
    const where = 'TopicMetadata.topics.channels';
    for (const c of list(tf.get('channels'), where, '[]nsqd.ChannelMetadata')) {
      const cf = fields(c, where, 'nsqd.ChannelMetadata', ['name', 'paused', ...LIMIT_JSON]);
      const channel: ChannelMeta = {
        name: str(cf.get('name'), 'ChannelMetadata.topics.channels.name'),
        paused: bool(cf.get('paused'), 'ChannelMetadata.topics.channels.paused'),
      };
      const cl = decodeLimits(cf, `channel ${String(cf.get('name'))}`, warn);
      if (cl !== undefined) channel.limits = cl;
      topic.channels.push(channel);
    }
    topics.push(topic);
  }
  return topics;
}

/**
 * LoadMetadata: [] for a missing file; throws (nsqd refuses to start) on a read error or malformed
 * JSON. Invalid names are skipped with nsqd's warning. A name listed twice is merged the way repeated
 * GetTopic/GetChannel + Pause calls would (paused if any entry is paused).
 */
export function loadMetadata(dataPath: string, log: MetadataLog): TopicMeta[] {
  const fn = path.join(dataPath, METADATA_FILE);
  let text: string;
  try {
    text = readFileSync(fn, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`failed to read metadata from ${fn} - ${(err as Error).message}`);
  }
  let decoded: TopicMeta[];
  try {
    decoded = decode(JSON.parse(text), (m) => log.warn(m));
  } catch (err) {
    throw new Error(`failed to parse metadata in ${fn} - ${(err as Error).message}`);
  }
  const out = new Map<string, TopicMeta>();
  for (const t of decoded) {
    if (!isValidTopicName(t.name)) {
      log.warn(`skipping creation of invalid topic ${t.name}`);
      continue;
    }
    let topic = out.get(t.name);
    if (topic === undefined) out.set(t.name, (topic = { name: t.name, paused: false, channels: [] }));
    topic.paused ||= t.paused;
    if (t.limits !== undefined) topic.limits = t.limits;
    for (const c of t.channels) {
      if (!isValidChannelName(c.name)) {
        log.warn(`skipping creation of invalid channel ${c.name}`);
        continue;
      }
      const prev = topic.channels.find((x) => x.name === c.name);
      if (prev === undefined)
        topic.channels.push(c.limits === undefined ? { name: c.name, paused: c.paused } : { ...c });
      else {
        prev.paused ||= c.paused;
        if (c.limits !== undefined) prev.limits = c.limits;
      }
    }
  }
  return [...out.values()];
}

/** PersistMetadata: write `nsqd.dat.<randint>.tmp` (0600, O_TRUNC), fsync, rename over nsqd.dat; the directory is not fsynced (as in Go). */
export function saveMetadata(dataPath: string, topics: readonly TopicMeta[]): void {
  const fn = path.join(dataPath, METADATA_FILE);
  const data = Buffer.from(encodeMetadata(topics), 'utf8');
  // Go's rand.Int(): a non-negative int63
  const rnd =
    (BigInt(Math.floor(Math.random() * 2 ** 31)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32));
  const tmp = `${fn}.${rnd}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {}
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, fn);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw err;
  }
}
