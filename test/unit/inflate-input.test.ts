/**
 * The deflate connection's input side (src/net/inflate-input.ts) against a real node:zlib
 * deflater as a client would run it: sync-flushed commands whose back-references reach into
 * earlier flushes, read whole, split inside a flush, byte by byte, never flushed (the streaming
 * fallback), inflating past the inline bound, paused and resumed, ended cleanly and truncated,
 * and broken — the plaintext and Go's error texts are the same on every path.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constants, createDeflateRaw, type DeflateRaw, inflateRawSync } from 'node:zlib';
import { InflateInput } from '../../src/net/inflate-input.js';
import { prng } from '../helpers/prng.js';

/** collects what the input side hands up */
class Sink {
  plain: Buffer[] = [];
  ended = false;
  error: string | null = null;
  onPlain(buf: Buffer): void {
    this.plain.push(Buffer.from(buf));
  }
  onPlainEnd(): void {
    this.ended = true;
  }
  onInflateError(text: string): void {
    this.error = text;
  }
  get text(): string {
    return Buffer.concat(this.plain).toString('latin1');
  }
}

/** a client's deflater: each command written then sync-flushed; the bytes of each flush apart */
async function clientFlushes(commands: string[], level = 6): Promise<Buffer[]> {
  const d: DeflateRaw = createDeflateRaw({ level });
  const out: Buffer[] = [];
  let cur: Buffer[] = [];
  d.on('data', (b: Buffer) => cur.push(b));
  for (const c of commands) {
    d.write(c);
    await new Promise<void>((r) => d.flush(constants.Z_SYNC_FLUSH, () => r()));
    await new Promise((r) => setImmediate(r));
    out.push(Buffer.concat(cur));
    cur = [];
  }
  d.close();
  return out;
}

