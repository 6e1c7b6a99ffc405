/**
 * nsqlookupd's V1 commands (Go's lookup_protocol_v1.go) for one connection: PING, IDENTIFY (its JSON
 * body decoded as Go's json.Unmarshal into PeerInfo), REGISTER and UNREGISTER, each with Go's
 * checks, error codes and texts, and its effect on the registration DB; plus the clean-up when the
 * connection ends. Every error is fatal (the connection answers it, then closes). No I/O: the
 * connection (./connection.ts) feeds it parsed lines and bodies and writes what it returns.
 */

import { formatGoDuration } from '../../go/duration.js';
import { goJsonObject, goJsonString } from '../../go/json.js';
import { decodeGoStruct, K_INT64, K_STRING, type StructField } from '../../go/json-decode.js';
import { NSQ_VERSION } from '../../go/version.js';
import { LOG_INFO, type Logger } from '../../log.js';
import { EPHEMERAL_SUFFIX, isValidChannelName, isValidTopicName } from '../../wire/names.js';
import { type PeerFields, PeerInfo, peerJson, type RegistrationDB } from '../db/registration-db.js';

/** a fatal client error: answered as `<code> <text>`, then the connection closes */
export interface V1Error {
  readonly code: string;
  readonly text: string;
  /** the underlying error, logged as ` - <parent>` */
  readonly parent?: string;
}

const v1Error = (code: string, text: string, parent?: string): V1Error =>
  parent === undefined ? { code, text } : { code, text, parent };

export function isV1Error(r: unknown): r is V1Error {
  return typeof r === 'object' && r !== null && 'code' in r;
}

/** what a command answers: a response (latin1 text, or utf8 JSON), or a fatal error */
export type V1Result = { text: string; json: boolean } | V1Error;

const OK: V1Result = { text: 'OK', json: false };

/** what every connection's commands work with (Go's *NSQLookupd) */
export interface LookupContext {
  readonly db: RegistrationDB;
  readonly log: Logger;
  /** the IDENTIFY reply, Go's map marshalled (keys sorted), with the bound ports */
  readonly identifyReply: () => string;
  /** wall-clock ms (µs precision) */
  readonly now: () => number;
}

/** Build the IDENTIFY reply once the listeners are bound. */
export function makeIdentifyReply(
  broadcastAddress: string,
  hostname: string,
  tcpPort: number,
  httpPort: number,
): string {
  return goJsonObject([
    ['broadcast_address', goJsonString(broadcastAddress)],
    ['hostname', goJsonString(hostname)],
    ['http_port', String(httpPort)],
    ['tcp_port', String(tcpPort)],
    ['version', goJsonString(NSQ_VERSION)],
  ]);
}

interface IdentifyBody extends PeerFields {
  remoteAddress: string;
}

/** PeerInfo's json tags */
const PEER_FIELDS = new Map<string, StructField<IdentifyBody>>([
  ['remote_address', { key: 'remoteAddress', kind: K_STRING }],
  ['hostname', { key: 'hostname', kind: K_STRING }],
  ['broadcast_address', { key: 'broadcastAddress', kind: K_STRING }],
  ['tcp_port', { key: 'tcpPort', kind: K_INT64 }],
  ['http_port', { key: 'httpPort', kind: K_INT64 }],
  ['version', { key: 'version', kind: K_STRING }],
  ['topology_zone', { key: 'topologyZone', kind: K_STRING }],
  ['topology_region', { key: 'topologyRegion', kind: K_STRING }],
]);

/** getTopicChan: the topic and optional channel of REGISTER/UNREGISTER, or its error */
function topicChan(command: string, params: readonly string[]): [string, string] | V1Error {
  if (params.length < 2) return v1Error('E_INVALID', `${command} insufficient number of params`);
  const topic = params[1]!;
  const channel = params[2] ?? '';
  if (!isValidTopicName(topic))
    return v1Error('E_BAD_TOPIC', `${command} topic name '${topic}' is not valid`);
  if (channel !== '' && !isValidChannelName(channel)) {
    return v1Error('E_BAD_CHANNEL', `${command} channel name '${channel}' is not valid`);
  }
  return [topic, channel];
}

/** One connection's protocol state: who it is once it has IDENTIFYed. */
export class LookupSession {
  private readonly ctx: LookupContext;
  /** the connection's remote `ip:port` (the peer's id) */
  readonly remote: string;
  peer: PeerInfo | null = null;

  constructor(ctx: LookupContext, remote: string) {
    this.ctx = ctx;
    this.remote = remote;
  }

  /**
   * A command line. 'body' means IDENTIFY wants its `[size][body]` next (then call identify()).
   */
  exec(params: readonly string[]): V1Result | 'body' {
    switch (params[0]) {
      case 'PING':
        return this.ping();
      case 'IDENTIFY':
        if (this.peer !== null) return v1Error('E_INVALID', 'cannot IDENTIFY again');
        return 'body';
      case 'REGISTER':
        return this.register(params);
      case 'UNREGISTER':
        return this.unregister(params);
    }
    return v1Error('E_INVALID', `invalid command ${params[0]}`);
  }

