/**
 * nsqd's lookup loop: the set of lookup peers (from --lookupd-tcp-address, changed live by PUT
 * /config/nsqlookupd_tcp_addresses), what they are told exists (every topic and channel the shards
 * report, REGISTERed on each connect and as they come, UNREGISTERed as they go, ephemeral ones
 * included, as nsqd's Notify does), the 15 s heartbeat, and the channel pre-creation for new topics
 * (GET /channels on every lookupd, then `startTopic`). It runs on the io thread beside the data
 * path and never waits on it: shard reports only update a map and queue commands (bounded, per
 * peer), and every lookupd round trip has a timeout. Owns the peers and the registered names.
 */

import { hostname } from 'node:os';
import { formatAddress } from '../../go/address.js';
import { goJson } from '../../go/json.js';
import type { Logger } from '../../log.js';
import { isEphemeral } from '../../wire/names.js';
import { NSQD_VERSION } from '../contract/constants.js';
import type { TopologyChange } from '../contract/topology.js';
import type { Options } from '../options/options.js';
import { lookupdTopicChannels } from './channels-query.js';
import { LookupPeer, type PeerOwner } from './peer.js';
import { registerCommand, type V1Command } from './v1.js';

/** nsqd's lookup heartbeat */
export const PING_INTERVAL_MS = 15_000;
/**
 * channel queries for new topics running at once, and waiting beyond those (a closure each; a burst
 * of 3000 new topics is queried in about 2 s on a shared 2-core machine). Past the bound a new
 * topic starts with no pre-created channels, with nsqd's warning.
 */
const MAX_QUERIES = 16;
const MAX_WAITING_QUERIES = 65_536;

/** what the registrar needs from the broker around it */
export interface RegistrarHost {
  readonly options: Options;
  readonly log: Logger;
  /** the ports actually bound (for the broadcast ports left at 0) */
  readonly tcpPort: number;
  readonly httpPort: number;
  /** tell every shard whether a new topic waits for its lookupd channels */
  holdNewTopics(hold: boolean): void;
  /** create `channels` on a new topic (ephemeral ones left out already), then let it flow */
  startTopic(topic: string, channels: string[]): void;
}

export class Registrar implements PeerOwner {
  readonly log: Logger;
  readonly maxBodySize: number;
  private readonly host: RegistrarHost;
  /** the list as given (GET /config returns it as it was set) */
  private addrs: string[];
  private peers: LookupPeer[] = [];
  /** every topic that exists, with its channels, in the order they came */
  private readonly topics = new Map<string, Set<string>>();
  private ticker: NodeJS.Timeout | null = null;
  private holding = false;
  private running = false;
  private queries = 0;
  private readonly waitingQueries: (() => void)[] = [];

  constructor(host: RegistrarHost) {
    this.host = host;
    this.log = host.log;
    this.maxBodySize = host.options.maxBodySize;
    this.addrs = [...host.options.lookupdTcpAddresses];
  }

  /** connect to the lookupds (after the listeners are up: IDENTIFY sends their ports) */
  start(): void {
    this.running = true;
    this.connectNew();
    this.ticker = setInterval(() => {
      for (const p of this.peers) p.ping();
    }, PING_INTERVAL_MS);
    this.ticker.unref();
  }

  /** GET /config/nsqlookupd_tcp_addresses */
  addresses(): string[] {
    return [...this.addrs];
  }

  /** PUT /config/nsqlookupd_tcp_addresses: peers not listed go, new ones are added */
  setAddresses(addrs: string[]): void {
    this.addrs = [...addrs];
    if (!this.running) return;
    this.peers = this.peers.filter((p) => {
      if (addrs.includes(p.addr)) return true;
      this.log.info(`LOOKUP(${p.addr}): removing peer`);
      p.close();
      return false;
    });
    this.connectNew();
    this.updateHold();
  }

  private connectNew(): void {
    for (const addr of this.addrs) {
      if (this.peers.some((p) => p.addr === addr)) continue;
      this.log.info(`LOOKUP(${addr}): adding peer`);
      const peer = new LookupPeer(addr, this);
      this.peers.push(peer);
      peer.start();
    }
  }

  /** the lookupds' HTTP addresses from their IDENTIFY replies (nsqd's lookupdHTTPAddrs) */
  httpAddresses(): string[] {
    const out: string[] = [];
    for (const p of this.peers) {
      if (p.info === null || p.info.broadcastAddress === '') continue;
      out.push(formatAddress(p.info.broadcastAddress, p.info.httpPort));
    }
    return out;
  }

