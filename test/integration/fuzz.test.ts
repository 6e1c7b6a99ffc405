/**
 * Survive any byte sequence: seeded random mixes of valid command fragments, wrong sizes and raw
 * garbage go to fresh connections; the server must answer each with nothing, OKs, or an error
 * frame and a close — never crash, never hang — and still serve a normal client afterwards. Two
 * seeded rows with exact answers: valid commands then a body cut short by FIN (Go's "failed to
 * read" error after the OKs), and valid commands then an MPUB message over --max-msg-size with the
 * rest of the body never sent (answered at once).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeMpubBody } from '../../src/wire/encode.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { prng } from '../helpers/prng.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

const CASES = 150;
const EXACT_CASES = 60;
/** the broker's default --max-msg-size and --max-body-size */
const MAX_MSG_SIZE = 1048576;
const MAX_BODY_SIZE = 5242880;

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

/** valid commands and the answers they get (none for NOP) */
function validPrefix(rand: () => number): { bytes: Buffer; answers: string[] } {
  const parts: Buffer[] = [Buffer.from('  V2')];
  const answers: string[] = [];
  const n = Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const body = Buffer.alloc(1 + Math.floor(rand() * 40), 0x61 + i);
    const k = Math.floor(rand() * 5);
    if (k === 0) parts.push(Buffer.from('NOP\n'));
    else {
      parts.push(
        k === 1
          ? Buffer.concat([Buffer.from('PUB fz\n'), u32(body.length), body])
          : k === 2
            ? Buffer.concat([
                Buffer.from('MPUB fz\n'),
                u32(body.length + 13),
                encodeMpubBody([body, Buffer.from('x')]),
              ])
            : k === 3
              ? Buffer.concat([Buffer.from('DPUB fz 100\n'), u32(body.length), body])
              : Buffer.concat([Buffer.from('IDENTIFY\n'), u32(2), Buffer.from('{}')]),
      );
      answers.push('OK');
    }
  }
  return { bytes: Buffer.concat(parts), answers };
}

/** a body-carrying command cut short at a random point, and Go's error for it (modelled here) */
function cutShort(rand: () => number): { bytes: Buffer; error: string } {
  const cmd = (['PUB', 'DPUB', 'MPUB', 'IDENTIFY', 'AUTH'] as const)[Math.floor(rand() * 5)]!;
  const lens = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => 1 + Math.floor(rand() * 20));
  const body =
    cmd === 'MPUB' ? encodeMpubBody(lens.map((l) => Buffer.alloc(l, 0x6d))) : Buffer.alloc(lens[0]!, 0x62);
  const line = Buffer.from(
    cmd === 'PUB' || cmd === 'MPUB' ? `${cmd} fz\n` : cmd === 'DPUB' ? 'DPUB fz 5\n' : `${cmd}\n`,
  );
  const pub = cmd === 'PUB' || cmd === 'DPUB';
  if (rand() < 0.3) {
    // inside the 4-byte size field
    const sizeBytes = Math.floor(rand() * 4);
    const text = pub
      ? `E_BAD_MESSAGE ${cmd} failed to read message body size`
      : `E_BAD_BODY ${cmd} failed to read body size`;
    return { bytes: Buffer.concat([line, u32(body.length).subarray(0, sizeBytes)]), error: text };
  }
  const keep = Math.floor(rand() * body.length);
  const bytes = Buffer.concat([line, u32(body.length), body.subarray(0, keep)]);
  if (pub) return { bytes, error: `E_BAD_MESSAGE ${cmd} failed to read message body` };
  if (cmd !== 'MPUB') return { bytes, error: `E_BAD_BODY ${cmd} failed to read body` };
  if (keep < 4) return { bytes, error: 'E_BAD_BODY MPUB failed to read message count' };
  let p = 4;
  for (let i = 0; i < lens.length; i++) {
    if (keep < p + 4) return { bytes, error: `E_BAD_MESSAGE MPUB failed to read message(${i}) body size` };
    p += 4 + lens[i]!;
    if (keep < p) break;
  }
  return { bytes, error: 'E_BAD_MESSAGE MPUB failed to read message body' };
}

