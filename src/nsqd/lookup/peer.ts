/**
 * One lookup peer: nsqd's connection to one nsqlookupd, as Go's lookupPeer plus its connect
 * callback. It dials (1 s timeout), sends the magic and IDENTIFY, keeps the lookupd's answer as its
 * info, then sends every registration its owner lists, then whatever comes later, one command at a
 * time, each answered within 1 s. A lost connection is dialled again with backoff (1 s doubling to
 * 15 s) and everything is registered again, since lookupd forgets a peer's registrations when it
 * goes. Commands that arrive while it is not identified are dropped: the next IDENTIFY re-registers
 * what exists then. Owns its socket, its queue (bounded: past it the peer reconnects, which
 * re-registers everything) and its timers; knows nothing of topics beyond the commands it is given.
 */

import { connect, type Socket } from 'node:net';
import { goDialError, goErrnoText } from '../../go/errors.js';
import { goFoldKey } from '../../go/json.js';
import type { Logger } from '../../log.js';
import { MAGIC_V1, PING, type V1Command, V1ResponseReader, v1Command } from './v1.js';

/** nsqd's lookupPeer timeouts: dial, and each command's write + read */
export const DIAL_TIMEOUT_MS = 1000;
export const COMMAND_TIMEOUT_MS = 1000;
/** reconnect delays: the first, and the cap (nsqd itself retries at its 15 s heartbeat) */
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 15_000;
/** notifications waiting to be sent; past this the peer reconnects (and so re-registers everything) */
export const MAX_QUEUED = 16_384;

/** what nsqd keeps of the lookupd's IDENTIFY reply (Go's peerInfo) */
export interface PeerInfo {
  tcpPort: number;
  httpPort: number;
  version: string;
  broadcastAddress: string;
}

/** what a peer asks of the registrar that owns it */
export interface PeerOwner {
  readonly log: Logger;
  /** --max-body-size: the largest response a lookupd may send */
  readonly maxBodySize: number;
  /** IDENTIFY's JSON body, built at each connect (the ports are known only after listening) */
  identifyBody(): Buffer;
  /** the REGISTER commands for everything that exists now */
  registerAll(): V1Command[];
  /** the peer's info is (re)set from an IDENTIFY reply */
  identified(peer: LookupPeer): void;
}

type State = 'idle' | 'connecting' | 'identifying' | 'ready' | 'closed';

export class LookupPeer {
  readonly addr: string;
  /** from the last IDENTIFY reply; kept across reconnects, as Go's */
  info: PeerInfo | null = null;
  private readonly owner: PeerOwner;
  private state: State = 'idle';
  private socket: Socket | null = null;
  private reader: V1ResponseReader;
  private readonly queue: V1Command[] = [];
  private queueHead = 0;
  private inFlight: V1Command | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(addr: string, owner: PeerOwner) {
    this.addr = addr;
    this.owner = owner;
    this.reader = new V1ResponseReader(owner.maxBodySize);
  }

  /** identified and sending */
  get ready(): boolean {
    return this.state === 'ready';
  }

  /** start the connection (Go's `lookupPeer.Command(nil)`) */
  start(): void {
    if (this.state === 'idle') this.dial();
  }

  /** send `cmd` after what is queued; dropped unless identified (the next IDENTIFY re-registers) */
  send(cmd: V1Command): void {
    if (this.state !== 'ready') return;
    if (this.queue.length - this.queueHead >= MAX_QUEUED) {
      this.owner.log.warn(
        `LOOKUPD(${this.addr}): over ${MAX_QUEUED} commands queued; reconnecting to register again`,
      );
      this.drop(0);
      return;
    }
    this.queue.push(cmd);
    this.pump();
  }

  /** nsqd's heartbeat: a PING, whose answer (or its absence) tells a live connection from a dead one */
  ping(): void {
    if (this.state !== 'ready') return;
    this.owner.log.debug(`LOOKUPD(${this.addr}): sending heartbeat`);
    this.send(PING);
  }

  close(): void {
    this.state = 'closed';
    this.disconnect();
  }

  toString(): string {
    return this.addr;
  }

  private dial(): void {
    this.state = 'connecting';
    this.reader = new V1ResponseReader(this.owner.maxBodySize);
    this.owner.log.info(`LOOKUP connecting to ${this.addr}`);
    const { host, port } = splitHostPort(this.addr);
    const s = connect({ host, port });
    this.socket = s;
    s.setNoDelay(true);
    this.timer = setTimeout(
      () => this.fail(s, 'connect', `dial tcp ${this.addr}: i/o timeout`),
      DIAL_TIMEOUT_MS,
    );
    s.on('connect', () => {
      if (this.socket !== s) return;
      this.clearCommandTimer();
      this.state = 'identifying';
      const identify = v1Command('IDENTIFY', [], this.owner.identifyBody());
      s.write(MAGIC_V1);
      this.write(identify);
    });
    s.on('data', (chunk: Buffer) => this.onData(s, chunk));
    s.on('error', (err) => {
      if (this.state === 'connecting') this.fail(s, 'connect', goDialError(this.addr, err));
      else this.fail(s, this.inFlight?.text ?? 'PING', ioError(s, err));
    });
    s.on('close', () => this.fail(s, this.inFlight?.text ?? 'PING', 'EOF'));
  }

