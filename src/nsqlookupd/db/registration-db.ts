/**
 * nsqlookupd's registration DB (Go's registration_db.go): registrations (`client::`, `topic:T:`,
 * `channel:T:C`), each with the producers (peers) registered under it, with Go's semantics — keys
 * stay when their last producer leaves, `*` matches any key or subkey, a producer is per
 * registration (it carries the tombstone) — and indexes Go's single map lacks: topic → channels
 * and peer → registrations, so /lookup and a disconnect never scan the whole DB. Owns every
 * registration and producer; peers' info is the TCP side's (it fills it in at IDENTIFY). Also Go's
 * PeerInfo JSON, which /lookup and /nodes both write.
 */

import { goJsonObject, goJsonString } from '../../go/json.js';

export type Category = 'client' | 'topic' | 'channel';

/** the fields of Go's PeerInfo a peer sends in IDENTIFY (besides remote_address, which we set) */
export interface PeerFields {
  hostname: string;
  broadcastAddress: string;
  tcpPort: number;
  httpPort: number;
  version: string;
  topologyZone: string;
  topologyRegion: string;
}

/** What a peer told us in IDENTIFY, plus its connection's address and last PING. */
export class PeerInfo {
  /** the connection's remote `ip:port`: the peer's id */
  readonly id: string;
  readonly remoteAddress: string;
  readonly hostname: string;
  readonly broadcastAddress: string;
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly version: string;
  readonly topologyZone: string;
  readonly topologyRegion: string;
  /** last IDENTIFY or PING, ms since the epoch (µs precision) */
  lastUpdate: number;
  /** the peer as /lookup lists it (Go's PeerInfo JSON, UTF-8), encoded once */
  json: Buffer = Buffer.alloc(0);
  /**
   * the peer's one Producer in every `client` and `channel` registration: only topic producers are
   * ever tombstoned (Go's tombstone finds producers of category topic), so these need no state of
   * their own and 200 channels cost one Map entry each, not an object each
   */
  readonly shared: Producer = new Producer(this);

  constructor(id: string, f: PeerFields, now: number) {
    this.id = id;
    this.remoteAddress = id;
    this.hostname = f.hostname;
    this.broadcastAddress = f.broadcastAddress;
    this.tcpPort = f.tcpPort;
    this.httpPort = f.httpPort;
    this.version = f.version;
    this.topologyZone = f.topologyZone;
    this.topologyRegion = f.topologyRegion;
    this.lastUpdate = now;
  }
}

/** Go's PeerInfo JSON members in its field order: /lookup's producer, the head of /nodes' node */
export function peerJsonMembers(p: PeerInfo): [string, string][] {
  return [
    ['remote_address', goJsonString(p.remoteAddress)],
    ['hostname', goJsonString(p.hostname)],
    ['broadcast_address', goJsonString(p.broadcastAddress)],
    ['tcp_port', String(p.tcpPort)],
    ['http_port', String(p.httpPort)],
    ['version', goJsonString(p.version)],
    ['topology_zone', goJsonString(p.topologyZone)],
    ['topology_region', goJsonString(p.topologyRegion)],
  ];
}

/** Go's PeerInfo JSON, as /lookup lists it */
export function peerJson(p: PeerInfo): string {
  return goJsonObject(peerJsonMembers(p));
}

/** A peer registered under one registration; the tombstone is per registration (per topic). */
export class Producer {
  readonly peer: PeerInfo;
  tombstoned = false;
  /** ms since the epoch; 0 = never (Go's zero time.Time) */
  tombstonedAt = 0;

  constructor(peer: PeerInfo) {
    this.peer = peer;
  }

  tombstone(now: number): void {
    this.tombstoned = true;
    this.tombstonedAt = now;
  }

  isTombstoned(lifetime: number, now: number): boolean {
    return this.tombstoned && now - this.tombstonedAt < lifetime;
  }
}

/** One key of the DB and its producers by peer id. */
export class Registration {
  readonly category: Category;
  readonly key: string;
  readonly subkey: string;
  readonly producers = new Map<string, Producer>();

  constructor(category: Category, key: string, subkey: string) {
    this.category = category;
    this.key = key;
    this.subkey = subkey;
  }

  /** Go's IsMatch: `*` matches any key or subkey */
  isMatch(category: Category, key: string, subkey: string): boolean {
    return (
      category === this.category &&
      (key === '*' || key === this.key) &&
      (subkey === '*' || subkey === this.subkey)
    );
  }
}

