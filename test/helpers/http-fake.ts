/**
 * A recording BrokerApi and request helpers for driving the HTTP route table without sockets:
 * every call is recorded, every answer configurable.
 */

import assert from 'node:assert/strict';
import { type HttpResponse, newRequest } from '../../src/http/request.js';
import type { RouteTable } from '../../src/http/table.js';
import type { StatsFilter, StatsSnapshot } from '../../src/nsqd/contract/stats.js';
import type { ApiResult, BrokerApi } from '../../src/nsqd/http/api.js';
import { makeRoutes } from '../../src/nsqd/http/routes.js';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import type { Options } from '../../src/nsqd/options/options.js';
import type { QueueSettingsChange } from '../../src/nsqd/queue/limits.js';

export type Call = [string, ...unknown[]];

/** a BrokerApi that records every call and answers with `results[method]` (default null = success) */
export class FakeApi implements BrokerApi {
  calls: Call[] = [];
  results: Record<string, ApiResult> = {};
  healthText = 'OK';
  logLevel = 'info';
  lookupd: string[] = ['l1:4160'];

  private act(name: string, ...args: unknown[]): Promise<ApiResult> {
    this.calls.push([name, ...args]);
    return Promise.resolve(this.results[name] ?? null);
  }
  info() {
    return {
      version: '1.3.0',
      broadcastAddress: 'bcast',
      hostname: 'host1',
      httpPort: 4151,
      tcpPort: 4150,
      startTime: 1700000000,
    };
  }
  health() {
    return this.healthText;
  }
  publish(topic: string, bodies: Buffer[], deferMs: number) {
    return this.act(
      'publish',
      topic,
      bodies.map((b) => b.toString('latin1')),
      deferMs,
    );
  }
  createTopic(t: string) {
    return this.act('createTopic', t);
  }
  deleteTopic(t: string) {
    return this.act('deleteTopic', t);
  }
  emptyTopic(t: string) {
    return this.act('emptyTopic', t);
  }
  setTopicPaused(t: string, p: boolean) {
    return this.act('setTopicPaused', t, p);
  }
  createChannel(t: string, c: string) {
    return this.act('createChannel', t, c);
  }
  deleteChannel(t: string, c: string) {
    return this.act('deleteChannel', t, c);
  }
  emptyChannel(t: string, c: string) {
    return this.act('emptyChannel', t, c);
  }
  setChannelPaused(t: string, c: string, p: boolean) {
    return this.act('setChannelPaused', t, c, p);
  }
  async configureQueue(topic: string, channel: string | null, change: QueueSettingsChange) {
    const r = await this.act('configureQueue', topic, channel, change);
    if (r !== null) return r;
    const settings = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== null));
    return {
      settings,
      effective: { maxAttempts: 0, deadLetterTopic: null, ttl: 0, maxDepth: 0, rejectNew: false },
    };
  }
  stats(filter: StatsFilter): Promise<StatsSnapshot> {
    this.calls.push(['stats', filter]);
    return Promise.resolve({
      version: '1.3.0',
      health: 'OK',
      startTime: 1700000000,
      topics: [],
      producers: null,
    });
  }
  getLogLevel() {
    return this.logLevel;
  }
  setLogLevel(level: string) {
    this.calls.push(['setLogLevel', level]);
    this.logLevel = level;
    return true;
  }
  getLookupdTcpAddresses() {
    return this.lookupd;
  }
  async setLookupdTcpAddresses(addrs: string[]) {
    this.calls.push(['setLookupdTcpAddresses', addrs]);
    this.lookupd = addrs;
  }
  drainingNow = false;
  draining() {
    return this.drainingNow;
  }
  async startDrain(why: string) {
    this.calls.push(['startDrain', why]);
    this.drainingNow = true;
  }
}

export const V1: [string, string] = ['X-NSQ-Content-Type', 'nsq; version=1.0'];
export const JSON_CT: [string, string] = ['Content-Type', 'application/json; charset=utf-8'];
export const TEXT_CT: [string, string] = ['Content-Type', 'text/plain; charset=utf-8'];

export interface Setup {
  api: FakeApi;
  table: RouteTable;
  options: Options;
  warnings: string[];
}

export function setup(over: Partial<Options> = {}): Setup {
  const api = new FakeApi();
  const options = { ...defaultOptions(), maxMsgSize: 10, maxBodySize: 40, maxReqTimeout: 60_000, ...over };
  const warnings: string[] = [];
  const table = makeRoutes(api, options, {
    enabled: () => false,
    info: () => {},
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(m),
  });
  return { api, table, options, warnings };
}

export async function call(
  s: Setup,
  method: string,
  target: string,
  body: Buffer | string = '',
  contentLength?: number | null,
): Promise<HttpResponse> {
  const q = target.indexOf('?');
  const [path, query] = q === -1 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)];
  const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const cl = contentLength === undefined ? b.length : contentLength;
  return s.table.dispatch(newRequest(method, path, query, b, cl, () => undefined));
}

export function text(r: HttpResponse): string {
  return typeof r.body === 'string' ? r.body : r.body.toString('latin1');
}

export function assertV1Error(r: HttpResponse, status: number, message: string): void {
  assert.equal(r.status, status, text(r));
  assert.equal(text(r), `{"message":"${message}"}`);
  assert.deepEqual(r.headers.slice(0, 2), [JSON_CT, V1]);
}

export function assertOk(r: HttpResponse): void {
  assert.equal(r.status, 200, text(r));
  assert.equal(text(r), 'OK');
  assert.deepEqual(r.headers, [TEXT_CT, V1]);
}

export function assertEmpty(r: HttpResponse): void {
  assert.equal(r.status, 200, text(r));
  assert.equal(text(r), '');
  assert.deepEqual(r.headers, [V1]);
}
