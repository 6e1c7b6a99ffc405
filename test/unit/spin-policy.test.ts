/** SpinPolicy: a ring consumer looks on after its last record only while recent idle gaps were mostly shorter than the window. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RING_SPIN_MS } from '../../src/nsqd/contract/shard.js';
import { SpinPolicy } from '../../src/nsqd/shard/spin.js';

/** `n` idle gaps of `gap` ms each, starting at `t`; returns the time after them */
function gaps(p: SpinPolicy, t: number, n: number, gap: number): number {
  for (let i = 0; i < n; i++) {
    p.keepLooking(t + gap / 2);
    t += gap;
    p.active(t);
  }
  return t;
}

describe('SpinPolicy', () => {
  it('looks on under load, within the window only', () => {
    const p = new SpinPolicy(1000);
    p.active(1000);
    assert.equal(p.keepLooking(1000 + RING_SPIN_MS / 2), true);
    assert.equal(p.keepLooking(1000 + RING_SPIN_MS * 2), false);
  });

  it('sleeps at once after a run of long gaps (a trickle), and looks on again once gaps are short', () => {
    const p = new SpinPolicy(1000);
    let t = gaps(p, 1000, 16, 2); // 16 long of the last 32
    assert.equal(p.keepLooking(t), true);
    t = gaps(p, t, 1, 2); // 17 long: sleep
    assert.equal(p.keepLooking(t), false);
    t = gaps(p, t, 32, 5);
    assert.equal(p.keepLooking(t), false);
    t = gaps(p, t, 15, RING_SPIN_MS / 4);
    assert.equal(p.keepLooking(t), false);
    t = gaps(p, t, 1, RING_SPIN_MS / 4); // 16 short
    assert.equal(p.keepLooking(t), true);
  });

  it('back-to-back records count no gap', () => {
    const p = new SpinPolicy(1000);
    let t = gaps(p, 1000, 32, 3);
    for (let i = 0; i < 100; i++) p.active(t++);
    assert.equal(p.keepLooking(t), false);
  });
});
