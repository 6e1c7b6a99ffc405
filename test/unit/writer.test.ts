/**
 * A connection's output buffer alone, over a recording sink: responses of one event coalesce into
 * one write at its end; message frames wait for output_buffer_size, output_buffer_timeout, a flush
 * request or the end of the event (timeout 0); the message frame bytes, from a message in place and
 * from a worker's encoded frame, are the wire's.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutputWriter } from '../../src/nsqd/acceptor/writer.js';
import type { OutgoingMessage } from '../../src/nsqd/contract/shard.js';
import {
  decodeMessage,
  encodeError,
  encodeResponse,
  FRAME_ERROR,
  FRAME_MESSAGE,
  FRAME_RESPONSE,
  FrameReader,
  MESSAGE_HEADER_SIZE,
  OK_FRAME,
} from '../../src/wire/encode.js';
import { protocolError } from '../../src/wire/errors.js';
import { idHexString } from '../../src/wire/msgid.js';

class Sink {
  writes: Buffer[] = [];
  write(chunk: Buffer): boolean {
    this.writes.push(chunk);
    return true;
  }
  /** every byte written so far, as frames */
  frames() {
    return new FrameReader().push(Buffer.concat(this.writes));
  }
}

/** the end of the current event: the writer's coalesced flush runs in a microtask */
const endOfEvent = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function writer(size = 16384, timeout = 250) {
  const sink = new Sink();
  return { sink, w: new OutputWriter(sink, size, timeout) };
}

/** a message whose body sits at an odd place in a larger slab, as in the body store */
function message(body: string, attempts = 1): OutgoingMessage {
  const slab = Buffer.alloc(body.length + 40, 0xee);
  slab.write(body, 13, 'latin1');
  return {
    idHi: 0x0123abcd,
    idLo: -0x10,
    attempts,
    offset: 10,
    length: body.length,
    batch: { slab, shift: 3, tsHi: 0x17a2b3c4, tsLo: -0x5a5a5a5b },
  };
}

/** a worker's encoded frame data for the same message: ts, attempts, id, body */
function frameData(m: OutgoingMessage): Buffer {
  const at = m.offset + m.batch.shift;
  const head = Buffer.alloc(10);
  head.writeUInt32BE(m.batch.tsHi >>> 0, 0);
  head.writeUInt32BE(m.batch.tsLo >>> 0, 4);
  head.writeUInt16BE(m.attempts, 8);
  return Buffer.concat([
    head,
    Buffer.from(idHexString(m.idHi, m.idLo), 'latin1'),
    m.batch.slab.subarray(at, at + m.length),
  ]);
}

