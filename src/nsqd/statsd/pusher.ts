/**
 * nsqd's statsdLoop on the io thread: every --statsd-interval, one stats snapshot (the one /stats
 * uses, without clients) becomes statsd lines (./report.ts), packed into UDP packets of at most
 * --statsd-udp-packet-size bytes and spread over the interval less one second, on a fresh UDP socket
 * per push as Go's net.Dial gives. Owns only its timer, its socket and the previous snapshot; never
 * touches a shard or a message, so the data path pays nothing for it.
 */

import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { Logger } from '../../log.js';
import { readMemStats, type StatsSnapshot, type TopicStats } from '../contract/stats.js';
import { memLines, packPackets, statsdLines } from './report.js';

export interface StatsdConfig {
  /** `host:port` of the statsd daemon */
  address: string;
  /** already host-substituted (statsdPrefix()) */
  prefix: string;
  /** ms */
  interval: number;
  memStats: boolean;
  udpPacketSize: number;
  excludeEphemeral: boolean;
}

/** net.DialTimeout's timeout for resolving the statsd address */
const DIAL_TIMEOUT_MS = 1000;

/** Go's SplitHostPort for a dial address: `[v6]:port` or `host:port`; an empty host is the local system */
function splitHostPort(address: string): { host: string; port: number } | null {
  const i = address.lastIndexOf(':');
  if (i < 0) return null;
  let host = address.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) return null;
  const portText = address.slice(i + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) return null;
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/** a connected UDP socket to the statsd address, or null when it cannot be resolved or connected */
async function dial(address: string): Promise<dgram.Socket | null> {
  const hp = splitHostPort(address);
  if (hp === null) return null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((res) => {
    timer = setTimeout(() => res(null), DIAL_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([lookup(hp.host), timeout]);
    if (found === null) return null;
    const socket = dgram.createSocket(found.family === 6 ? 'udp6' : 'udp4');
    socket.on('error', () => {}); // Go ignores write errors (e.g. ECONNREFUSED from an earlier send)
    try {
      await new Promise<void>((res, rej) => {
        socket.once('error', rej);
        socket.connect(hp.port, found.address, () => {
          socket.off('error', rej);
          res();
        });
      });
    } catch {
      socket.close();
      return null;
    }
    return socket;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export class StatsdPusher {
  private readonly config: StatsdConfig;
  private readonly snapshot: () => Promise<StatsSnapshot>;
  private readonly log: Logger;
  private readonly ticker: NodeJS.Timeout;
  private last: readonly TopicStats[] = [];
  private lastGcRuns = 0;
  /** the push in progress (snapshot, then its spread writes) */
  private pushing: Promise<void> | null = null;
  /** a tick came while a push was in progress: Go's ticker keeps one */
  private tickPending = false;
  private exiting = false;
  /** ends the spread's current sleep at once (close: "skip sleeps, finish writes") */
  private wake: (() => void) | null = null;

  constructor(config: StatsdConfig, snapshot: () => Promise<StatsSnapshot>, log: Logger) {
    this.config = config;
    this.snapshot = snapshot;
    this.log = log;
    this.ticker = setInterval(() => this.tick(), config.interval);
    this.ticker.unref();
  }

  private tick(): void {
    if (this.pushing !== null) {
      this.tickPending = true;
      return;
    }
    this.pushing = this.push().finally(() => {
      this.pushing = null;
      if (this.tickPending && !this.exiting) {
        this.tickPending = false;
        this.tick();
      }
    });
  }

  private async push(): Promise<void> {
    const { address } = this.config;
    const socket = await dial(address);
    if (socket === null) {
      this.log.error(`failed to create UDP socket to statsd(${address})`);
      return;
    }
    try {
      this.log.info(`STATSD: pushing stats to ${address}`);
      await this.send(socket, await this.lines());
    } catch (err) {
      this.log.error(`STATSD: ${(err as Error).message}`);
    } finally {
      socket.close();
    }
  }

  /** this push's lines: topics and channels against the last push, then memory */
  private async lines(): Promise<string[]> {
    const { prefix, excludeEphemeral, memStats } = this.config;
    const topics = (await this.snapshot()).topics ?? [];
    const lines = statsdLines(prefix, topics, this.last, excludeEphemeral);
    this.last = topics;
    if (memStats) {
      const mem = readMemStats();
      lines.push(...memLines(prefix, mem, this.lastGcRuns));
      this.lastGcRuns = mem.gcTotalRuns;
    }
    return lines;
  }

  /** writers.SpreadWriter: one packet, then a sleep of (interval - 1 s) / packets, for each packet */
  private async send(socket: dgram.Socket, lines: string[]): Promise<void> {
    const packets = packPackets(lines, this.config.udpPacketSize);
    const sleep = packets.length === 0 ? 0 : (this.config.interval - 1000) / packets.length;
    for (const p of packets) {
      // a failed write is dropped, as SpreadWriter ignores Write's error; the socket closes only after the last
      await new Promise<void>((res) => socket.send(p, () => res()));
      if (sleep > 0 && !this.exiting) {
        await new Promise<void>((res) => {
          const t = setTimeout(res, sleep);
          this.wake = () => {
            clearTimeout(t);
            res();
          };
        });
        this.wake = null;
      }
    }
  }

  /** stop ticking; a push in progress writes the rest of its packets at once and closes its socket */
  async close(): Promise<void> {
    this.exiting = true;
    clearInterval(this.ticker);
    this.wake?.();
    await this.pushing;
  }
}