  private ping(): V1Result {
    const peer = this.peer;
    if (peer !== null) {
      // a PING may come before anything else on the connection
      const now = this.ctx.now();
      const log = this.ctx.log;
      if (log.enabled(LOG_INFO)) {
        log.info(`CLIENT(${peer.id}): pinged (last ping ${formatGoDuration(now - peer.lastUpdate)})`);
      }
      peer.lastUpdate = now;
    }
    return OK;
  }

  /** IDENTIFY's body: decoded, checked, registered under `client::`; the reply */
  identify(body: Buffer): V1Result {
    const f: IdentifyBody = {
      remoteAddress: '',
      hostname: '',
      broadcastAddress: '',
      tcpPort: 0,
      httpPort: 0,
      version: '',
      topologyZone: '',
      topologyRegion: '',
    };
    if (!decodeGoStruct(body, PEER_FIELDS, f, true)) {
      return v1Error('E_BAD_BODY', 'IDENTIFY failed to decode JSON body', 'invalid JSON');
    }
    if (f.broadcastAddress === '' || f.tcpPort === 0 || f.httpPort === 0 || f.version === '') {
      return v1Error('E_BAD_BODY', 'IDENTIFY missing fields');
    }
    const { db, log } = this.ctx;
    const peer = new PeerInfo(this.remote, f, this.ctx.now());
    peer.json = Buffer.from(peerJson(peer));
    log.info(
      `CLIENT(${this.remote}): IDENTIFY Address:${peer.broadcastAddress} TCP:${peer.tcpPort} HTTP:${peer.httpPort} Version:${peer.version}`,
    );
    this.peer = peer;
    if (db.addProducer('client', '', '', peer)) {
      log.info(`DB: client(${this.remote}) REGISTER category:client key: subkey:`);
    }
    return { text: this.ctx.identifyReply(), json: true };
  }

  private register(params: readonly string[]): V1Result {
    const peer = this.peer;
    if (peer === null) return v1Error('E_INVALID', 'client must IDENTIFY');
    const tc = topicChan('REGISTER', params);
    if (isV1Error(tc)) return tc;
    const [topic, channel] = tc;
    const { db, log } = this.ctx;
    // (the lines are built only when written: an nsqd registers every topic and channel at once)
    const say = log.enabled(LOG_INFO);
    if (channel !== '' && db.addProducer('channel', topic, channel, peer) && say) {
      log.info(`DB: client(${this.remote}) REGISTER category:channel key:${topic} subkey:${channel}`);
    }
    if (db.addProducer('topic', topic, '', peer) && say) {
      log.info(`DB: client(${this.remote}) REGISTER category:topic key:${topic} subkey:`);
    }
    return OK;
  }

  private unregister(params: readonly string[]): V1Result {
    const peer = this.peer;
    if (peer === null) return v1Error('E_INVALID', 'client must IDENTIFY');
    const tc = topicChan('UNREGISTER', params);
    if (isV1Error(tc)) return tc;
    const [topic, channel] = tc;
    const { db, log } = this.ctx;
    if (channel !== '') {
      const r = db.get('channel', topic, channel);
      if (r === undefined) return OK;
      const [removed, left] = db.removeProducer(r, peer.id);
      if (removed)
        log.info(`DB: client(${this.remote}) UNREGISTER category:channel key:${topic} subkey:${channel}`);
      // an ephemeral channel goes with its last producer
      if (left === 0 && channel.endsWith(EPHEMERAL_SUFFIX)) db.removeRegistration(r);
      return OK;
    }
    // a topic unregistration: its channels first (nsqd unregisters those itself, hence the warning)
    for (const r of db.findRegistrations('channel', topic, '*')) {
      if (db.removeProducer(r, peer.id)[0]) {
        log.warn(
          `client(${this.remote}) unexpected UNREGISTER category:channel key:${topic} subkey:${r.subkey}`,
        );
      }
    }
    const r = db.get('topic', topic, '');
    if (r === undefined) return OK;
    const [removed, left] = db.removeProducer(r, peer.id);
    if (removed) log.info(`DB: client(${this.remote}) UNREGISTER category:topic key:${topic} subkey:`);
    if (left === 0 && topic.endsWith(EPHEMERAL_SUFFIX)) db.removeRegistration(r);
    return OK;
  }

  /** the connection ended: every registration of this peer goes (the keys stay) */
  close(): void {
    const peer = this.peer;
    if (peer === null) return;
    const { db, log } = this.ctx;
    for (const r of db.lookupRegistrations(peer.id)) {
      if (db.removeProducer(r, peer.id)[0]) {
        log.info(
          `DB: client(${this.remote}) UNREGISTER category:${r.category} key:${r.key} subkey:${r.subkey}`,
        );
      }
    }
  }
}
