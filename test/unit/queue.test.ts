/**
 * The shard core without threads or sockets: recorded answers (CoreAnswers) and a fake clock drive topics,
 * channels, the RDY window, timeouts, deferral and IDs; plus the heap, message queue and ID factory alone.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CoreAnswers, DPUB, PUB, type PubKind } from '../../src/nsqd/contract/shard.js';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import { MessageQueue } from '../../src/nsqd/queue/deque.js';
import { GuidFactory } from '../../src/nsqd/queue/guid.js';
import { IndexedHeap } from '../../src/nsqd/queue/heap.js';
import { Message, PubBatch } from '../../src/nsqd/queue/message.js';
import { ShardCore } from '../../src/nsqd/queue/shard-core.js';
import type { ProtocolError } from '../../src/wire/errors.js';
import { idHexString } from '../../src/wire/msgid.js';
import { prng } from '../helpers/prng.js';

type Event =
  | { kind: 'ok'; conn: number }
  | { kind: 'error'; conn: number; err: ProtocolError }
  | { kind: 'msg'; conn: number; id: string; body: string; attempts: number; flush: boolean }
  | { kind: 'close'; conn: number };

class Recorder implements CoreAnswers {
  events: Event[] = [];
  ok(conn: number): void {
    this.events.push({ kind: 'ok', conn });
  }
  error(conn: number, err: ProtocolError): void {
    this.events.push({ kind: 'error', conn, err });
  }
  deliver(conn: number, msg: Message, flush: boolean): void {
    const body = msg.batch.slab.toString('latin1', msg.offset, msg.offset + msg.length);
    this.events.push({
      kind: 'msg',
      conn,
      id: idHexString(msg.idHi, msg.idLo),
      body,
      attempts: msg.attempts,
      flush,
    });
  }
  close(conn: number): void {
    this.events.push({ kind: 'close', conn });
  }
  forward(): void {
    assert.fail('one shard owns every topic here');
  }
  take(): Event[] {
    const e = this.events;
    this.events = [];
    return e;
  }
  messages(): Extract<Event, { kind: 'msg' }>[] {
    return this.take().filter((e): e is Extract<Event, { kind: 'msg' }> => e.kind === 'msg');
  }
}

function setup() {
  const out = new Recorder();
  let now = 1_700_000_000_000;
  const core = new ShardCore(defaultOptions(), out, () => now);
  const advance = (ms: number): void => {
    now += ms;
    core.tick();
  };
  const pub = (conn: number, topic: string, body: string, kind: PubKind = PUB, deferMs = 0): void => {
    const b = Buffer.from(body);
    core.publishOne(conn, kind, topic, deferMs, b, 0, b.length);
  };
  return { out, core, advance, pub };
}

/** FIN/REQ/TOUCH take the ID as the client's 16 bytes */
function idArg(id: string): [Buffer, number] {
  return [Buffer.from(id, 'latin1'), 0];
}

function mpubBody(bodies: string[]): Buffer {
  const parts = bodies.map((s) => {
    const b = Buffer.alloc(4 + s.length);
    b.writeUInt32BE(s.length, 0);
    b.write(s, 4);
    return b;
  });
  return Buffer.concat(parts);
}