describe('output writer', () => {
  test('responses and errors of one event go out in one write, in order, at its end', async () => {
    const { sink, w } = writer();
    const err = protocolError('E_FIN_FAILED', 'FIN 0123456789abcdef failed ID not in flight');
    const closeWait = encodeResponse('CLOSE_WAIT');
    w.writeFrame(OK_FRAME);
    w.writeError(err);
    w.writeFrame(closeWait);
    assert.equal(sink.writes.length, 0, 'nothing before the end of the event');
    assert.equal(w.buffered, OK_FRAME.length + encodeError(err).length + closeWait.length);
    await endOfEvent();
    assert.equal(sink.writes.length, 1);
    const frames = sink.frames();
    assert.deepEqual(
      frames.map((f) => [f.type, f.data.toString()]),
      [
        [FRAME_RESPONSE, 'OK'],
        [FRAME_ERROR, 'E_FIN_FAILED FIN 0123456789abcdef failed ID not in flight'],
        [FRAME_RESPONSE, 'CLOSE_WAIT'],
      ],
    );
    assert.equal(w.buffered, 0);
  });

  test('message frames wait until output_buffer_size fills, then go out at the end of the event', async () => {
    const { sink, w } = writer(200, 10_000);
    const m = message('x'.repeat(50)); // 84-byte frames
    w.writeMessage(m, false);
    w.writeMessage(m, false);
    await endOfEvent();
    assert.equal(sink.writes.length, 0, '168 bytes < 200: still buffered');
    w.writeMessage(m, false);
    assert.equal(sink.writes.length, 0, 'written at the end of the event, not at once');
    await endOfEvent();
    assert.equal(sink.writes.length, 1);
    assert.equal(sink.writes[0]!.length, 3 * 84);
    assert.equal(sink.frames().length, 3);
    w.close();
  });

  test('message frames wait at most output_buffer_timeout', async () => {
    const { sink, w } = writer(16384, 40);
    w.writeMessage(message('late'), false);
    await endOfEvent();
    await sleep(10);
    assert.equal(sink.writes.length, 0, 'still within the timeout');
    await sleep(80);
    assert.equal(sink.writes.length, 1, 'written by the timeout');
    assert.equal(sink.frames()[0]!.type, FRAME_MESSAGE);
  });

  test('output_buffer_timeout 0, or a flush request, writes at the end of the event', async () => {
    const { sink, w } = writer(16384, 0);
    w.writeMessage(message('now'), false);
    await endOfEvent();
    assert.equal(sink.writes.length, 1);
    const b = writer(16384, 10_000);
    b.w.writeMessage(message('not ready any more'), true);
    await endOfEvent();
    assert.equal(b.sink.writes.length, 1);
  });

  test('a response flushes the message frames buffered before it, in order', async () => {
    const { sink, w } = writer(16384, 10_000);
    w.writeMessage(message('first'), false);
    w.writeFrame(OK_FRAME);
    await endOfEvent();
    assert.deepEqual(
      sink.frames().map((f) => f.type),
      [FRAME_MESSAGE, FRAME_RESPONSE],
    );
  });

  test('message frame bytes: from a message in place and from a worker frame, the same wire bytes', async () => {
    const { sink, w } = writer(16384, 0);
    const m = message('hello, \u00ff body', 65535);
    w.writeMessage(m, false);
    const data = frameData(m);
    const src = Buffer.concat([Buffer.from('junk'), data, Buffer.from('more')]);
    w.writeEncodedMessage(src, 4, 4 + data.length, false);
    await endOfEvent();
    const out = Buffer.concat(sink.writes);
    const n = MESSAGE_HEADER_SIZE + m.length;
    assert.equal(out.length, 2 * n);
    assert.ok(out.subarray(0, n).equals(out.subarray(n)), 'both paths write the same frame');
    assert.equal(out.readUInt32BE(0), n - 4);
    const [f] = sink.frames();
    assert.equal(f!.type, FRAME_MESSAGE);
    const d = decodeMessage(f!.data);
    assert.equal(d.timestampNs, (0x17a2b3c4n << 32n) | BigInt(-0x5a5a5a5b >>> 0));
    assert.equal(d.attempts, 65535);
    assert.equal(d.id, idHexString(0x0123abcd, -0x10));
    assert.equal(d.body.toString('latin1'), 'hello, \u00ff body');
  });

  test('a frame larger than the chunk goes out whole; written bytes are never overwritten', async () => {
    const { sink, w } = writer(1 << 20, 0);
    const big = message('b'.repeat(100_000));
    w.writeFrame(OK_FRAME);
    w.writeMessage(big, false);
    await endOfEvent();
    const firstWrites = sink.writes.map((b) => Buffer.from(b));
    w.writeMessage(message('c'.repeat(5000)), false);
    w.writeMessage(message('d'.repeat(3000)), false);
    await endOfEvent();
    for (const [i, copy] of firstWrites.entries())
      assert.ok(copy.equals(sink.writes[i]!), `write ${i} unchanged`);
    assert.deepEqual(
      sink.frames().map((f) => (f.type === FRAME_MESSAGE ? decodeMessage(f.data).body.length : f.type)),
      [FRAME_RESPONSE, 100_000, 5000, 3000],
    );
  });

  test('nothing is written after close', async () => {
    const { sink, w } = writer(16384, 20);
    w.writeMessage(message('pending'), false);
    w.close();
    w.writeFrame(OK_FRAME);
    w.writeMessage(message('more'), true);
    await sleep(50);
    assert.equal(sink.writes.length, 0);
  });
});
