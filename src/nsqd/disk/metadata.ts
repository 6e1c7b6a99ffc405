/** nsqd.dat: the topic/channel names and pause flags, byte-exact with Go's json.Marshal, loaded and atomically replaced as nsqd does. */

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { goFoldKey, goJsonString } from '../../go/json.js';
import { isEphemeral, isValidChannelName, isValidTopicName } from '../../wire/names.js';

export interface TopicMeta {
  name: string;
  paused: boolean;
  channels: { name: string; paused: boolean }[];
}

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
      cs.push(`{"name":${goJsonString(c.name)},"paused":${c.paused ? 'true' : 'false'}}`);
    }
    const channels = cs.length === 0 ? 'null' : `[${cs.join(',')}]`;
    ts.push(
      `{"name":${goJsonString(t.name)},"paused":${t.paused ? 'true' : 'false'},"channels":${channels}}`,
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
function decode(doc: unknown): TopicMeta[] {
  const m = fields(doc, '', 'nsqd.Metadata', ['topics', 'version']);
  str(m.get('version'), 'Metadata.version');
  const topics: TopicMeta[] = [];
  for (const t of list(m.get('topics'), 'Metadata.topics', '[]nsqd.TopicMetadata')) {
    const tf = fields(t, 'Metadata.topics', 'nsqd.TopicMetadata', ['name', 'paused', 'channels']);
    const topic: TopicMeta = {
      name: str(tf.get('name'), 'TopicMetadata.topics.name'),
      paused: bool(tf.get('paused'), 'TopicMetadata.topics.paused'),
      channels: [],
    };
    const where = 'TopicMetadata.topics.channels';
    for (const c of list(tf.get('channels'), where, '[]nsqd.ChannelMetadata')) {
      const cf = fields(c, where, 'nsqd.ChannelMetadata', ['name', 'paused']);
      topic.channels.push({
        name: str(cf.get('name'), 'ChannelMetadata.topics.channels.name'),
        paused: bool(cf.get('paused'), 'ChannelMetadata.topics.channels.paused'),
      });
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
    decoded = decode(JSON.parse(text));
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
    for (const c of t.channels) {
      if (!isValidChannelName(c.name)) {
        log.warn(`skipping creation of invalid channel ${c.name}`);
        continue;
      }
      const prev = topic.channels.find((x) => x.name === c.name);
      if (prev === undefined) topic.channels.push({ name: c.name, paused: c.paused });
      else prev.paused ||= c.paused;
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