/** wall-clock ms with µs precision (Go's time.Now) */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export class RegistrationDB {
  /** `client::`, created by the first IDENTIFY and never deleted */
  private client: Registration | null = null;
  private readonly topics = new Map<string, Registration>();
  /** topic → channel → registration (a channel key may outlive its topic key, as in Go) */
  private readonly channels = new Map<string, Map<string, Registration>>();
  /** peer id → the registrations it is a producer of (arrays: a peer has a few hundred at most) */
  private readonly byPeer = new Map<string, Registration[]>();

  /** the registration for this exact key, if it exists */
  get(category: Category, key: string, subkey: string): Registration | undefined {
    switch (category) {
      case 'client':
        return key === '' && subkey === '' && this.client !== null ? this.client : undefined;
      case 'topic':
        return subkey === '' ? this.topics.get(key) : undefined;
      case 'channel':
        return this.channels.get(key)?.get(subkey);
    }
  }

  /** Go's AddRegistration: creates the key if missing */
  addRegistration(category: Category, key: string, subkey: string): Registration {
    const found = this.get(category, key, subkey);
    if (found !== undefined) return found;
    const r = new Registration(category, key, subkey);
    switch (category) {
      case 'client':
        this.client = r;
        break;
      case 'topic':
        this.topics.set(key, r);
        break;
      case 'channel': {
        let m = this.channels.get(key);
        if (m === undefined) this.channels.set(key, (m = new Map()));
        m.set(subkey, r);
        break;
      }
    }
    return r;
  }

  /** Go's AddProducer: creates the key if missing; false when the peer was already registered there */
  addProducer(category: Category, key: string, subkey: string, peer: PeerInfo): boolean {
    const r = this.addRegistration(category, key, subkey);
    if (r.producers.has(peer.id)) return false;
    r.producers.set(peer.id, category === 'topic' ? new Producer(peer) : peer.shared);
    const regs = this.byPeer.get(peer.id);
    if (regs === undefined) this.byPeer.set(peer.id, [r]);
    else regs.push(r);
    return true;
  }

  /**
   * Go's RemoveProducer: [removed, producers left]; the key stays even when none is left. `r` is a
   * registration this DB returned.
   */
  removeProducer(r: Registration, id: string): [boolean, number] {
    const removed = r.producers.delete(id);
    if (removed) this.unindex(id, r);
    return [removed, r.producers.size];
  }

  /** Go's RemoveRegistration: the key and all its producers */
  removeRegistration(r: Registration): void {
    if (this.get(r.category, r.key, r.subkey) !== r) return;
    for (const id of r.producers.keys()) this.unindex(id, r);
    switch (r.category) {
      case 'client':
        this.client = null;
        break;
      case 'topic':
        this.topics.delete(r.key);
        break;
      case 'channel': {
        const m = this.channels.get(r.key);
        m?.delete(r.subkey);
        if (m?.size === 0) this.channels.delete(r.key);
        break;
      }
    }
  }

  /** `r` leaves peer `id`'s index */
  private unindex(id: string, r: Registration): void {
    const regs = this.byPeer.get(id);
    if (regs === undefined) return;
    const i = regs.indexOf(r);
    if (i < 0) return;
    regs[i] = regs[regs.length - 1]!;
    regs.pop();
    if (regs.length === 0) this.byPeer.delete(id);
  }

  /** every registration of a category (all keys, in insertion order) */
  private *all(category: Category): Iterable<Registration> {
    if (category === 'client') {
      if (this.client !== null) yield this.client;
    } else if (category === 'topic') {
      yield* this.topics.values();
    } else {
      for (const m of this.channels.values()) yield* m.values();
    }
  }

  /** Go's FindRegistrations: the registrations matching, `*` for any key or subkey */
  findRegistrations(category: Category, key: string, subkey: string): Registration[] {
    if (key !== '*' && subkey !== '*') {
      const r = this.get(category, key, subkey);
      return r === undefined ? [] : [r];
    }
    if (category === 'channel' && key !== '*') {
      const m = this.channels.get(key);
      return m === undefined ? [] : [...m.values()];
    }
    const out: Registration[] = [];
    for (const r of this.all(category)) if (r.isMatch(category, key, subkey)) out.push(r);
    return out;
  }

  /** Go's FindProducers: the producers of the matching registrations, each peer once */
  findProducers(category: Category, key: string, subkey: string): Producer[] {
    if (key !== '*' && subkey !== '*') {
      const r = this.get(category, key, subkey);
      return r === undefined ? [] : [...r.producers.values()];
    }
    const seen = new Set<string>();
    const out: Producer[] = [];
    for (const r of this.findRegistrations(category, key, subkey)) {
      for (const p of r.producers.values()) {
        if (seen.has(p.peer.id)) continue;
        seen.add(p.peer.id);
        out.push(p);
      }
    }
    return out;
  }

  /** Go's LookupRegistrations: every registration this peer is a producer of */
  lookupRegistrations(id: string): Registration[] {
    const regs = this.byPeer.get(id);
    return regs === undefined ? [] : [...regs];
  }

  /** every registration, for /debug: client, topics, then channels */
  registrations(): Registration[] {
    return [...this.all('client'), ...this.all('topic'), ...this.all('channel')];
  }
}

/**
 * Go's Producers.FilterByActive: the producers PINGed within `inactiveTimeout` and not tombstoned
 * within `tombstoneLifetime` (0: tombstones are ignored), as of `now`.
 */
export function filterByActive(
  producers: readonly Producer[],
  inactiveTimeout: number,
  tombstoneLifetime: number,
  now: number,
): Producer[] {
  const out: Producer[] = [];
  for (const p of producers) {
    if (now - p.peer.lastUpdate > inactiveTimeout || p.isTombstoned(tombstoneLifetime, now)) continue;
    out.push(p);
  }
  return out;
}
