/**
 * --notification-http-endpoint: one JSON record per admin action (Go's AdminAction, its field order
 * and omitempty rules), POSTed one after another from a bounded queue so an action's answer never
 * waits for it. A failed POST is logged and the next one goes on (Go's nsqadmin crashes there).
 * Owns the queue; knows no route.
 */

import os from 'node:os';
import { goJson } from '../go/json.js';
import type { HttpRequest } from '../http/request.js';
import type { Upstream } from './upstream.js';

/** records waiting past which new ones are dropped (counted in the log) */
const MAX_PENDING = 1000;

export type AdminActionName =
  | 'create_topic'
  | 'create_channel'
  | 'delete_topic'
  | 'delete_channel'
  | 'pause_topic'
  | 'unpause_topic'
  | 'empty_topic'
  | 'pause_channel'
  | 'unpause_channel'
  | 'empty_channel'
  | 'tombstone_topic_producer';

interface NotifyLog {
  info(msg: string): void;
  error(msg: string): void;
}

/** the user name of `Authorization: Basic …` ('' when none) */
function basicAuthUser(req: HttpRequest): string {
  const [scheme, value] = (req.header('authorization') ?? '').split(' ', 2);
  if (scheme !== 'Basic' || value === undefined) return '';
  const pair = Buffer.from(value, 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  return colon === -1 ? '' : pair.slice(0, colon);
}

export class Notifier {
  private readonly endpoint: () => string;
  private readonly client: Upstream;
  private readonly log: NotifyLog;
  private readonly queue: string[] = [];
  private running = false;
  private dropped = 0;

  constructor(endpoint: () => string, client: Upstream, log: NotifyLog) {
    this.endpoint = endpoint;
    this.client = client;
    this.log = log;
  }

  notify(action: AdminActionName, topic: string, channel: string, node: string, req: HttpRequest): void {
    if (this.endpoint() === '') return;
    const scheme = req.header('x-scheme') === 'https' ? 'https' : 'http';
    const record = {
      action,
      topic,
      channel: channel === '' ? undefined : channel,
      node: node === '' ? undefined : node,
      timestamp: Math.floor(Date.now() / 1000),
      user: basicAuthUser(req) || undefined,
      remote_ip: req.remoteAddr(),
      user_agent: req.header('user-agent') ?? '',
      url: `${scheme}://${req.header('host') ?? ''}${req.rawPath}${req.rawQuery === '' ? '' : `?${req.rawQuery}`}`,
      via: os.hostname(),
    };
    if (this.queue.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.queue.push(goJson(record));
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const body = this.queue.shift()!;
      const url = this.endpoint();
      this.log.info(`POSTing notification to ${url}`);
      try {
        await this.client.request('POST', url, body, { 'Content-Type': 'application/json' });
      } catch (err) {
        this.log.error(`failed to POST notification - ${(err as Error).message}`);
      }
      if (this.dropped > 0) {
        this.log.error(`dropped ${this.dropped} notifications (more than ${MAX_PENDING} waiting)`);
        this.dropped = 0;
      }
    }
    this.running = false;
  }

  /** resolves once every queued record was sent (or failed) */
  async idle(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.running && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }
}
