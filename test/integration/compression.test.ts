/**
 * snappy and deflate as nsqd negotiates them, over raw sockets: the exact bytes after IDENTIFY's
 * JSON (snappy's stream identifier, then `OK` in an uncompressed chunk; raw deflate with a sync
 * flush), both at once refused before any JSON, --snappy/--deflate/--max-deflate-level honoured,
 * and broken streams (corrupt chunk, bad checksum, oversized chunk, garbage deflate, seeded random
 * damage) that close the connection as Go's reader errors do, never crashing the broker.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDeflateRaw, createInflateRaw } from 'node:zlib';
import { jsSnappyBlock } from '../../native-free/snappy-block.js';
import type { Options } from '../../src/nsqd/options/options.js';
import { maskedCrc32c } from '../../src/wire/crc32c.js';
import { encodeCommand, encodeMpubBody, FRAME_ERROR } from '../../src/wire/encode.js';
import { SNAPPY_STREAM_ID, SnappyFrameEncoder } from '../../src/wire/snappy-frame.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import {
  deflateClient,
  identify,
  negotiate,
  OK_BYTES,
  snappyChunk,
  snappyClient,
} from '../helpers/compressed.js';
import { prng } from '../helpers/prng.js';
import { ByteQueue } from '../helpers/tls.js';
import { freshTopic } from '../helpers/wire.js';

describe('compression negotiation', () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker({ workers: 1 });
  });
  after(() => b.close());

  it('snappy: after the JSON, the stream identifier, then OK in an uncompressed chunk with its masked CRC-32C', async () => {
    const { plain } = await negotiate(b.port, { snappy: true });
    assert.deepEqual(await plain.read(10), SNAPPY_STREAM_ID);
    const head = Buffer.from([0x01, 0x0e, 0x00, 0x00, 0, 0, 0, 0]);
    head.writeUInt32LE(maskedCrc32c(OK_BYTES), 4);
    assert.deepEqual(await plain.read(18), Buffer.concat([head, OK_BYTES]));
  });

  it('snappy: commands and answers go through the framing both ways', async () => {
    const c = await snappyClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    const topic = freshTopic('snap');
    c.send(encodeCommand(`PUB ${topic}`, Buffer.alloc(100_000, 'a')));
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.socket.destroy();
  });

  it('deflate: after the JSON, raw deflate ending in a sync flush, and OK inside it', async () => {
    const { plain } = await negotiate(b.port, { deflate: true, deflate_level: 1 });
    const inflate = createInflateRaw();
    const got = new ByteQueue();
    inflate.on('data', (x: Buffer) => got.push(x));
    const first = await plain.read(plain.length > 0 ? plain.length : 1);
    const rest = plain.length > 0 ? await plain.read(plain.length) : Buffer.alloc(0);
    const bytes = Buffer.concat([first, rest]);
    inflate.write(bytes);
    assert.deepEqual(await got.read(10), OK_BYTES);
    assert.deepEqual(bytes.subarray(bytes.length - 4), Buffer.from([0, 0, 0xff, 0xff]));
  });

  it('deflate: commands and answers go through it both ways', async () => {
    const c = await deflateClient(b.port, 9);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    const topic = freshTopic('defl');
    c.send(encodeCommand(`PUB ${topic}`, Buffer.alloc(100_000, 'b')));
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.socket.destroy();
  });

  it('deflate: a consumer drains a backlog bigger than the output high-water mark (no stall)', async () => {
    const topic = freshTopic('deflbig');
    const p = await deflateClient(b.port);
    assert.deepEqual(await p.q.read(10), OK_BYTES);
    const body = Buffer.alloc(2048, 'm');
    const total = 8000;
    for (let i = 0; i < total; i += 500) {
      p.send(encodeCommand(`MPUB ${topic}`, encodeMpubBody(Array.from({ length: 500 }, () => body))));
      assert.deepEqual(await p.q.read(10), OK_BYTES);
    }
    const c = await deflateClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.send(Buffer.from(`SUB ${topic} ch\nRDY 2500\n`));
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    for (let got = 0; got < total; got++) {
      const f = await c.q.frame(5000);
      assert.equal(f.type, 2);
      c.send(Buffer.concat([Buffer.from('FIN '), f.data.subarray(10, 26), Buffer.from('\n')]));
    }
    p.socket.destroy();
    c.socket.destroy();
  });

  it('deflate_level: <= 0 gives 6, and is capped by --max-deflate-level without error', async () => {
    for (const [asked, level] of [
      [0, 6],
      [3, 3],
      [9, 6],
    ] as const) {
      const { socket, reply } = await negotiate(b.port, { deflate: true, deflate_level: asked });
      assert.deepEqual([reply.deflate, reply.deflate_level, reply.max_deflate_level], [true, level, 6]);
      socket.destroy();
    }
  });

  it("both at once: Go's E_IDENTIFY_FAILED, before any JSON, then close", async () => {
    const { plain } = await identify(b.port, { feature_negotiation: true, snappy: true, deflate: true });
    const f = await plain.frame();
    assert.equal(f.type, FRAME_ERROR);
    assert.equal(f.data.toString(), 'E_IDENTIFY_FAILED cannot enable both deflate and snappy compression');
    assert.equal(await plain.closed(), true);
  });
});

describe('--snappy=false, --deflate=false, --max-deflate-level', () => {
  for (const [flags, body, want] of [
    [{ snappy: false }, { snappy: true }, { snappy: false, deflate: false }],
    [{ deflate: false }, { deflate: true }, { snappy: false, deflate: false }],
    [{ snappy: false }, { snappy: true, deflate: true }, { snappy: false, deflate: true }],
    [{ maxDeflateLevel: 2 }, { deflate: true, deflate_level: 5 }, { deflate: true, deflate_level: 2 }],
  ] as [Partial<Options>, Record<string, unknown>, Record<string, unknown>][]) {
    it(`${JSON.stringify(flags)} with ${JSON.stringify(body)}`, async () => {
      const b = await startBroker({ workers: 0, ...flags });
      try {
        const { socket, reply } = await negotiate(b.port, body);
        for (const [k, v] of Object.entries(want)) assert.equal(reply[k], v, k);
        socket.destroy();
      } finally {
        await b.close();
      }
    });
  }
});

describe('broken compressed streams close the connection as Go does, and never crash', () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker({ workers: 1, logLevel: 'info' });
  });
  after(() => b.close());

  async function snappyBroken(bytes: Buffer, reason: RegExp): Promise<void> {
    const c = await snappyClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    const from = b.logs.length;
    // the client's stream starts with its identifier, as every snappy writer's does
    c.socket.write(Buffer.concat([SNAPPY_STREAM_ID, bytes]));
    assert.equal(await c.q.closed(), true, 'closed');
    assert.equal(c.q.length, 0, 'no frame for a broken command line');
    await b.waitForLog(reason, from);
  }

  it('a first chunk that is not the stream identifier', async () => {
    const c = await snappyClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.socket.write(snappyChunk(0x01, Buffer.from('NOP\n')));
    assert.equal(await c.q.closed(), true);
  });

  it('a corrupt compressed chunk', async () => {
    await snappyBroken(
      snappyChunk(0x00, Buffer.from([0x05, 0xff, 0xff, 0xff])),
      /failed to read command - snappy: corrupt input/,
    );
  });

  it('an uncompressed chunk with a bad checksum', async () => {
    await snappyBroken(snappyChunk(0x01, Buffer.from('NOP\n'), 12345), /snappy: corrupt input/);
  });

  it('an oversized chunk (longer than Go reads) and a reserved unskippable chunk', async () => {
    const huge = Buffer.from([0x00, 0xff, 0xff, 0xff]);
    await snappyBroken(huge, /snappy: unsupported input/);
    await snappyBroken(snappyChunk(0x02, Buffer.from('x')), /snappy: unsupported input/);
  });

  it('a block that decodes longer than 64 KiB', async () => {
    const block = jsSnappyBlock.compress(Buffer.alloc(70_000, 'z'));
    await snappyBroken(snappyChunk(0x00, block, 0), /snappy: corrupt input/);
  });

  it("broken inside a PUB body: Go's failed-to-read error frame (compressed), then close", async () => {
    const c = await snappyClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    const line = Buffer.concat([Buffer.from('PUB t\n'), Buffer.from([0, 0, 0, 10]), Buffer.from('abc')]);
    c.send(line);
    c.socket.write(snappyChunk(0x01, Buffer.from('defg'), 1));
    const f = await c.q.frame();
    assert.equal(f.type, FRAME_ERROR);
    assert.equal(f.data.toString(), 'E_BAD_MESSAGE PUB failed to read message body');
    assert.equal(await c.q.closed(), true);
  });

  it('deflate: a fatal error frame is deflated and flushed before the close', async () => {
    const c = await deflateClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.send(Buffer.from('FOO\n'));
    const f = await c.q.frame();
    assert.equal(f.data.toString(), 'E_INVALID invalid command FOO');
    assert.equal(await c.q.closed(), true);
  });

  it("deflate broken inside a PUB body: Go's failed-to-read error frame (deflated), then close", async () => {
    const c = await deflateClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.send(Buffer.concat([Buffer.from('PUB t\n'), Buffer.from([0, 0, 0, 10]), Buffer.from('abc')]));
    await new Promise((r) => setTimeout(r, 50));
    c.socket.write(Buffer.from([0xff, 0xff, 0xff]));
    const f = await c.q.frame();
    assert.equal(f.type, FRAME_ERROR);
    assert.equal(f.data.toString(), 'E_BAD_MESSAGE PUB failed to read message body');
    assert.equal(await c.q.closed(), true);
  });

  it('garbage instead of deflate', async () => {
    const c = await deflateClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    const from = b.logs.length;
    c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x12, 0x34]));
    assert.equal(await c.q.closed(), true);
    await b.waitForLog(/failed to read command - flate: corrupt input before offset \d+/, from);
  });

  it('seeded random damage to valid snappy and deflate streams: closed or answered, the broker lives on', async () => {
    const rand = prng(1234);
    const commands = Buffer.concat([
      encodeCommand('PUB fuzz', Buffer.alloc(300, 'p')),
      Buffer.from('NOP\n'),
      encodeCommand('MPUB fuzz', Buffer.from([0, 0, 0, 1, 0, 0, 0, 3, 0x61, 0x62, 0x63])),
    ]);
    for (let i = 0; i < 30; i++) {
      const kind = i % 2 === 0 ? 'snappy' : 'deflate';
      const { socket, plain } = await negotiate(b.port, { [kind]: true });
      let stream: Buffer;
      if (kind === 'snappy') stream = new SnappyFrameEncoder(jsSnappyBlock).encode(commands);
      else {
        const d = createDeflateRaw();
        const parts: Buffer[] = [];
        d.on('data', (x: Buffer) => parts.push(x));
        await new Promise<void>((r) => d.end(commands, () => r()));
        stream = Buffer.concat(parts);
      }
      const damaged = Buffer.from(stream);
      const hits = 1 + Math.floor(rand() * 4);
      for (let h = 0; h < hits; h++) damaged[Math.floor(rand() * damaged.length)] = Math.floor(rand() * 256);
      socket.write(damaged);
      setTimeout(() => socket.destroy(), 300);
      await plain.closed(2000);
    }
    const c = await snappyClient(b.port);
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.send(encodeCommand(`PUB ${freshTopic('alive')}`, Buffer.from('still here')));
    assert.deepEqual(await c.q.read(10), OK_BYTES);
    c.socket.destroy();
  });
});