describe('shard core', () => {
  it('buffers in a channel-less topic, then the first channel gets it all; RDY is a window', () => {
    const { out, core } = setup();
    const body = mpubBody(['a', 'b', 'c', 'd']);
    core.publishBatch(1, 't', body, 0, body.length, 4, 0);
    assert.deepEqual(out.take(), [{ kind: 'ok', conn: 1 }]);
    core.subscribe(2, 't', 'c', 60000, 0);
    assert.deepEqual(out.take(), [{ kind: 'ok', conn: 2 }]);
    core.ready(2, 2);
    const first = out.messages();
    assert.deepEqual(
      first.map((m) => [m.body, m.attempts, m.flush]),
      [
        ['a', 1, false],
        ['b', 1, true],
      ],
    );
    core.finish(2, ...idArg(first[0]!.id));
    assert.deepEqual(
      out.messages().map((m) => m.body),
      ['c'],
    );
    core.finish(2, ...idArg(first[0]!.id));
    assert.deepEqual(out.take(), [
      {
        kind: 'error',
        conn: 2,
        err: { code: 'E_FIN_FAILED', text: `FIN ${first[0]!.id} failed ID not in flight`, fatal: false },
      },
    ]);
  });

  it('every channel gets every message with the same ID; a late channel sees only new ones', () => {
    const { out, core, pub } = setup();
    core.subscribe(2, 't', 'a', 60000, 0);
    core.subscribe(3, 't', 'b', 60000, 0);
    core.ready(2, 10);
    core.ready(3, 10);
    out.take();
    pub(1, 't', 'x');
    const ms = out.messages();
    assert.equal(ms.length, 2);
    assert.equal(ms[0]!.id, ms[1]!.id);
    assert.deepEqual(new Set(ms.map((m) => m.conn)), new Set([2, 3]));
    core.subscribe(4, 't', 'late', 60000, 0);
    core.ready(4, 10);
    assert.deepEqual(out.messages(), []);
  });

  it('timeouts requeue with attempts + 1 and count; a gone consumer does not own its messages', () => {
    const { out, core, advance, pub } = setup();
    core.subscribe(2, 't', 'c', 1000, 0);
    core.ready(2, 1);
    pub(1, 't', 'slow');
    const [m1] = out.messages();
    advance(999);
    assert.deepEqual(out.messages(), []);
    advance(2);
    const [m2] = out.messages();
    assert.equal(m2!.id, m1!.id);
    assert.equal(m2!.attempts, 2);
    core.disconnect(2);
    core.subscribe(3, 't', 'c', 1000, 0);
    core.ready(3, 1);
    core.finish(3, ...idArg(m2!.id));
    const e = out.take().find((x) => x.kind === 'error');
    assert.ok(e && e.kind === 'error' && e.err.text.endsWith('client does not own message'));
    advance(1001);
    const [m3] = out.messages();
    assert.equal(m3!.conn, 3);
    assert.equal(m3!.attempts, 3);
    const ch = core.topics.get('t')!.channels.get('c')!;
    assert.equal(ch.timeoutCount, 2);
  });

  it('DPUB and REQ with delay defer; TOUCH is capped at --max-msg-timeout', () => {
    const { out, core, advance, pub } = setup();
    core.subscribe(2, 't', 'c', 1000, 0);
    core.ready(2, 5);
    pub(1, 't', 'later', DPUB, 500);
    out.take();
    advance(400);
    assert.deepEqual(out.messages(), []);
    advance(200);
    const [m] = out.messages();
    assert.equal(m!.body, 'later');
    core.requeue(2, ...idArg(m!.id), 300);
    advance(200);
    assert.deepEqual(out.messages(), []);
    advance(200);
    const [again] = out.messages();
    assert.equal(again!.attempts, 2);
    // TOUCH for 20 minutes: the deadline never passes 15 minutes after delivery
    for (let i = 0; i < 20 * 60; i++) {
      core.touch(2, ...idArg(again!.id));
      advance(1000);
      if (out.events.length > 0) break;
    }
    const redelivered = out.messages();
    assert.equal(redelivered.length, 1);
  });

  it('sample_rate drops messages for the whole channel', () => {
    const out = new Recorder();
    const rand = prng(7);
    const core = new ShardCore(defaultOptions(), out, () => 0, rand);
    core.subscribe(2, 't', 'c', 60000, 20);
    core.ready(2, 2500);
    const body = mpubBody(Array.from({ length: 2000 }, () => 'm'));
    core.publishBatch(1, 't', body, 0, body.length, 2000, 0);
    const n = out.messages().length;
    assert.ok(n > 300 && n < 550, `about 21% delivered, got ${n}`);
  });

  it('an ephemeral channel is deleted with its last consumer, and an ephemeral topic with its last channel', () => {
    const { core, pub } = setup();
    core.subscribe(2, 'e#ephemeral', 'c#ephemeral', 60000, 0);
    pub(1, 'e#ephemeral', 'x');
    core.disconnect(2);
    assert.equal(core.topics.has('e#ephemeral'), false);
  });

  it('--max-channel-consumers caps subscribers', () => {
    const out = new Recorder();
    const core = new ShardCore({ ...defaultOptions(), maxChannelConsumers: 1 }, out);
    core.subscribe(2, 't', 'c', 60000, 0);
    core.subscribe(3, 't', 'c', 60000, 0);
    assert.deepEqual(out.take()[1], {
      kind: 'error',
      conn: 3,
      err: { code: 'E_SUB_FAILED', text: 'SUB failed consumers for t:c exceeds limit of 1', fatal: true },
    });
  });
});

