/**
 * nsq_to_http's host pool (go-hostpool's): epsilon-greedy picks mostly the host that answers
 * faster, by the response times it has marked; round-robin takes turns. Time is the test's: the
 * pool reads performance.now(), which the test moves.
 */

import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { HostPool } from '../../src/tools/common/hostpool.js';

describe('HostPool', () => {
  test('epsilon-greedy: the host answering in 5 ms gets most picks over the one answering in 400 ms', () => {
    let now = 1000;
    const clock = mock.method(performance, 'now', () => now);
    const pool = new HostPool(['slow', 'fast'], true);
    try {
      const picks = { slow: 0, fast: 0 };
      for (let i = 0; i < 300; i++) {
        const p = pool.get();
        picks[p.host as 'slow' | 'fast']++;
        now += p.host === 'fast' ? 5 : 400;
        p.mark(false);
      }
      // exploration (from 30 %, decaying) is round-robin; greedy weighs 1/avg (80:1 here)
      assert.ok(picks.fast > 240, `fast ${picks.fast} of 300`);
      assert.ok(picks.slow > 0, 'the slow host is still explored');
    } finally {
      pool.close();
      clock.mock.restore();
    }
  });

  test('round-robin (hostpool without epsilon-greedy) takes turns', () => {
    const pool = new HostPool(['a', 'b', 'c'], false);
    try {
      const seen = Array.from({ length: 6 }, () => {
        const p = pool.get();
        p.mark(false);
        return p.host;
      });
      assert.deepEqual(seen, ['a', 'b', 'c', 'a', 'b', 'c']);
    } finally {
      pool.close();
    }
  });
});
