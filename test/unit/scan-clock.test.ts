/**
 * The shard's queue-scan clock: every interval while the scan has work, once a second after ten
 * idle scans, and back to the interval as soon as work arrives. Time is the test's (mock timers).
 */

import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { ScanClock } from '../../src/nsqd/shard/scan-clock.js';

test('an idle scan slows to once a second; work brings the interval back', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  let busy = false;
  let scans = 0;
  const clock = new ScanClock(100, () => {
    scans++;
    return busy;
  });
  // the mock clock moves in 100 ms steps (a timer armed inside a callback fires on a later step)
  const advance = (ms: number): void => {
    for (let t = 0; t < ms; t += 100) mock.timers.tick(100);
  };
  try {
    advance(1000); // ten idle scans: the clock slows
    assert.equal(scans, 10);
    advance(900);
    assert.equal(scans, 10, 'no scan for a second');
    advance(100);
    assert.equal(scans, 11);
    clock.wake(); // a record arrived
    advance(100);
    assert.equal(scans, 12);
    busy = true; // in flight: the interval holds however long
    advance(2000);
    assert.equal(scans, 32);
  } finally {
    clock.stop();
    mock.timers.reset();
  }
});
