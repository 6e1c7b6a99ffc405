/**
 * Survive any byte sequence: seeded random mixes of valid command fragments, wrong sizes and raw
 * garbage go to fresh connections; the server must answer each with nothing, OKs, or an error
 * frame and a close — never crash, never hang — and still serve a normal client afterwards.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeMpubBody } from '../../src/frame/encode.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { prng } from '../helpers/prng.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

const CASES = 150;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** one random client stream built from pieces that are each almost right */
function randomStream(rand: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const parts: Buffer[] = [];
  if (rand() < 0.9) parts.push(Buffer.from('  V2'));
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const body = Buffer.alloc(Math.floor(rand() * 64), 0x61 + Math.floor(rand() * 26));
    const piece = pick([
      () => Buffer.concat([Buffer.from('PUB fz\n'), u32(body.length), body]),
      () => Buffer.concat([Buffer.from('PUB fz\n'), u32(Math.floor(rand() * 0xffffffff)), body]),
      () =>
        Buffer.concat([
          Buffer.from('MPUB fz\n'),
          u32(body.length + 12),
          encodeMpubBody([body, Buffer.from('x')]),
        ]),
      () => Buffer.concat([Buffer.from('MPUB fz\n'), u32(8), u32(Math.floor(rand() * 100)), body]),
      () => Buffer.concat([Buffer.from(`DPUB fz ${Math.floor(rand() * 5000)}\n`), u32(body.length), body]),
      () => Buffer.concat([Buffer.from('IDENTIFY\n'), u32(body.length), body]),
      () => Buffer.concat([Buffer.from('IDENTIFY\n'), u32(4), Buffer.from('null')]),
      () => Buffer.from('SUB fz ch\n'),
      () => Buffer.from(`RDY ${Math.floor(rand() * 3000)}\n`),
      () => Buffer.from('FIN 0123456789abcdef\n'),
      () => Buffer.from('REQ 0123456789abcdef 10\n'),
      () => Buffer.from('TOUCH 0123456789abcdef\n'),
      () => Buffer.from('CLS\n'),
      () => Buffer.from('NOP\n'),
      () => Buffer.from('AUTH\n'),
      () => Buffer.from(`\r\n  \n${'Z'.repeat(Math.floor(rand() * 40))}\n`),
      () => Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256))),
    ])();
    parts.push(piece);
  }
  const all = Buffer.concat(parts);
  // sometimes stop mid-frame
  return rand() < 0.2 ? all.subarray(0, Math.floor(rand() * all.length)) : all;
}

for (const workers of [0, 2]) {
  describe(`fuzzed input (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers });
    });
    after(() => b.close());

    it(
      `${CASES} seeded random streams: the server answers or closes, and keeps serving`,
      { timeout: 60000 },
      async () => {
        const rand = prng(20261121 + workers);
        for (let i = 0; i < CASES; i++) {
          const c = await WireClient.connect(b.port, { magic: false });
          const stream = randomStream(rand);
          // written in random slices
          let p = 0;
          while (p < stream.length) {
            const n = 1 + Math.floor(rand() * 64);
            c.write(stream.subarray(p, p + n));
            p += n;
          }
          // whatever came back must be well-formed frames; drain briefly, then hang up
          for (;;) {
            const f = await c.frame(30).catch(() => null);
            if (f === null) break;
            assert.ok(f.type >= 0 && f.type <= 2, `case ${i}: frame type ${f.type}`);
          }
          c.close();
        }
        // the broker still works for a normal client
        const t = freshTopic('after-fuzz');
        const s = await subscriber(b.port, t, 'c', 1);
        const p = await WireClient.connect(b.port);
        p.pub(t, 'still here');
        assert.equal(await p.response(), 'OK');
        assert.equal((await s.message()).body.toString(), 'still here');
        p.close();
        s.close();
      },
    );
  });
}
