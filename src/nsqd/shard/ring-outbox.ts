/**
 * A worker shard's Outbox: encodes what the shard core says as records on the outbound ring (see
 * records.ts). When the ring is full, records wait in an overflow list, in order, and the worker
 * stops taking inbound records until the io thread has drained enough. Owns the producer end of
 * the outbound ring.
 */

import { errorFrameData, type ProtocolError } from '../../wire/errors.js';
import { writeIdHex } from '../../wire/msgid.js';
import type { Message } from '../queue/message.js';
import type { Outbox } from '../queue/outbox.js';
import * as R from './records.js';
import { RingWriter } from './ring.js';

export class RingOutbox implements Outbox {
  private readonly w: RingWriter;
  private readonly overflow: Buffer[] = [];
  private dirty = false;
  /** scratch for one message ID's 16 hex bytes */
  private readonly id = Buffer.alloc(R.ID_LENGTH);

  constructor(outbound: SharedArrayBuffer) {
    this.w = new RingWriter(outbound);
  }

  /** records are waiting for room: the worker should not take more work */
  get blocked(): boolean {
    return this.overflow.length > 0;
  }

  private head(op: number, conn: number, payload: number, a: number): boolean {
    if (this.overflow.length > 0 || !this.w.begin(R.HEAD + payload)) return false;
    const w = this.w;
    w.u8(op);
    w.u8(a);
    w.u8(0);
    w.u8(0);
    w.u32(conn);
    return true;
  }

  private spill(op: number, conn: number, payload: number, a: number): Buffer {
    const b = Buffer.allocUnsafe(R.HEAD + payload);
    b[R.OFF_OP] = op;
    b[R.OFF_A] = a;
    b[R.OFF_B] = 0;
    b[R.OFF_C] = 0;
    b.writeUInt32BE(conn, R.OFF_CONN);
    this.overflow.push(b);
    return b;
  }

  ok(conn: number): void {
    if (this.head(R.OUT_OK, conn, 0, 0)) this.done();
    else this.spill(R.OUT_OK, conn, 0, 0);
  }

  close(conn: number): void {
    if (this.head(R.OUT_CLOSE, conn, 0, 0)) this.done();
    else this.spill(R.OUT_CLOSE, conn, 0, 0);
  }

  error(conn: number, err: ProtocolError): void {
    const data = errorFrameData(err);
    const fatal = err.fatal ? 1 : 0;
    if (this.head(R.OUT_ERR, conn, data.length, fatal)) {
      this.w.latin1(data);
      this.done();
    } else {
      this.spill(R.OUT_ERR, conn, data.length, fatal).write(data, R.HEAD, 'latin1');
    }
  }

  deliver(conn: number, msg: Message, flush: boolean): void {
    const payload = R.MSG_FIXED + msg.length;
    const b = msg.batch;
    const at = msg.offset + b.shift;
    const f = flush ? 1 : 0;
    const id = this.id;
    writeIdHex(id, 0, msg.idHi, msg.idLo);
    if (this.head(R.OUT_MSG, conn, payload, f)) {
      const w = this.w;
      w.u32(b.tsHi >>> 0);
      w.u32(b.tsLo >>> 0);
      w.u16(msg.attempts);
      w.bytes(id, 0, R.ID_LENGTH);
      w.bytes(b.slab, at, at + msg.length);
      this.done();
      return;
    }
    const out = this.spill(R.OUT_MSG, conn, payload, f);
    let p = R.HEAD;
    p = out.writeUInt32BE(b.tsHi >>> 0, p);
    p = out.writeUInt32BE(b.tsLo >>> 0, p);
    p = out.writeUInt16BE(msg.attempts, p);
    p += id.copy(out, p);
    b.slab.copy(out, p, at, at + msg.length);
  }

  private done(): void {
    this.w.end();
    this.dirty = true;
  }

  /** move what overflowed into the ring, as far as it fits; true when nothing is left over */
  retryOverflow(): boolean {
    const o = this.overflow;
    while (o.length > 0) {
      const b = o[0]!;
      if (!this.w.begin(b.length)) break;
      this.w.bytes(b, 0, b.length);
      this.done();
      o.shift();
    }
    this.flush();
    return o.length === 0;
  }

  /** publish the records written since the last flush and ring the io thread's doorbell */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.w.publish();
  }
}