  private write(cmd: V1Command): void {
    this.inFlight = cmd;
    this.socket!.write(cmd.bytes);
    const s = this.socket!;
    this.timer = setTimeout(
      () => this.fail(s, cmd.text, `${ioError(s, null)}: i/o timeout`),
      COMMAND_TIMEOUT_MS,
    );
  }

  /** send the next queued command once the one in flight is answered */
  private pump(): void {
    if (this.inFlight !== null || this.state !== 'ready' || this.queueHead === this.queue.length) return;
    const cmd = this.queue[this.queueHead++]!;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    this.write(cmd);
  }

  private onData(s: Socket, chunk: Buffer): void {
    if (this.socket !== s) return;
    this.reader.push(chunk);
    for (;;) {
      let resp: Buffer | null;
      try {
        resp = this.reader.next();
      } catch (err) {
        this.fail(s, this.inFlight?.text ?? 'PING', (err as Error).message);
        return;
      }
      if (resp === null || this.socket !== s) return;
      const cmd = this.inFlight;
      if (cmd === null) {
        this.fail(s, 'PING', `unexpected response ${JSON.stringify(resp.toString('latin1'))}`);
        return;
      }
      this.clearCommandTimer();
      this.inFlight = null;
      if (this.state === 'identifying') this.identified(resp);
      else this.pump();
    }
  }

  /** nsqd's connectCallback after the IDENTIFY round trip */
  private identified(resp: Buffer): void {
    const log = this.owner.log;
    const text = resp.toString('utf8');
    if (text === 'E_INVALID') {
      log.info(`LOOKUPD(${this.addr}): lookupd returned ${text}`);
      this.drop(this.backoff());
      return;
    }
    const info = parsePeerInfo(text);
    if (info === null) {
      log.error(`LOOKUPD(${this.addr}): parsing response - ${text}`);
      this.drop(this.backoff());
      return;
    }
    this.info = info;
    this.failures = 0;
    log.info(
      `LOOKUPD(${this.addr}): peer info {TCPPort:${info.tcpPort} HTTPPort:${info.httpPort} Version:${info.version} BroadcastAddress:${info.broadcastAddress}}`,
    );
    if (info.broadcastAddress === '') log.error(`LOOKUPD(${this.addr}): no broadcast address`);
    this.state = 'ready';
    for (const cmd of this.owner.registerAll()) {
      log.info(`LOOKUPD(${this.addr}): ${cmd.text}`);
      this.queue.push(cmd);
    }
    this.owner.identified(this);
    this.pump();
  }

  /** the connection failed while `what` was in flight: log nsqd's line, dial again after a backoff */
  private fail(s: Socket, what: string, why: string): void {
    if (this.socket !== s || this.state === 'closed') return;
    this.owner.log.error(`LOOKUPD(${this.addr}): ${what} - ${why}`);
    this.drop(this.backoff());
  }

  private backoff(): number {
    this.failures++;
    return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1));
  }

  /** the socket destroyed, its timers stopped, and what was queued for it forgotten */
  private disconnect(): void {
    this.clearTimers();
    this.socket?.destroy();
    this.socket = null;
    this.queue.length = 0;
    this.queueHead = 0;
    this.inFlight = null;
  }

  /** forget the connection and what was queued for it; dial again in `delayMs` */
  private drop(delayMs: number): void {
    this.disconnect();
    this.state = 'idle';
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.state === 'idle') this.dial();
    }, delayMs);
    this.retry.unref();
  }

  private clearCommandTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private clearTimers(): void {
    this.clearCommandTimer();
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }
}

/** `host:port` or `[v6]:port` */
function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  let host = i < 0 ? addr : addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: i < 0 ? 0 : Number(addr.slice(i + 1)) };
}

/** Go's *net.OpError prefix for an established connection: `read tcp <local>-><remote>` and its errno text */
function ioError(s: Socket, err: unknown): string {
  const at = `read tcp ${s.localAddress ?? ''}:${s.localPort ?? ''}->${s.remoteAddress ?? ''}:${s.remotePort ?? ''}`;
  return err === null ? at : `${at}: ${goErrnoText(err)}`;
}

/**
 * json.Unmarshal of the IDENTIFY reply into Go's peerInfo: keys match case-insensitively, unknown
 * keys are ignored, a wrong type fails; null for anything that is not such an object.
 */
export function parsePeerInfo(text: string): PeerInfo | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null) return { tcpPort: 0, httpPort: 0, version: '', broadcastAddress: '' };
  if (typeof v !== 'object' || Array.isArray(v)) return null;
  const info: PeerInfo = { tcpPort: 0, httpPort: 0, version: '', broadcastAddress: '' };
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val === null) continue; // null leaves a Go field as it is
    switch (goFoldKey(k)) {
      case 'tcp_port':
        if (!Number.isInteger(val)) return null;
        info.tcpPort = val as number;
        break;
      case 'http_port':
        if (!Number.isInteger(val)) return null;
        info.httpPort = val as number;
        break;
      case 'version':
        if (typeof val !== 'string') return null;
        info.version = val;
        break;
      case 'broadcast_address':
        if (typeof val !== 'string') return null;
        info.broadcastAddress = val;
        break;
    }
  }
  return info;
}
