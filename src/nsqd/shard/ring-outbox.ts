/**
 * A worker shard's CoreAnswers: encodes what the shard core says as records on the outbound ring
 * (see ring-records.ts). When the ring is full, records wait in an overflow list, in order, and the
 * worker stops taking inbound records until the io thread has drained enough (it sleeps on the
 * ring's space doorbell). Owns the producer end of the outbound ring.
 */

import { errorCodeIndex, type ProtocolError } from '../../wire/errors.js';
import { MSG_ID_LENGTH, writeIdHex } from '../../wire/msgid.js';
import {
  type CoreAnswers,
  DOORBELL_TIMEOUT_MS,
  OUT_CLOSE,
  OUT_ERR,
  OUT_FORWARD,
  OUT_MSG,
  OUT_OK,
  type OutgoingMessage,
} from '../contract/shard.js';
import { RingWriter } from './ring.js';
import * as R from './ring-records.js';

export class RingOutbox implements CoreAnswers {
  private readonly w: RingWriter;
  private readonly overflow: Buffer[] = [];
  private dirty = false;
  /** scratch for one message ID's 16 hex bytes */
  private readonly id = Buffer.alloc(MSG_ID_LENGTH);

  constructor(outbound: SharedArrayBuffer) {
    this.w = new RingWriter(outbound);
  }

  /** records are waiting for room: the worker should not take more work */
  get blocked(): boolean {
    return this.overflow.length > 0;
  }

  /** open a record of HEAD + `payload` bytes in the ring, unless records wait or it does not fit */
  private open(payload: number): boolean {
    return this.overflow.length === 0 && this.w.begin(R.HEAD + payload);
  }

  /** a record that must wait for room: its head (op-specific bytes 0) in a buffer of its own */
  private spill(op: number, conn: number, payload: number): Buffer {
    const b = Buffer.allocUnsafe(R.HEAD + payload);
    b[R.OFF_OP] = op;
    b.fill(0, R.OFF_OP + 1, R.OFF_CONN);
    b.writeUInt32BE(conn, R.OFF_CONN);
    this.overflow.push(b);
    return b;
  }

  private plain(op: number, conn: number): void {
    if (!this.open(0)) {
      this.spill(op, conn, 0);
      return;
    }
    const w = this.w;
    w.u8(op);
    w.u8(0);
    w.u8(0);
    w.u8(0);
    w.u32(conn);
    this.done();
  }

  ok(conn: number): void {
    this.plain(OUT_OK, conn);
  }

  close(conn: number): void {
    this.plain(OUT_CLOSE, conn);
  }

  error(conn: number, err: ProtocolError): void {
    const code = errorCodeIndex(err.code);
    const fatal = err.fatal ? 1 : 0;
    const text = err.text;
    if (this.open(text.length)) {
      const w = this.w;
      w.u8(OUT_ERR);
      w.u8(code);
      w.u8(fatal);
      w.u8(0);
      w.u32(conn);
      w.latin1(text);
      this.done();
      return;
    }
    const b = this.spill(OUT_ERR, conn, text.length);
    b[R.OFF_ERR_CODE] = code;
    b[R.OFF_ERR_FATAL] = fatal;
    b.write(text, R.HEAD, 'latin1');
  }

  deliver(conn: number, msg: OutgoingMessage, flush: boolean): void {
    const payload = R.MSG_FIXED + msg.length;
    const b = msg.batch;
    const at = msg.offset + b.shift;
    const f = flush ? 1 : 0;
    const id = this.id;
    writeIdHex(id, 0, msg.idHi, msg.idLo);
    if (this.open(payload)) {
      const w = this.w;
      w.u8(OUT_MSG);
      w.u8(f);
      w.u8(0);
      w.u8(0);
      w.u32(conn);
      w.u32(b.tsHi >>> 0);
      w.u32(b.tsLo >>> 0);
      w.u16(msg.attempts);
      w.bytes(id, 0, MSG_ID_LENGTH);
      w.bytes(b.slab, at, at + msg.length);
      this.done();
      return;
    }
    const out = this.spill(OUT_MSG, conn, payload);
    out[R.OFF_MSG_FLUSH] = f;
    let p = R.HEAD;
    p = out.writeUInt32BE(b.tsHi >>> 0, p);
    p = out.writeUInt32BE(b.tsLo >>> 0, p);
    p = out.writeUInt16BE(msg.attempts, p);
    p += id.copy(out, p);
    b.slab.copy(out, p, at, at + msg.length);
  }

  /** a dead letter for a topic another shard owns (rare: built in a buffer, then one record) */
  forward(topic: string, msg: OutgoingMessage): void {
    const b = msg.batch;
    const at = msg.offset + b.shift;
    const rec = Buffer.allocUnsafe(R.HEAD + topic.length + R.MSG_FIXED + msg.length);
    rec[R.OFF_OP] = OUT_FORWARD;
    rec[1] = 0;
    rec[R.OFF_FWD_TOPIC_LEN] = topic.length;
    rec[3] = 0;
    let p = rec.writeUInt32BE(0, R.OFF_CONN);
    p += rec.write(topic, p, 'latin1');
    p = rec.writeUInt32BE(b.tsHi >>> 0, p);
    p = rec.writeUInt32BE(b.tsLo >>> 0, p);
    p = rec.writeUInt16BE(msg.attempts, p);
    writeIdHex(rec, p, msg.idHi, msg.idLo);
    p += MSG_ID_LENGTH;
    b.slab.copy(rec, p, at, at + msg.length);
    if (this.open(rec.length - R.HEAD)) {
      this.w.bytes(rec, 0, rec.length);
      this.done();
    } else {
      this.overflow.push(rec);
    }
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

  /**
   * After retryOverflow() left records over: sleep until the io thread releases outbound space
   * (bounded); null when it already has (retry now).
   */
  waitForSpace(): Promise<unknown> | null {
    return this.w.waitForSpace(DOORBELL_TIMEOUT_MS);
  }

  /** publish the records written since the last flush and ring the io thread's doorbell */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.w.publish();
  }
}
