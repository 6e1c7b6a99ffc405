/**
 * A deliberately slow V2 subscriber for the matrix's disk-backlog row: RDY `rdy` (1 by default) and
 * each message FINished `finDelayMs` after it arrived, so the channel's backlog keeps growing while a
 * consumer is attached. nsq-bench's Consumer FINs at once, hence this small subclass of its NsqConn.
 */

import { encodeCommand } from '../src/wire/encode.js';
import { NO_FEATURES } from './nsq-bench/upgrade.js';
import { NsqConn } from './nsq-bench/wire.js';

export class SlowConsumer extends NsqConn {
  received = 0;
  finished = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    host: string,
    port: number,
    topic: string,
    channel: string,
    readonly finDelayMs: number,
    readonly rdy = 1,
    clientId = 'nsq-bench-slow',
  ) {
    super(host, port, clientId, encodeCommand(`SUB ${topic} ${channel}`), 1, NO_FEATURES);
  }

  /** Opens the RDY window: messages start to flow. */
  start(): void {
    if (!this.isClosed && !this.closing) this.link.write(Buffer.from(`RDY ${this.rdy}\n`));
  }

  protected onMessage(buf: Buffer, data: number): void {
    this.received++;
    // "FIN " + the 16-byte id + "\n", built now so that the timer holds 21 bytes, not the chunk
    const fin = Buffer.allocUnsafe(21);
    fin.write('FIN ', 0, 'latin1');
    buf.copy(fin, 4, data + 10, data + 26);
    fin[20] = 0x0a;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.isClosed || this.closing) return;
      this.link.write(fin);
      this.finished++;
    }, this.finDelayMs);
    this.timers.add(t);
  }

  protected onOk(): void {
    this.fail('unexpected OK on a consuming connection');
  }

  protected onErrorFrame(): void {}
  protected onChunkEnd(): void {}

  /** FINs not yet due are dropped: the server requeues those messages when the connection ends. */
  protected beforeClose(): void {
    this.clearTimers();
  }

  protected afterClose(): void {
    this.clearTimers();
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
