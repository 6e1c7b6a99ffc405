/**
 * The Dispatcher alone, with a recording host and a scripted random source: RDY windows, round
 * robin over the ready consumers, sampling, CLS and departures.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Consumer, type DeliveryHost, Dispatcher } from '../../src/nsqd/delivery/dispatcher.js';

type Ch = 'ch';

class Host implements DeliveryHost<Ch, string> {
  readonly name = 'ch';
  sent: string[] = [];
  dropped: string[] = [];
  startFlight(c: Consumer<Ch>, m: string, last: boolean): void {
    this.sent.push(`${c.conn}:${m}${last ? '!' : ''}`);
  }
  dropSampled(m: string): void {
    this.dropped.push(m);
  }
}

function setup(randoms: number[] = []) {
  const host = new Host();
  const d = new Dispatcher<Ch, string>(host, { random: () => randoms.shift() ?? 0 });
  return { host, d };
}

describe('dispatcher', () => {
  it('round robin over ready consumers; a full RDY window leaves the rotation (last = flush)', () => {
    const { host, d } = setup();
    const a = d.add(1, 'ch', 60_000, 0);
    const b = d.add(2, 'ch', 60_000, 0);
    assert.equal(d.hasReady, false);
    d.setReady(a, 2);
    d.setReady(b, 1);
    assert.equal(d.hasReady, true);
    d.offer('m1');
    d.offer('m2');
    d.offer('m3');
    assert.deepEqual(host.sent, ['1:m1', '2:m2!', '1:m3!']);
    assert.equal(d.hasReady, false);
    assert.deepEqual([a.inFlight, a.messageCount, b.inFlight, b.messageCount], [2, 2, 1, 1]);
    d.landed(b);
    assert.equal(d.hasReady, true);
    d.offer('m4');
    assert.deepEqual(host.sent.slice(3), ['2:m4!']);
  });

  it('offer with nobody ready is a broken invariant', () => {
    const { d } = setup();
    d.add(1, 'ch', 60_000, 0);
    assert.throws(() => d.offer('m'), /channel ch: readyCount 0 but no ready consumer/);
  });

  it('sample_rate drops a message when floor(random * 100) exceeds it, without touching the window', () => {
    const { host, d } = setup([0.5, 0.51, 0.509]);
    const c = d.add(1, 'ch', 60_000, 50);
    d.setReady(c, 10);
    d.offer('kept');
    d.offer('dropped');
    d.offer('kept too');
    assert.deepEqual(host.sent, ['1:kept', '1:kept too']);
    assert.deepEqual(host.dropped, ['dropped']);
    assert.deepEqual([c.inFlight, c.messageCount], [2, 2]);
  });

  it('CLS and departure take a consumer out of the rotation; the round robin restarts in range', () => {
    const { host, d } = setup();
    const a = d.add(1, 'ch', 60_000, 0);
    const b = d.add(2, 'ch', 60_000, 0);
    d.setReady(a, 5);
    d.setReady(b, 5);
    d.offer('m1');
    d.offer('m2');
    d.startClose(a);
    assert.deepEqual([a.closing, a.rdy, a.ready], [true, 0, false]);
    d.offer('m3');
    d.remove(b);
    assert.deepEqual([b.gone, d.hasReady, d.consumers.length], [true, false, 1]);
    d.setReady(a, 5); // a closing consumer stays out even with a window
    assert.equal(d.hasReady, false);
    const c = d.add(3, 'ch', 60_000, 0);
    d.setReady(c, 1);
    d.offer('m4');
    assert.deepEqual(host.sent, ['1:m1', '2:m2', '2:m3', '3:m4!']);
  });
});
