/**
 * The ring record codecs, end to end on one thread: every command a WorkerLink encodes comes out of
 * decodeInbound as the same call, and every answer a RingOutbox encodes (in the ring, or spilled
 * while the ring is full) comes out of WorkerLink.drain as the same answer; seeded sizes and source
 * offsets move records across the ring's end and the bodies' padding through all eight residues.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DPUB,
  type IoAnswers,
  type OutgoingMessage,
  PUB,
  type PubKind,
  type ShardCommands,
} from '../../src/nsqd/contract/shard.js';
import { createRingBuffer, RingReader } from '../../src/nsqd/shard/ring.js';
import { RingOutbox } from '../../src/nsqd/shard/ring-outbox.js';
import { decodeInbound } from '../../src/nsqd/shard/ring-records.js';
import { WorkerLink } from '../../src/nsqd/shard/worker-link.js';
import { ERROR_CODES, type ProtocolError, protocolError } from '../../src/wire/errors.js';
import { idHexString } from '../../src/wire/msgid.js';
import { prng } from '../helpers/prng.js';

/** every call as a comparable array: buffers become latin1 strings */
type Call = (string | number | boolean)[];

class Commands implements ShardCommands {
  calls: Call[] = [];
  /** where the last publishOne's body was in memory (its address in the ring) */
  bodyAt = -1;
  publishOne(
    conn: number,
    kind: PubKind,
    topic: string,
    deferMs: number,
    buf: Buffer,
    s: number,
    e: number,
  ): void {
    this.calls.push(['publishOne', conn, kind, topic, deferMs, buf.toString('latin1', s, e)]);
    this.bodyAt = buf.byteOffset + s;
  }
  publishBatch(
    conn: number,
    topic: string,
    buf: Buffer,
    s: number,
    e: number,
    count: number,
    deferMs: number,
  ): void {
    this.calls.push(['publishBatch', conn, topic, buf.toString('latin1', s, e), count, deferMs]);
  }
  adopt(topic: string, buf: Buffer, s: number, e: number): void {
    this.calls.push(['adopt', topic, buf.toString('latin1', s, e)]);
  }
  subscribe(conn: number, topic: string, channel: string, msgTimeout: number, sampleRate: number): void {
    this.calls.push(['subscribe', conn, topic, channel, msgTimeout, sampleRate]);
  }
  ready(conn: number, count: number): void {
    this.calls.push(['ready', conn, count]);
  }
  finish(conn: number, buf: Buffer, at: number): void {
    this.calls.push(['finish', conn, buf.toString('latin1', at, at + 16)]);
  }
  requeue(conn: number, buf: Buffer, at: number, delayMs: number): void {
    this.calls.push(['requeue', conn, buf.toString('latin1', at, at + 16), delayMs]);
  }
  touch(conn: number, buf: Buffer, at: number): void {
    this.calls.push(['touch', conn, buf.toString('latin1', at, at + 16)]);
  }
  startClose(conn: number): void {
    this.calls.push(['startClose', conn]);
  }
  disconnect(conn: number): void {
    this.calls.push(['disconnect', conn]);
  }
}

class Answers implements IoAnswers {
  calls: Call[] = [];
  ok(conn: number): void {
    this.calls.push(['ok', conn]);
  }
  error(conn: number, err: ProtocolError): void {
    this.calls.push(['error', conn, err.code, err.text, err.fatal]);
  }
  deliver(): void {
    assert.fail('a worker link never hands over a message object');
  }
  deliverFrame(conn: number, buf: Buffer, start: number, end: number, flush: boolean): void {
    this.calls.push(['frame', conn, buf.toString('latin1', start, end), flush]);
  }
  close(conn: number): void {
    this.calls.push(['close', conn]);
  }
  shardLost(): void {
    assert.fail('no shard is lost here');
  }
  ringSpace(): void {
    this.calls.push(['ringSpace']);
  }
  forward(): void {
    assert.fail('a worker link never hands over a message object');
  }
  forwardFrame(topic: string, buf: Buffer, start: number, end: number): void {
    this.calls.push(['forwardFrame', topic, buf.toString('latin1', start, end)]);
  }
}

function rings() {
  const inbound = createRingBuffer(64 * 1024);
  const outbound = createRingBuffer(64 * 1024);
  const answers = new Answers();
  const link = new WorkerLink(0, inbound, outbound, answers, false);
  return { link, answers, inbound, in: new RingReader(inbound), outbox: new RingOutbox(outbound) };
}

