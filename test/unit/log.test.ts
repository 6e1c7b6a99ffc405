/**
 * The logger alone: Go's line format (prefix, µs local timestamp, internal/lg level names), the level
 * filter (before a line is built, and shared with another logger through its level cell), and the
 * bounded writer that drops lines while its stream is backed up and says how many once it drains.
 */

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { BoundedWriter, LOG_DEBUG, LOG_INFO, LOG_WARN, Logger, logStamp } from '../../src/log.js';

const LINE = /^\[nsqd\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} (DEBUG|INFO|WARNING|ERROR|FATAL): .*\n$/;

function capture(level: Parameters<typeof Logger.prototype.setLevel>[0] = 'info') {
  const lines: string[] = [];
  const log = new Logger('info', '[nsqd] ', (l) => lines.push(l));
  log.setLevel(level);
  return { log, lines };
}

describe('Logger', () => {
  it("writes Go's line: prefix, local date and time with µs, level, message", () => {
    const { log, lines } = capture('debug');
    log.debug('d');
    log.info('TCP: new client(127.0.0.1:5555)');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    assert.equal(lines.length, 5);
    for (const l of lines) assert.match(l, LINE);
    assert.deepEqual(
      lines.map((l) => l.slice(34)),
      ['DEBUG: d\n', 'INFO: TCP: new client(127.0.0.1:5555)\n', 'WARNING: w\n', 'ERROR: e\n', 'FATAL: f\n'],
    );
    // local wall time, as Go's log package prints it
    const [y, mo, d, h, mi, sec] = logStamp()
      .split(/[/ :.]/)
      .map(Number) as number[];
    const at = new Date(y!, mo! - 1, d!, h!, mi!, sec!).getTime();
    assert.ok(Math.abs(at - Date.now()) < 2000, `${logStamp()} is now`);
  });

  it('timestamps never go back within a run', () => {
    let last = '';
    for (let i = 0; i < 2000; i++) {
      const s = logStamp();
      assert.ok(s >= last, `${s} after ${last}`);
      last = s;
    }
  });

  it('a level filters out every line below it, and enabled() tells before a line is built', () => {
    const { log, lines } = capture('warn');
    log.debug('no');
    log.info('no');
    log.warn('yes');
    log.error('yes');
    assert.equal(lines.length, 2);
    assert.equal(log.enabled(LOG_INFO), false);
    assert.equal(log.enabled(LOG_WARN), true);
    assert.equal(log.levelName, 'warn');
    assert.equal(log.setLevel('DEBUG'), true);
    assert.equal(log.enabled(LOG_DEBUG), true);
    assert.equal(log.setLevel('loud'), false);
    assert.equal(log.levelName, 'debug');
  });

  it("a logger on another's level cell (a shard worker's) follows its level changes", () => {
    const { log } = capture('info');
    const lines: string[] = [];
    const shard = new Logger(log.levelCell, '[nsqd] ', (l) => lines.push(l));
    shard.debug('hidden');
    log.setLevel('debug');
    shard.debug('shown');
    log.setLevel('error');
    shard.info('hidden');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /DEBUG: shown\n$/);
  });

  it('a silent logger writes nothing at any level', () => {
    const log = Logger.silent();
    assert.equal(log.enabled(LOG_DEBUG) || log.enabled(5), false);
  });
});

/** a stream whose pending bytes the test sets, as a pipe nobody reads */
class FakeStream extends EventEmitter {
  writableLength = 0;
  written: string[] = [];
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.writableLength += chunk.length;
    return false;
  }
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

describe('BoundedWriter', () => {
  it('past its bound it drops lines, counts them, and reports the count when the stream drains', async () => {
    const s = new FakeStream();
    const w = new BoundedWriter(s, 10, (n) => `dropped ${n}\n`);
    w.write('0123456789a\n'); // 12 bytes pending: over the bound from now on
    w.write('lost 1\n');
    w.write('lost 2\n');
    assert.deepEqual(s.written, ['0123456789a\n']);
    assert.equal(w.dropped, 2);
    const flushed = w.flush(1000);
    s.drain();
    await flushed;
    assert.deepEqual(s.written, ['0123456789a\n', 'dropped 2\n']);
    assert.equal(w.dropped, 0);
    assert.equal(w.droppedTotal, 2);
    s.writableLength = 0;
    w.write('after\n');
    assert.equal(s.written.at(-1), 'after\n');
  });

  it('flush gives up after its timeout when the stream never drains', async () => {
    const s = new FakeStream();
    const w = new BoundedWriter(s, 1 << 20, () => '');
    w.write('pending\n');
    const t0 = Date.now();
    await w.flush(30);
    assert.ok(Date.now() - t0 < 1000);
  });
});