  /** a shard's report: remember it, tell every identified peer, and pre-create a new topic's channels */
  notify(ev: TopologyChange): void {
    const { topic, channel, gone } = ev;
    if (channel === '') {
      if (gone) this.topics.delete(topic);
      else if (!this.topics.has(topic)) this.topics.set(topic, new Set());
    } else {
      let chans = this.topics.get(topic);
      if (chans === undefined && !gone) this.topics.set(topic, (chans = new Set()));
      if (gone) chans?.delete(channel);
      else chans!.add(channel);
    }
    const cmd = registerCommand(gone ? 'UNREGISTER' : 'REGISTER', topic, channel);
    const branch = channel === '' ? 'topic' : 'channel';
    for (const p of this.peers) {
      if (!p.ready) continue;
      this.log.info(`LOOKUPD(${p.addr}): ${branch} ${cmd.text}`);
      p.send(cmd);
    }
    if (channel === '' && !gone && this.running) this.precreate(topic, ev.waiting);
  }

  /**
   * A shard crashed and restarted empty: its ephemeral topics and channels are gone for good, so
   * the lookupds are told; the others stay registered, since they come back from disk (with their
   * messages) when a consumer or producer next uses them.
   */
  shardLost(owned: (topic: string) => boolean): void {
    const gone = (topic: string, channel: string): void =>
      this.notify({ topic, channel, gone: true, waiting: false });
    for (const [topic, chans] of [...this.topics]) {
      if (!owned(topic)) continue;
      for (const c of [...chans]) if (isEphemeral(topic) || isEphemeral(c)) gone(topic, c);
      if (isEphemeral(topic)) gone(topic, '');
    }
    if (this.holding) this.host.holdNewTopics(true); // the new shard starts without the flag
  }

  // ---- PeerOwner ----

  identifyBody(): Buffer {
    const o = this.host.options;
    // json.Marshal of a Go map: keys sorted
    return Buffer.from(
      goJson({
        broadcast_address: o.broadcastAddress,
        hostname: hostname(),
        http_port: o.broadcastHttpPort !== 0 ? o.broadcastHttpPort : Math.max(0, this.host.httpPort),
        tcp_port: o.broadcastTcpPort !== 0 ? o.broadcastTcpPort : this.host.tcpPort,
        topology_region: o.topologyRegion,
        topology_zone: o.topologyZone,
        version: NSQD_VERSION,
      }),
      'utf8',
    );
  }

  /** nsqd's connect callback: `REGISTER t` for a topic without channels, else `REGISTER t c` for each */
  registerAll(): V1Command[] {
    const out: V1Command[] = [];
    for (const [topic, chans] of this.topics) {
      if (chans.size === 0) out.push(registerCommand('REGISTER', topic, ''));
      for (const c of chans) out.push(registerCommand('REGISTER', topic, c));
    }
    return out;
  }

  identified(): void {
    this.updateHold();
  }

  /** new topics wait for their channels only while some lookupd can be asked for them */
  private updateHold(): void {
    const hold = this.running && this.httpAddresses().length > 0;
    if (hold === this.holding) return;
    this.holding = hold;
    this.host.holdNewTopics(hold);
  }

  /**
   * nsqd's GetTopic after creating a topic: ask every lookupd for the topic's channels and create
   * them (ephemeral ones left out) before the topic's messages flow. A topic the shard holds is
   * always started, whatever the queries gave.
   */
  private precreate(topic: string, waiting: boolean): void {
    const addrs = this.httpAddresses();
    if (addrs.length === 0) {
      if (this.addrs.length > 0) {
        this.log.error(`no available nsqlookupd to query for channels to pre-create for topic ${topic}`);
      }
      if (waiting) this.host.startTopic(topic, []);
      return;
    }
    if (this.queries >= MAX_QUERIES && this.waitingQueries.length >= MAX_WAITING_QUERIES) {
      this.log.warn(
        `failed to query nsqlookupd for channels to pre-create for topic ${topic} - ${MAX_WAITING_QUERIES} queries waiting`,
      );
      if (waiting) this.host.startTopic(topic, []);
      return;
    }
    const run = (): void => {
      this.queries++;
      const o = this.host.options;
      const timeouts = {
        connectTimeout: o.httpClientConnectTimeout,
        requestTimeout: o.httpClientRequestTimeout,
      };
      void lookupdTopicChannels(topic, addrs, timeouts, this.log)
        .then((r) => {
          if (!this.running) return; // shutting down: the shards are stopping
          if (r.error !== '') {
            this.log.warn(
              `failed to query nsqlookupd for channels to pre-create for topic ${topic} - ${r.error}`,
            );
          }
          const channels = r.channels.filter((c) => !isEphemeral(c));
          if (waiting || channels.length > 0) this.host.startTopic(topic, channels);
        })
        .finally(() => {
          this.queries--;
          this.waitingQueries.shift()?.();
        });
    };
    if (this.queries < MAX_QUERIES) run();
    else this.waitingQueries.push(run);
  }

  /** nsqd's exit from its lookup loop: the connections close, so the lookupds forget this node */
  close(): void {
    if (this.running) this.log.info('LOOKUP: closing');
    this.running = false;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    for (const p of this.peers) p.close();
    this.peers = [];
  }
}