/** a latin1 string of `n` seeded bytes (all 256 values) */
function bytes(rnd: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rnd() * 256));
  return s;
}

/** `text` at byte offset `at` of a fresh buffer, so the source's alignment mod 8 varies */
function placed(text: string, at: number): Buffer {
  const b = Buffer.alloc(at + text.length + 3, 0xee);
  b.write(text, at, 'latin1');
  return b;
}

function id(rnd: () => number): string {
  return idHexString((rnd() * 2 ** 32) | 0, (rnd() * 2 ** 32) | 0);
}

/** one of every command, with seeded values; returns what decodeInbound must call */
function sendCommands(link: WorkerLink, rnd: () => number): Call[] {
  const conn = 1 + Math.floor(rnd() * 0xfffffffe);
  const topic = `t${bytes(rnd, Math.floor(rnd() * 60)).replace(/[^a-z]/g, 'x')}#ephemeral`.slice(0, 64);
  const channel = `c${Math.floor(rnd() * 1e6)}`;
  const body = bytes(rnd, Math.floor(rnd() * 3000));
  const at = Math.floor(rnd() * 8);
  const kind: PubKind = rnd() < 0.5 ? PUB : DPUB;
  const deferMs = kind === DPUB ? Math.floor(rnd() * 3_600_000) : 0;
  const count = 1 + Math.floor(rnd() * 5);
  let framed = '';
  for (let i = 0; i < count; i++) {
    const one = bytes(rnd, Math.floor(rnd() * 300));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(one.length);
    framed += len.toString('latin1') + one;
  }
  const [fin, req, touch] = [id(rnd), id(rnd), id(rnd)];
  const rdy = Math.floor(rnd() * 2501);
  const delay = Math.floor(rnd() * 3_600_000);
  const [timeout, rate] = [1000 + Math.floor(rnd() * 900_000), Math.floor(rnd() * 100)];
  const ok = (sent: boolean) => assert.equal(sent, true, 'the ring has room');
  ok(link.publishOne(conn, kind, topic, deferMs, placed(body, at), at, at + body.length));
  const batchDefer = rnd() < 0.5 ? 0 : Math.floor(rnd() * 2 ** 32);
  ok(
    link.publishBatch(conn, topic, placed(framed, 7 - at), 7 - at, 7 - at + framed.length, count, batchDefer),
  );
  ok(link.subscribe(conn, topic, channel, timeout, rate));
  ok(link.ready(conn, rdy));
  const line = placed(`FIN ${fin} REQ ${req} ${delay} TOUCH ${touch}`, at);
  ok(link.finish(conn, line, at + 4));
  ok(link.requeue(conn, line, at + 25, delay));
  ok(link.touch(conn, line, at + 49 + String(delay).length));
  ok(link.startClose(conn));
  link.disconnect(conn);
  const letter = bytes(rnd, 26 + Math.floor(rnd() * 300));
  ok(link.adopt(topic, placed(letter, at), at, at + letter.length));
  return [
    ['publishOne', conn, kind, topic, deferMs, body],
    ['publishBatch', conn, topic, framed, count, batchDefer],
    ['subscribe', conn, topic, channel, timeout, rate],
    ['ready', conn, rdy],
    ['finish', conn, fin],
    ['requeue', conn, req, delay],
    ['touch', conn, touch],
    ['startClose', conn],
    ['disconnect', conn],
    ['adopt', topic, letter],
  ];
}

function message(rnd: () => number, body: string): OutgoingMessage {
  const shift = Math.floor(rnd() * 5);
  const offset = Math.floor(rnd() * 9);
  const slab = placed(body, offset + shift);
  const [tsHi, tsLo] = [(rnd() * 2 ** 32) | 0, (rnd() * 2 ** 32) | 0];
  const m = { idHi: (rnd() * 2 ** 32) | 0, idLo: (rnd() * 2 ** 32) | 0, attempts: Math.floor(rnd() * 65536) };
  return { ...m, offset, length: body.length, batch: { slab, shift, tsHi, tsLo } };
}

/** the message frame's data: ts (int64 as two u32), attempts u16, 16 hex ID bytes, body */
function frameData(m: OutgoingMessage): string {
  const head = Buffer.alloc(10);
  head.writeUInt32BE(m.batch.tsHi >>> 0, 0);
  head.writeUInt32BE(m.batch.tsLo >>> 0, 4);
  head.writeUInt16BE(m.attempts, 8);
  const at = m.offset + m.batch.shift;
  return (
    head.toString('latin1') + idHexString(m.idHi, m.idLo) + m.batch.slab.toString('latin1', at, at + m.length)
  );
}

