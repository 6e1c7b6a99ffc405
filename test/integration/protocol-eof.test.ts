/**
 * Input cut short over real TCP, for each shard setting: a client that half-closes (FIN) inside a
 * body size or body gets Go nsqd's exact "failed to read" error frame before the close (and the
 * answers owed for the commands before it); an MPUB message size Go rejects is answered as soon as it
 * arrives, without waiting for the rest of the body.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeMpubBody } from '../../src/wire/encode.js';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** `line\n`, the first `sizeBytes` bytes of the size field, and (with all 4) `keep` body bytes */
function cutShort(line: string, body: Buffer, keep: number, sizeBytes = 4): Buffer {
  const size = int32(body.length).subarray(0, sizeBytes);
  return Buffer.concat([
    Buffer.from(`${line}\n`),
    size,
    sizeBytes === 4 ? body.subarray(0, keep) : Buffer.alloc(0),
  ]);
}

// 4 count + (4 + 3) + (4 + 4) = 19 bytes
const MPUB_BODY = encodeMpubBody([Buffer.from('abc'), Buffer.from('defg')]);

/** [what is sent before the FIN, Go's error frame] */
const CUTS: [string, Buffer, string][] = [
  [
    'PUB, no size',
    cutShort('PUB t', Buffer.from('hello'), 0, 0),
    'E_BAD_MESSAGE PUB failed to read message body size',
  ],
  [
    'PUB, half a size',
    cutShort('PUB t', Buffer.from('hello'), 0, 2),
    'E_BAD_MESSAGE PUB failed to read message body size',
  ],
  [
    'PUB, part of the body',
    cutShort('PUB t', Buffer.from('hello'), 3),
    'E_BAD_MESSAGE PUB failed to read message body',
  ],
  [
    'DPUB, half a size',
    cutShort('DPUB t 10', Buffer.from('x'), 0, 3),
    'E_BAD_MESSAGE DPUB failed to read message body size',
  ],
  [
    'DPUB, no body',
    cutShort('DPUB t 10', Buffer.from('later'), 0),
    'E_BAD_MESSAGE DPUB failed to read message body',
  ],
  ['MPUB, half a size', cutShort('MPUB t', MPUB_BODY, 0, 1), 'E_BAD_BODY MPUB failed to read body size'],
  ['MPUB, half a count', cutShort('MPUB t', MPUB_BODY, 2), 'E_BAD_BODY MPUB failed to read message count'],
  [
    'MPUB, no message size',
    cutShort('MPUB t', MPUB_BODY, 4),
    'E_BAD_MESSAGE MPUB failed to read message(0) body size',
  ],
  [
    'MPUB, part of a message',
    cutShort('MPUB t', MPUB_BODY, 9),
    'E_BAD_MESSAGE MPUB failed to read message body',
  ],
  [
    'MPUB, half the second size',
    cutShort('MPUB t', MPUB_BODY, 13),
    'E_BAD_MESSAGE MPUB failed to read message(1) body size',
  ],
  [
    'IDENTIFY, no size',
    cutShort('IDENTIFY', Buffer.from('{}'), 0, 0),
    'E_BAD_BODY IDENTIFY failed to read body size',
  ],
  [
    'IDENTIFY, part of the JSON',
    cutShort('IDENTIFY', Buffer.from('{"client_id":"x"}'), 5),
    'E_BAD_BODY IDENTIFY failed to read body',
  ],
  [
    'AUTH, half a size',
    cutShort('AUTH', Buffer.from('secret'), 0, 2),
    'E_BAD_BODY AUTH failed to read body size',
  ],
  [
    'AUTH, part of the secret',
    cutShort('AUTH', Buffer.from('secret'), 1),
    'E_BAD_BODY AUTH failed to read body',
  ],
];

for (const workers of SHARD_MATRIX) {
  describe(`input cut short (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers, maxMsgSize: 1024, maxBodySize: 4096 });
    });
    after(() => b.close());

    it('a body cut short by FIN gets Go\'s "failed to read" error, then the close', async () => {
      for (const [name, bytes, expected] of CUTS) {
        const c = await WireClient.connect(b.port);
        c.write(bytes);
        c.end();
        assert.equal(await c.error(), expected, name);
        await c.waitClosed();
        assert.equal(c.queued, 0, name);
      }
    });

    it('FIN inside a command line or between commands closes silently, as Go does', async () => {
      for (const bytes of ['PUB t', 'NOP\n', '']) {
        const c = await WireClient.connect(b.port);
        c.write(bytes);
        c.end();
        await c.waitClosed();
        assert.equal(c.queued, 0, JSON.stringify(bytes));
      }
      const m = await WireClient.connect(b.port, { magic: false });
      m.write('  V');
      m.end();
      await m.waitClosed();
      assert.equal(m.queued, 0);
    });

    it('commands before the FIN are answered first, in order', async () => {
      const t = freshTopic();
      const c = await WireClient.connect(b.port);
      c.pub(t, 'a');
      c.mpub(t, ['b', 'c']);
      c.write(cutShort(`PUB ${t}`, Buffer.from('cut'), 1));
      c.end();
      assert.equal(await c.response(), 'OK');
      assert.equal(await c.response(), 'OK');
      assert.equal(await c.error(), 'E_BAD_MESSAGE PUB failed to read message body');
      await c.waitClosed();
      // a clean FIN right after a publish still gets its OK, and the messages were all published
      const d = await WireClient.connect(b.port);
      d.pub(t, 'd');
      d.end();
      assert.equal(await d.response(), 'OK');
      await d.waitClosed();
      const s = await subscriber(b.port, t, 'c', 10);
      const got = [];
      for (let i = 0; i < 4; i++) got.push((await s.message()).body.toString());
      assert.deepEqual(got.sort(), ['a', 'b', 'c', 'd']);
      s.close();
    });

    it('an MPUB message over --max-msg-size is answered before the rest of the body', async () => {
      // outer size 4000 promised; only the count and the first size ever arrive
      const c = await WireClient.connect(b.port);
      c.write(Buffer.concat([Buffer.from('MPUB t\n'), int32(4000), int32(2), int32(1025)]));
      assert.equal(await c.error(1000), 'E_BAD_MESSAGE MPUB message too big 1025 > 1024');
      await c.waitClosed(1000);
      // the second message, after a valid first one, more bytes still to come
      const d = await WireClient.connect(b.port);
      d.write(Buffer.concat([Buffer.from('MPUB t\n'), int32(4000), int32(3), int32(1), Buffer.from('z')]));
      d.write(int32(2000));
      d.write(Buffer.alloc(100, 0x41));
      assert.equal(await d.error(1000), 'E_BAD_MESSAGE MPUB message too big 2000 > 1024');
      await d.waitClosed(1000);
    });

    it('the broker keeps serving after cut-short and oversize input', async () => {
      const t = freshTopic();
      const s = await subscriber(b.port, t, 'c', 1);
      const p = await WireClient.connect(b.port);
      p.pub(t, 'still here');
      assert.equal(await p.response(), 'OK');
      assert.equal((await s.message()).body.toString(), 'still here');
      p.close();
      s.close();
    });
  });
}
