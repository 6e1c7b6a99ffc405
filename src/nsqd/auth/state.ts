/**
 * What an auth server granted a connection, as nsqd's internal/auth State: the reply decoded as Go's
 * encoding/json decodes it into that struct, validated in Go's order (permissions, topic regex,
 * channel regexes, then the TTL), and the checks nsqd makes with it (IsAllowed, IsExpired). Regexes
 * are Go's (src/go/regexp.ts), compiled once. Pure data and functions: no I/O, no session.
 */

import { decodeJson, JSON_DECODE_FAILURE, type JsonReader } from '../../go/json-decode.js';
import { goQuote } from '../../go/quote.js';
import { compileGoRegexp, type GoRegexp } from '../../go/regexp.js';

export interface Authorization {
  readonly topic: GoRegexp;
  readonly channels: readonly GoRegexp[];
  readonly publish: boolean;
  readonly subscribe: boolean;
}

/** how many (topic, channel) answers a state remembers; past it, it starts over */
const MAX_DECISIONS = 256;

export class AuthState {
  /** answers already worked out: the state never changes (a fresh answer is a new AuthState) */
  private readonly decisions = new Map<string, boolean>();

  constructor(
    readonly identity: string,
    readonly identityUrl: string,
    readonly authorizations: readonly Authorization[],
    /** Date.now() ms after which nsqd asks the server again */
    readonly expiresAt: number,
  ) {}

  /** nsqd's HasAuthorizations: AUTH succeeded only with at least one */
  get hasAuthorizations(): boolean {
    return this.authorizations.length > 0;
  }

  /** Go's Expires.Before(now) */
  isExpired(now: number): boolean {
    return this.expiresAt < now;
  }

  /**
   * nsqd's IsAllowed: a publish is the channel "" (so a publish grant needs a channel regex matching
   * the empty string, e.g. `.*`), a subscribe names its channel; some authorization must have the
   * permission, a topic regex matching the topic and a channel regex matching the channel
   * (unanchored, as Go's MatchString).
   */
  isAllowed(topic: string, channel: string): boolean {
    const key = `${topic} ${channel}`; // names never contain a space
    let allowed = this.decisions.get(key);
    if (allowed === undefined) {
      allowed = this.decide(topic, channel);
      if (this.decisions.size >= MAX_DECISIONS) this.decisions.clear();
      this.decisions.set(key, allowed);
    }
    return allowed;
  }

  private decide(topic: string, channel: string): boolean {
    const publish = channel === '';
    for (const a of this.authorizations) {
      if (publish ? !a.publish : !a.subscribe) continue;
      if (!a.topic.matchString(topic)) continue;
      for (const c of a.channels) if (c.matchString(channel)) return true;
    }
    return false;
  }
}

/** the reply as Go decodes it into auth.State, before validation */
interface RawState {
  ttl: number;
  identity: string;
  identityUrl: string;
  authorizations: { topic: string; channels: string[]; permissions: string[] }[];
}

/** an auth server's reply that nsqd refuses; the message is what nsqd logs */
export class AuthReplyError extends Error {}

/**
 * nsqd's QueryAuthd after the HTTP exchange: decode the 200 reply, validate it, and make the state
 * that expires `ttl` seconds from `now`.
 */
export function authStateFromReply(body: Uint8Array, now: number): AuthState {
  const raw = decodeReply(body);
  const authorizations: Authorization[] = [];
  for (const a of raw.authorizations) {
    for (const p of a.permissions) {
      if (p !== 'subscribe' && p !== 'publish') throw new AuthReplyError(`unknown permission ${p}`);
    }
    const topic = compile('topic', a.topic);
    const channels = a.channels.map((c) => compile('channel', c));
    authorizations.push({
      topic,
      channels,
      publish: a.permissions.includes('publish'),
      subscribe: a.permissions.includes('subscribe'),
    });
  }
  if (raw.ttl <= 0) throw new AuthReplyError(`invalid TTL ${raw.ttl} (must be >0)`);
  return new AuthState(raw.identity, raw.identityUrl, authorizations, now + raw.ttl * 1000);
}

function compile(what: string, pattern: string): GoRegexp {
  try {
    return compileGoRegexp(pattern);
  } catch (err) {
    throw new AuthReplyError(`unable to compile ${what} ${goQuote(pattern)} ${(err as Error).message}`);
  }
}

// ---- decoding, as encoding/json into auth.State ----

/**
 * Go's decoding of the reply: keys matched by Go's case folding, unknown keys skipped, later keys
 * overwriting earlier ones, `null` leaving a field as it is (a null array element is a zero value),
 * integers only for `ttl`, and `Expires` (a time.Time with no json tag, so the key "expires") an
 * RFC 3339 string or null. Any syntax or type error fails the whole reply, as in nsqd.
 */
function decodeReply(body: Uint8Array): RawState {
  const out: RawState = { ttl: 0, identity: '', identityUrl: '', authorizations: [] };
  const ok = decodeJson(body, (r) => {
    if (r.skipNull()) return;
    r.object((key) => {
      switch (key) {
        case 'ttl':
          if (!r.skipNull()) out.ttl = r.int(64);
          return;
        case 'identity':
          if (!r.skipNull()) out.identity = r.str();
          return;
        case 'identity_url':
          if (!r.skipNull()) out.identityUrl = r.str();
          return;
        case 'authorizations':
          out.authorizations = r.skipNull() ? [] : r.array(() => authorization(r));
          return;
        case 'expires':
          if (!r.skipNull() && !isRfc3339(r.str())) throw JSON_DECODE_FAILURE;
          return;
        default:
          r.skipValue(1);
      }
    });
  });
  if (!ok) throw new AuthReplyError('invalid JSON in the auth server reply');
  return out;
}

function authorization(r: JsonReader): RawState['authorizations'][number] {
  const a = { topic: '', channels: [] as string[], permissions: [] as string[] };
  if (r.skipNull()) return a;
  r.object((key) => {
    switch (key) {
      case 'topic':
        if (!r.skipNull()) a.topic = r.str();
        return;
      case 'channels':
        a.channels = r.skipNull() ? [] : r.array(() => (r.skipNull() ? '' : r.str()));
        return;
      case 'permissions':
        a.permissions = r.skipNull() ? [] : r.array(() => (r.skipNull() ? '' : r.str()));
        return;
      default:
        r.skipValue(2);
    }
  });
  return a;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** what Go's time.Time UnmarshalJSON accepts (time.RFC3339, fractional seconds allowed) */
function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (m === null) return false;
  const [year, month, day, hour, min, sec] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || min > 59 || sec > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (day < 1 || day > days) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}