/** one of every answer (every error code, both fatalities); returns what drain must hand over */
function sendAnswers(outbox: RingOutbox, rnd: () => number, bodyMax: number): Call[] {
  const conn = Math.floor(rnd() * 2 ** 32);
  const want: Call[] = [];
  outbox.ok(conn);
  want.push(['ok', conn]);
  for (const code of ERROR_CODES) {
    const err = protocolError(code, rnd() < 0.2 ? '' : `${code} failed ${bytes(rnd, 20)}`);
    // the fatality crosses as sent, never recomputed from the code
    const sent = rnd() < 0.5 ? err : { ...err, fatal: !err.fatal };
    outbox.error(conn, sent);
    want.push(['error', conn, sent.code, sent.text, sent.fatal]);
  }
  for (let i = 0; i < 3; i++) {
    const m = message(rnd, bytes(rnd, Math.floor(rnd() * bodyMax)));
    const flush = rnd() < 0.5;
    outbox.deliver(conn, m, flush);
    want.push(['frame', conn, frameData(m), flush]);
  }
  outbox.close(conn);
  want.push(['close', conn]);
  const letter = message(rnd, bytes(rnd, Math.floor(rnd() * bodyMax)));
  const topic = `t${bytes(rnd, 10).replace(/[^a-z]/g, '')}.dead`;
  outbox.forward(topic, letter);
  want.push(['forwardFrame', topic, frameData(letter)]);
  return want;
}

describe('ring records', () => {
  test('inbound: every command decodes to the call that encoded it, across the ring end', () => {
    const { link, inbound, in: reader } = rings();
    const rnd = prng(11);
    const shard = new Commands();
    let straddled = 0;
    for (let round = 0; round < 600; round++) {
      const want = sendCommands(link, rnd);
      link.flushRing();
      shard.calls = [];
      while (reader.next()) {
        if (reader.buf.buffer !== inbound) straddled++;
        decodeInbound(reader, shard);
      }
      reader.release();
      assert.deepEqual(shard.calls, want, `round ${round}`);
    }
    assert.ok(straddled > 10, `records straddled the end ${straddled} times`);
  });

  test('inbound: bodies land at the address mod 8 they had in the source', () => {
    const { link, in: reader } = rings();
    for (let at = 0; at < 8; at++) {
      for (const topic of ['t', 'topic-of-some-length', 'x'.repeat(64)]) {
        const src = placed('body', at);
        assert.equal(link.publishOne(9, PUB, topic, 0, src, at, at + 4), true);
        link.flushRing();
        assert.equal(reader.next(), true);
        const shard = new Commands();
        decodeInbound(reader, shard);
        reader.release();
        assert.equal(shard.calls.length, 1);
        assert.equal(shard.bodyAt % 8, (src.byteOffset + at) % 8, `at ${at}, ${topic}`);
      }
    }
  });

  test('outbound: every answer comes back as it was said, through the ring', () => {
    const { link, answers, outbox } = rings();
    const rnd = prng(12);
    for (let round = 0; round < 200; round++) {
      const want = sendAnswers(outbox, rnd, 1500);
      outbox.flush();
      answers.calls = [];
      assert.equal(link.drain(), want.length);
      assert.deepEqual(answers.calls, want, `round ${round}`);
    }
  });

  test('outbound: answers that find the ring full wait, in order, and come back the same', () => {
    const { link, answers, outbox } = rings();
    const rnd = prng(13);
    const want: Call[] = [];
    while (!outbox.blocked) want.push(...sendAnswers(outbox, rnd, 4000));
    for (let i = 0; i < 5; i++) want.push(...sendAnswers(outbox, rnd, 4000));
    outbox.flush();
    answers.calls = [];
    let rounds = 0;
    while (answers.calls.length < want.length) {
      assert.ok(++rounds < 100, 'the overflow drains');
      link.drain();
      outbox.retryOverflow();
    }
    assert.equal(outbox.blocked, false);
    assert.deepEqual(answers.calls, want);
  });

  test('an unknown op is refused, not guessed', () => {
    const { link, in: reader } = rings();
    const line = placed('0123456789abcdef', 0);
    assert.equal(link.finish(3, line, 0), true);
    link.flushRing();
    assert.equal(reader.next(), true);
    reader.buf[reader.start] = 200;
    assert.throws(() => decodeInbound(reader, new Commands()), /unknown inbound record op 200/);
  });
});