/** an MPUB whose message `bad` is over --max-msg-size; nothing after that size is sent */
function oversizeItem(rand: () => number): { bytes: Buffer; error: string } {
  const count = 1 + Math.floor(rand() * 4);
  const bad = Math.floor(rand() * count);
  const parts: Buffer[] = [Buffer.from('MPUB fz\n'), Buffer.alloc(4), u32(count)];
  for (let i = 0; i < bad; i++) parts.push(u32(3), Buffer.from('abc'));
  const len = MAX_MSG_SIZE + 1 + Math.floor(rand() * (0x7fffffff - MAX_MSG_SIZE - 1));
  parts.push(u32(len));
  // any outer size that holds what was sent (the rest never comes)
  const sent = 4 + bad * 7 + 4;
  parts[1]!.writeUInt32BE(sent + Math.floor(rand() * (MAX_BODY_SIZE - sent)), 0);
  return {
    bytes: Buffer.concat(parts),
    error: `E_BAD_MESSAGE MPUB message too big ${len} > ${MAX_MSG_SIZE}`,
  };
}

async function writeInSlices(c: WireClient, bytes: Buffer, rand: () => number): Promise<void> {
  let p = 0;
  while (p < bytes.length) {
    const n = 1 + Math.floor(rand() * 64);
    c.write(bytes.subarray(p, p + n));
    p += n;
    if (rand() < 0.1) await new Promise((r) => setImmediate(r));
  }
}

async function assertServes(port: number): Promise<void> {
  const t = freshTopic('after-fuzz');
  const s = await subscriber(port, t, 'c', 1);
  const p = await WireClient.connect(port);
  p.pub(t, 'still here');
  assert.equal(await p.response(), 'OK');
  assert.equal((await s.message()).body.toString(), 'still here');
  p.close();
  s.close();
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
          // half the cases hang up with FIN first: the server must then close, never stay half-open
          const fin = rand() < 0.5;
          if (fin) c.end();
          // whatever came back must be well-formed frames; drain briefly, then hang up
          for (;;) {
            const f = await c.frame(30).catch(() => null);
            if (f === null) break;
            assert.ok(f.type >= 0 && f.type <= 2, `case ${i}: frame type ${f.type}`);
          }
          if (fin) await c.waitClosed();
          c.close();
        }
        // the broker still works for a normal client
        await assertServes(b.port);
      },
    );

    it(
      `${EXACT_CASES} seeded bodies cut short by FIN: OKs, then Go's "failed to read" error, then the close`,
      { timeout: 60000 },
      async () => {
        const rand = prng(20260803 + workers);
        for (let i = 0; i < EXACT_CASES; i++) {
          const c = await WireClient.connect(b.port, { magic: false });
          const prefix = validPrefix(rand);
          const tail = cutShort(rand);
          await writeInSlices(c, Buffer.concat([prefix.bytes, tail.bytes]), rand);
          c.end();
          for (const answer of prefix.answers) assert.equal(await c.response(), answer, `case ${i}`);
          assert.equal(await c.error(), tail.error, `case ${i}`);
          await c.waitClosed();
        }
        await assertServes(b.port);
      },
    );

    it(
      `${EXACT_CASES} seeded MPUB messages over --max-msg-size: answered before the rest of the body`,
      { timeout: 60000 },
      async () => {
        const rand = prng(20260804 + workers);
        for (let i = 0; i < EXACT_CASES; i++) {
          const c = await WireClient.connect(b.port, { magic: false });
          const prefix = validPrefix(rand);
          const tail = oversizeItem(rand);
          await writeInSlices(c, Buffer.concat([prefix.bytes, tail.bytes]), rand);
          for (const answer of prefix.answers) assert.equal(await c.response(), answer, `case ${i}`);
          // far below any read deadline: nothing more is sent, the size alone is answered
          assert.equal(await c.error(1000), tail.error, `case ${i}`);
          await c.waitClosed(1000);
        }
        await assertServes(b.port);
      },
    );
  });
}