const EMPTY = PubBatch.own(Buffer.alloc(0), 0, 0);

describe('queue parts', () => {
  it('IndexedHeap pops in order and removes from the middle', () => {
    const rand = prng(1);
    const h = new IndexedHeap();
    const all: Message[] = [];
    for (let i = 0; i < 500; i++) {
      const m = new Message(0, i, EMPTY, 0, 0);
      m.pri = Math.floor(rand() * 1000);
      h.push(m);
      all.push(m);
    }
    for (let i = 0; i < 100; i++) h.remove(all[i * 3]!);
    const removed = new Set(Array.from({ length: 100 }, (_, i) => all[i * 3]));
    let last = -1;
    let n = 0;
    for (let m = h.pop(); m !== undefined; m = h.pop()) {
      assert.ok(m.pri >= last);
      assert.ok(!removed.has(m));
      last = m.pri;
      n++;
    }
    assert.equal(n, 400);
  });

  it('MessageQueue is FIFO across chunks, keeps every field, and clears', () => {
    const d = new MessageQueue();
    const total = 9000;
    let next = 0;
    let pushed = 0;
    const rand = prng(3);
    while (next < total) {
      // random bursts of pushes and shifts, crossing chunk boundaries both ways
      const n = Math.floor(rand() * 3000);
      for (let i = 0; i < n && pushed < total; i++, pushed++)
        d.push(-pushed | 0, pushed, EMPTY, pushed * 2, pushed % 7, pushed % 3);
      const k = Math.floor(rand() * 3000);
      for (let i = 0; i < k && next < pushed; i++, next++) {
        const m = d.shift()!;
        assert.deepEqual(
          [m.idHi, m.idLo, m.offset, m.length, m.attempts],
          [-next | 0, next, next * 2, next % 7, next % 3],
        );
        assert.equal(m.batch, EMPTY);
      }
      assert.equal(d.length, pushed - next);
    }
    assert.equal(d.shift(), undefined);
    const back = new Message(1, 2, EMPTY, 3, 4);
    back.attempts = 5;
    d.pushMessage(back);
    d.push(6, 7, EMPTY, 8, 9, 0);
    assert.equal(d.headIdLo, 2);
    assert.equal(d.shift()!.attempts, 5);
    assert.equal(d.clear(), 1);
    assert.equal(d.length, 0);
    assert.equal(d.shift(), undefined);
  });

  it('GuidFactory: 16 hex chars, strictly increasing, node id in bits 12..21, never blocks', () => {
    const g = new GuidFactory(513);
    const now = 1_700_000_000_000 * 1e6;
    let prev = 0n;
    for (let i = 0; i < 10000; i++) {
      g.next(now); // the same instant: 10000 > 4096 per pseudo-ms
      const id = idHexString(g.hi, g.lo);
      assert.match(id, /^[0-9a-f]{16}$/);
      const v = BigInt(`0x${id}`);
      assert.ok(v > prev, `increasing at ${i}`);
      assert.equal(Number((v >> 12n) & 0x3ffn), 513);
      prev = v;
    }
    const ts = Number(prev >> 22n) + 1288834974288;
    assert.ok(Math.abs(ts - Math.floor(now / 1048576)) < 10, 'time part is UnixNano >> 20');
  });
});
