/**
 * A subscribed connection as its shard sees it: the RDY window, its in-flight count and the
 * settings it negotiated in IDENTIFY. Owned by the shard that owns its channel; the io thread only
 * ever refers to it by connection id.
 */

import type { Channel } from '../queue/channel.js';

export class Consumer {
  readonly conn: number;
  readonly channel: Channel;
  /** in-flight timeout for messages sent to this consumer (ms) */
  readonly msgTimeout: number;
  /** 0 = every message; 1..99 = nsqd's sample_rate */
  readonly sampleRate: number;
  /** the RDY window: deliver while inFlight < rdy (never decremented per message) */
  rdy = 0;
  inFlight = 0;
  /** CLS received: no new deliveries, FIN/REQ/TOUCH still accepted */
  closing = false;
  /** disconnected; its in-flight messages still wait out their timeouts */
  gone = false;
  /** cached `!gone && !closing && inFlight < rdy`, kept in step by Channel.updateReady */
  ready = false;
  /** counters for /stats */
  messageCount = 0;
  finishCount = 0;
  requeueCount = 0;

  constructor(conn: number, channel: Channel, msgTimeout: number, sampleRate: number) {
    this.conn = conn;
    this.channel = channel;
    this.msgTimeout = msgTimeout;
    this.sampleRate = sampleRate;
  }

  wantsMore(): boolean {
    return !this.gone && !this.closing && this.inFlight < this.rdy;
  }
}
