/**
 * WsStream's contract with its transport, driven by a recording transport (the two real ones are
 * exercised over sockets in test/integration/websocket.test.ts): writes complete only while the
 * transport holds under its high-water mark, so the rest shows in writableLength; reads pause and
 * resume a pausable transport; a transport that cannot pause is closed (1008) past the unread-input
 * bound; text is refused (1003); the peer's close ends the input after what was read; end() closes
 * normally and destroy() terminates.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WsStream, type WsTransport } from '../../src/http/ws-stream.js';

class Recorder implements WsTransport {
  sent: Buffer[] = [];
  done: (() => void)[] = [];
  bufferedAmount = 0;
  paused = 0;
  resumed = 0;
  closed: [number, string] | null = null;
  terminated = false;
  onClose: (() => void) | null = null;
  send(chunk: Buffer, done: () => void): void {
    this.sent.push(chunk);
    this.bufferedAmount += chunk.length;
    this.done.push(done);
  }
  /** the socket took everything: buffered 0, every send's callback */
  flushAll(): void {
    this.bufferedAmount = 0;
    for (const d of this.done.splice(0)) d();
  }
  pauseReading(): void {
    this.paused++;
  }
  resumeReading(): void {
    this.resumed++;
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
    this.onClose?.();
  }
  terminate(): void {
    this.terminated = true;
  }
}

const WHERE = { remoteAddress: '127.0.0.1', remotePort: 5000, localAddress: '127.0.0.1', localPort: 4151 };
const tick = () => new Promise((r) => setImmediate(r));

function make(maxBufferedInput = 1 << 20): { s: WsStream; t: Recorder } {
  const t = new Recorder();
  const s = new WsStream(t, WHERE, maxBufferedInput);
  t.onClose = () => s.onClose();
  s.on('error', () => {});
  return { s, t };
}

describe('WsStream', () => {
  test('the socket surface: endpoints, byte counters, no-op socket options', async () => {
    const { s } = make();
    assert.deepEqual(
      [s.remoteAddress, s.remotePort, s.localAddress, s.localPort],
      ['127.0.0.1', 5000, '127.0.0.1', 4151],
    );
    assert.equal(s.setNoDelay(true), s);
    assert.equal(s.setKeepAlive(true, 1000), s);
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.onMessage(Buffer.from('abc'), true);
    s.write(Buffer.from('xy'));
    await tick();
    assert.deepEqual([s.bytesRead, s.bytesWritten, Buffer.concat(got).toString()], [3, 2, 'abc']);
  });

  test('writes complete while the transport holds under 256 KiB; the rest waits in writableLength', async () => {
    const { s, t } = make();
    const big = Buffer.alloc(200 * 1024);
    s.write(big);
    s.write(big); // 400 KiB in the transport: this one waits for it to drain
    s.write(big);
    await tick();
    assert.equal(t.sent.length, 2);
    assert.equal(s.bytesWritten, big.length);
    assert.equal(s.writableLength, 2 * big.length, 'the pending write and the queued one');
    let drained = false;
    s.once('drain', () => {
      drained = true;
    });
    t.flushAll();
    await tick();
    assert.equal(t.sent.length, 3);
    t.flushAll();
    await tick();
    assert.equal(s.bytesWritten, 3 * big.length);
    assert.equal(s.writableLength, 0);
    assert.ok(drained);
  });

  test('reads pause the transport when the reader stops, and resume it when it reads again', async () => {
    const { s, t } = make();
    s.pause();
    for (let i = 0; i < 3; i++) s.onMessage(Buffer.alloc(32 * 1024), true);
    assert.equal(t.paused, 1);
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.resume();
    await tick();
    assert.equal(got.length, 3);
    assert.equal(t.resumed, 1);
  });

  test('a transport that cannot pause is closed (1008) past the unread-input bound', () => {
    const { s, t } = make(100 * 1024);
    s.pause();
    s.onMessage(Buffer.alloc(64 * 1024), true);
    s.onMessage(Buffer.alloc(32 * 1024), true);
    assert.equal(t.closed, null);
    s.onMessage(Buffer.alloc(8 * 1024), true);
    assert.deepEqual(t.closed, [1008, 'too much input unread']);
    s.onMessage(Buffer.alloc(1), true); // ignored after the close
    assert.equal(s.bytesRead, 104 * 1024);
  });

  test('a text message closes with 1003, unread', () => {
    const { s, t } = make();
    s.onMessage(Buffer.from('PUB t\n'), false);
    assert.deepEqual(t.closed, [1003, 'binary messages only']);
    assert.equal(s.bytesRead, 0);
  });

  test("the peer's close: what was read is still handed over, then 'end'; writes after it are dropped", async () => {
    const { s, t } = make();
    const got: string[] = [];
    let ended = false;
    s.on('data', (d: Buffer) => got.push(d.toString()));
    s.on('end', () => {
      ended = true;
    });
    s.onMessage(Buffer.from('last'), true);
    s.onClose();
    await tick();
    assert.deepEqual(got, ['last']);
    assert.ok(ended);
    await new Promise<void>((resolve) => s.write(Buffer.from('late'), () => resolve()));
    assert.equal(t.sent.length, 0);
  });

  test('end() closes normally once written; destroy() terminates', async () => {
    const a = make();
    a.s.resume();
    a.s.end(Buffer.from('bye'));
    await tick();
    assert.equal(a.t.sent.length, 1);
    assert.deepEqual(a.t.closed, [1000, '']);
    const b = make();
    b.s.destroy();
    await tick();
    assert.ok(b.t.terminated);
  });
});