/** commands that repeat each other (back-references across flushes) */
function commands(n: number, seed: number): string[] {
  const rand = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = 'message body '.repeat(1 + Math.floor(rand() * 20)) + String(i);
    out.push(`PUB topic\n${body}\n`);
  }
  return out;
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('deflate input (inline per sync flush, streaming otherwise)', () => {
  it('whole flushes, one read each: every command, in order, across back-references', async () => {
    const cmds = commands(60, 1);
    const flushes = await clientFlushes(cmds);
    const sink = new Sink();
    const input = new InflateInput(sink);
    for (const f of flushes) input.push(f);
    // inline: everything is there without waiting for the pool
    assert.equal(sink.text, cmds.join(''));
    input.close();
  });

  it('flushes split at seeded random points (held until the flush completes) and byte by byte', async () => {
    const cmds = commands(40, 2);
    const all = Buffer.concat(await clientFlushes(cmds));
    for (const seed of [3, 4, 5]) {
      const rand = prng(seed);
      const sink = new Sink();
      const input = new InflateInput(sink);
      for (let p = 0; p < all.length; ) {
        const n = 1 + Math.floor(rand() * 300);
        input.push(all.subarray(p, p + n));
        p += n;
      }
      await until(() => sink.text.length === cmds.join('').length);
      assert.equal(sink.text, cmds.join(''));
      input.close();
    }
    const sink = new Sink();
    const input = new InflateInput(sink);
    for (let p = 0; p < all.length; p++) input.push(all.subarray(p, p + 1));
    await until(() => sink.text.length === cmds.join('').length);
    assert.equal(sink.text, cmds.join(''));
    input.close();
  });

  it('a client that never flushes: the streaming fallback decodes what it can, after the hold', async () => {
    const d = createDeflateRaw();
    const chunks: Buffer[] = [];
    d.on('data', (b: Buffer) => chunks.push(b));
    // poorly compressible, so zlib emits blocks as its buffer fills
    const rand = prng(7);
    const big = Array.from({ length: 200_000 }, () => (rand() * 16).toString(16)[0]).join('');
    d.write(big);
    // Z_NO_FLUSH output (blocks emitted as zlib's buffer fills), never a sync flush
    await new Promise((r) => setTimeout(r, 50));
    const sink = new Sink();
    const input = new InflateInput(sink);
    for (const c of chunks) input.push(c);
    assert.ok(chunks.length > 0);
    await until(() => sink.text.length > 0);
    assert.ok(big.startsWith(sink.text));
    d.close();
    input.close();
  });

  it('a flush that inflates past the inline bound goes through the stream, then carries on', async () => {
    const huge = 'z'.repeat(3 * 1024 * 1024);
    const cmds = ['PUB a\nfirst\n', huge, 'PUB a\nafter\n'];
    const flushes = await clientFlushes(cmds);
    const sink = new Sink();
    const input = new InflateInput(sink);
    for (const f of flushes) input.push(f);
    await until(() => sink.text.length === cmds.join('').length);
    assert.equal(sink.text, cmds.join(''));
    input.close();
  });

  it('paused: nothing comes up until resumed, then all of it in order', async () => {
    const cmds = commands(10, 6);
    const flushes = await clientFlushes(cmds);
    const sink = new Sink();
    const input = new InflateInput(sink);
    input.push(flushes[0]!);
    input.pause();
    for (const f of flushes.slice(1)) input.push(f);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sink.text, cmds[0]);
    input.resume();
    await until(() => sink.text.length === cmds.join('').length);
    assert.equal(sink.text, cmds.join(''));
    input.close();
  });

  it("the end: after a final block it ends cleanly; between sync flushes it is Go's unexpected EOF", async () => {
    const d = createDeflateRaw();
    const parts: Buffer[] = [];
    d.on('data', (b: Buffer) => parts.push(b));
    d.end('PUB a\nlast\n');
    await new Promise((r) => d.on('end', r));
    const clean = new Sink();
    const a = new InflateInput(clean);
    a.push(Buffer.concat(parts));
    a.end();
    await until(() => clean.ended);
    assert.equal(clean.text, 'PUB a\nlast\n');
    assert.equal(clean.error, null);

    const cut = new Sink();
    const b = new InflateInput(cut);
    for (const f of await clientFlushes(['PUB a\none\n'])) b.push(f);
    b.end();
    await until(() => cut.error !== null);
    assert.equal(cut.text, 'PUB a\none\n');
    assert.equal(cut.error, 'unexpected EOF');
  });

  it("garbage ending like a sync flush: Go's corrupt-input error, with the offset read so far", async () => {
    const sink = new Sink();
    const input = new InflateInput(sink);
    const junk = Buffer.from([0xff, 0xfe, 0xfd, 0x13, 0x37, 0x00, 0x00, 0xff, 0xff]);
    input.push(junk);
    await until(() => sink.error !== null);
    assert.equal(sink.error, `flate: corrupt input before offset ${junk.length}`);
    assert.equal(sink.text, '');
  });

  it('a read ending in 00 00 ff ff by chance, inside a block, is never misread', async () => {
    // a stored block whose data holds the marker bytes; the first read stops right after them
    const data = Buffer.from([0x61, 0x00, 0x00, 0xff, 0xff, 0x62]);
    const block = Buffer.concat([Buffer.from([0x00, data.length, 0x00, ~data.length & 0xff, 0xff]), data]);
    const flush = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
    const sink = new Sink();
    const input = new InflateInput(sink);
    input.push(block.subarray(0, 10));
    input.push(Buffer.concat([block.subarray(10), flush]));
    await until(() => Buffer.concat(sink.plain).length >= data.length);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(Buffer.concat(sink.plain), data);
    assert.equal(sink.error, null);
    input.close();
    // a whole stored block ending in the marker bytes is a block boundary: inline, at once
    const whole = Buffer.from([0x61, 0x62, 0x00, 0x00, 0xff, 0xff]);
    const sink2 = new Sink();
    const input2 = new InflateInput(sink2);
    input2.push(Buffer.concat([Buffer.from([0x00, 6, 0x00, 0xf9, 0xff]), whole]));
    assert.deepEqual(Buffer.concat(sink2.plain), whole);
    input2.close();
    assert.deepEqual(
      inflateRawSync(Buffer.concat([block, flush, Buffer.from([0x01, 0, 0, 0xff, 0xff])])),
      data,
    );
  });
});
