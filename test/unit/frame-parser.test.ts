// FrameParser: every scenario is fed whole, byte by byte and at seeded random split points, and the
// same event log is asserted each way.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeCommand, encodeMpubBody } from '../../src/wire/encode.js';
import { errorFrameData } from '../../src/wire/errors.js';
import {
  type BodyRule,
  FrameParser,
  type FrameSink,
  makeBodyRules,
  readFailureError,
} from '../../src/wire/parser.js';
import { eachWay, int32, MAGIC, Recorder } from '../helpers/parser-recorder.js';

const ID = '0123456789abcdef';

const identifyJson = '{"client_id":"c1","feature_negotiation":true,"heartbeat_interval":30000}';
const script = Buffer.concat([
  MAGIC,
  encodeCommand('IDENTIFY', Buffer.from(identifyJson)),
  encodeCommand('AUTH', Buffer.from('s3cret')),
  encodeCommand('SUB topic chan'),
  encodeCommand('PUB topic', Buffer.from('hello')),
  encodeCommand('MPUB topic', encodeMpubBody([Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')])),
  encodeCommand('DPUB topic 1000', Buffer.from('later')),
  encodeCommand('RDY 10'),
  encodeCommand(`FIN ${ID}`),
  encodeCommand(`REQ ${ID} 0`),
  encodeCommand(`TOUCH ${ID}`),
  encodeCommand('CLS'),
  encodeCommand('NOP'),
  Buffer.from('NOP\r\n'),
  encodeCommand('PUB  x', Buffer.from('y')),
  encodeCommand(''),
]);

const scriptLog = [
  'magic',
  'line "IDENTIFY"',
  `body IDENTIFY ${identifyJson}`,
  'line "AUTH"',
  'body AUTH s3cret',
  'line "SUB topic chan"',
  'line "PUB topic"',
  'body PUB hello',
  'line "MPUB topic"',
  `body MPUB ${encodeMpubBody([Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')]).toString('latin1')}`,
  'line "DPUB topic 1000"',
  'body DPUB later',
  'line "RDY 10"',
  `line "FIN ${ID}"`,
  `line "REQ ${ID} 0"`,
  `line "TOUCH ${ID}"`,
  'line "CLS"',
  'line "NOP"',
  'line "NOP"',
  'line "PUB  x"',
  'body PUB y',
  'line ""',
];

describe('FrameParser', () => {
  eachWay('a script with every command', script, (log) => assert.deepEqual(log, scriptLog));
  eachWay('pausing after every event', script, (log) => assert.deepEqual(log, scriptLog), {
    pauseEach: true,
  });
  eachWay('pause then resume inside callbacks', script, (log) => assert.deepEqual(log, scriptLog), {
    pauseResumeInside: true,
  });
  eachWay('without magic', script.subarray(4), (log) => assert.deepEqual(log, scriptLog.slice(1)), {
    expectMagic: false,
  });

  eachWay('bad magic', Buffer.concat([Buffer.from('  V1'), encodeCommand('NOP')]), (log) =>
    assert.deepEqual(log, ['bad magic']),
  );

  describe('line length', () => {
    const opts = { maxLineLength: 32, expectMagic: false };
    const longest = 'X'.repeat(31);
    eachWay(
      'maxLineLength - 1 bytes plus "\\n" is accepted',
      Buffer.from(`${longest}\nNOP\n`),
      (log) => assert.deepEqual(log, [`line "${longest}"`, 'line "NOP"']),
      opts,
    );
    eachWay(
      'a "\\r" counts toward the limit',
      Buffer.from(`${'X'.repeat(31)}\r\nNOP\n`),
      (log) => assert.deepEqual(log, ['error E_INVALID command line too long (32 bytes without newline)']),
      opts,
    );
    eachWay(
      'maxLineLength bytes without a newline is fatal, nothing after it is parsed',
      Buffer.from(`NOP\n${'X'.repeat(40)}\nNOP\n`),
      (log) =>
        assert.deepEqual(log, [
          'line "NOP"',
          'error E_INVALID command line too long (32 bytes without newline)',
        ]),
      opts,
    );
    test('the error fires at the byte that reaches the limit, without waiting for more', () => {
      const r = new Recorder(opts);
      for (let i = 0; i < 31; i++) r.parser.push(Buffer.from('X'));
      assert.deepEqual(r.log, []);
      assert.equal(r.parser.pendingState(), 'line');
      r.parser.push(Buffer.from('X'));
      assert.deepEqual(r.log, ['error E_INVALID command line too long (32 bytes without newline)']);
      assert.equal(r.parser.closed, true);
    });
  });

  describe('body sizes', () => {
    const opts = { maxMsgSize: 100, maxBodySize: 200, expectMagic: false };
    const sized = (line: string, size: number) =>
      Buffer.concat([Buffer.from(`${line}\n`), int32(size), Buffer.alloc(8, 0x61), encodeCommand('NOP')]);
    const cases: [string, number, string][] = [
      ['PUB t', -1, 'E_BAD_MESSAGE PUB invalid message body size -1'],
      ['PUB t', 0, 'E_BAD_MESSAGE PUB invalid message body size 0'],
      ['PUB t', 101, 'E_BAD_MESSAGE PUB message too big 101 > 100'],
      ['PUB t', -2147483648, 'E_BAD_MESSAGE PUB invalid message body size -2147483648'],
      ['DPUB t 5', -7, 'E_BAD_MESSAGE DPUB invalid message body size -7'],
      ['DPUB t 5', 0, 'E_BAD_MESSAGE DPUB invalid message body size 0'],
      ['DPUB t 5', 2147483647, 'E_BAD_MESSAGE DPUB message too big 2147483647 > 100'],
      ['MPUB t', -1, 'E_BAD_BODY MPUB invalid body size -1'],
      ['MPUB t', 0, 'E_BAD_BODY MPUB invalid body size 0'],
      ['MPUB t', 201, 'E_BAD_BODY MPUB body too big 201 > 200'],
      ['IDENTIFY', -1, 'E_BAD_BODY IDENTIFY invalid body size -1'],
      ['IDENTIFY', 0, 'E_BAD_BODY IDENTIFY invalid body size 0'],
      ['IDENTIFY', 201, 'E_BAD_BODY IDENTIFY body too big 201 > 200'],
      ['AUTH', -1, 'E_BAD_BODY AUTH invalid body size -1'],
      ['AUTH', 0, 'E_BAD_BODY AUTH invalid body size 0'],
      ['AUTH', 2147483647, 'E_BAD_BODY AUTH body too big 2147483647 > 200'],
    ];
    for (const [line, size, text] of cases) {
      eachWay(
        `${line} size ${size}`,
        sized(line, size),
        (log) => assert.deepEqual(log, [`line ${JSON.stringify(line)}`, `error ${text}`]),
        opts,
      );
    }

    // an MPUB body must hold valid messages: two of 94 bytes fill 4 + 2 × (4 + 94) = 200
    const bodyOf = (cmd: string, size: number) =>
      cmd === 'MPUB'
        ? encodeMpubBody([Buffer.alloc(94, 0x62), Buffer.alloc(94, 0x62)])
        : Buffer.alloc(size, 0x62);
    const atLimit = (line: string, size: number) =>
      Buffer.concat([encodeCommand(line, bodyOf(line.split(' ')[0]!, size)), encodeCommand('NOP')]);
    for (const [line, size] of [
      ['PUB t', 100],
      ['DPUB t 5', 100],
      ['MPUB t', 200],
      ['IDENTIFY', 200],
      ['AUTH', 200],
    ] as const) {
      eachWay(
        `${line} body of exactly the limit (${size}) is accepted`,
        atLimit(line, size),
        (log) => {
          const cmd = line.split(' ')[0]!;
          const body = bodyOf(cmd, size).toString('latin1');
          assert.deepEqual(log, [`line "${line}"`, `body ${cmd} ${body}`, 'line "NOP"']);
        },
        opts,
      );
    }

    test('the check order differs per command (seen with a negative limit)', () => {
      const r = new Recorder({ expectMagic: false });
      for (const rule of Object.values(r.rules) as BodyRule[]) rule.limit = -5;
      r.parser.push(Buffer.concat([Buffer.from('IDENTIFY\n'), int32(-3)]));
      const p = new Recorder({ expectMagic: false });
      for (const rule of Object.values(p.rules) as BodyRule[]) rule.limit = -5;
      p.parser.push(Buffer.concat([Buffer.from('PUB t\n'), int32(-3)]));
      assert.deepEqual(r.log.slice(1), ['error E_BAD_BODY IDENTIFY body too big -3 > -5']);
      assert.deepEqual(p.log.slice(1), ['error E_BAD_MESSAGE PUB invalid message body size -3']);
    });
  });

  describe('pause, resume and close', () => {
    test('pause mid-chunk stops events, resume continues without loss', () => {
      const r = new Recorder({ pauseEach: true });
      r.parser.push(script);
      assert.deepEqual(r.log, ['magic']);
      assert.equal(r.parser.paused, true);
      // chunks pushed while paused are queued behind the retained remainder
      r.parser.push(encodeCommand('NOP'));
      for (let i = 2; i <= scriptLog.length; i++) {
        r.parser.resume();
        assert.deepEqual(r.log, scriptLog.slice(0, i));
      }
      r.parser.resume();
      assert.deepEqual(r.log, [...scriptLog, 'line "NOP"']);
    });

    test('pause from outside, between pushes', () => {
      const r = new Recorder();
      r.parser.pause();
      r.parser.push(script.subarray(0, 20));
      r.parser.push(script.subarray(20));
      assert.deepEqual(r.log, []);
      r.parser.resume();
      assert.deepEqual(r.log, scriptLog);
    });

    test('close() inside onLine stops everything', () => {
      const r = new Recorder({ expectMagic: false });
      const sink: FrameSink = {
        onMagic: () => r.onMagic(),
        onBadMagic: () => r.onBadMagic(),
        onLine: (buf, s, e) => {
          const rule = r.onLine(buf, s, e);
          if (buf.toString('latin1', s, e) === 'CLS') parser.close();
          return rule;
        },
        onBody: (rule, buf, s, e) => r.onBody(rule, buf, s, e),
        onFrameError: (err) => r.onFrameError(err),
      };
      const parser = new FrameParser(sink, { maxLineLength: 1024, expectMagic: false });
      parser.push(Buffer.concat([encodeCommand('NOP'), encodeCommand('CLS'), encodeCommand('NOP')]));
      parser.push(encodeCommand('NOP'));
      parser.resume();
      assert.deepEqual(r.log, ['line "NOP"', 'line "CLS"']);
      assert.equal(parser.closed, true);
      assert.equal(parser.pendingState(), 'idle');
    });

    test('close() from outside mid-body drops it and ignores further input', () => {
      const r = new Recorder({ expectMagic: false });
      const frame = encodeCommand('PUB t', Buffer.from('abcdef'));
      r.parser.push(frame.subarray(0, frame.length - 2));
      assert.equal(r.parser.pendingState(), 'body');
      r.parser.close();
      r.parser.push(frame.subarray(frame.length - 2));
      r.parser.push(encodeCommand('NOP'));
      assert.deepEqual(r.log, ['line "PUB t"']);
      assert.equal(r.parser.partialBody(), null);
    });
  });

  describe('copies', () => {
    test('a whole frame is handed out as a view of the pushed chunk', () => {
      const r = new Recorder({ expectMagic: false });
      const chunk = Buffer.concat([encodeCommand('NOP'), encodeCommand('PUB t', Buffer.from('zero-copy'))]);
      r.parser.push(chunk);
      const b = r.bodies[0]!;
      assert.equal(b.buf.buffer, chunk.buffer);
      assert.equal(b.buf.byteOffset + b.start, chunk.byteOffset + chunk.length - 9);
      assert.equal(b.buf.toString('latin1', b.start, b.end), 'zero-copy');
    });

    test('a straddling body is copied once into a buffer of exactly its size', () => {
      const r = new Recorder({ expectMagic: false, maxMsgSize: 1 << 20 });
      const body = Buffer.alloc(10000, 0x7a);
      const frame = encodeCommand('PUB t', body);
      r.parser.push(frame.subarray(0, 5000));
      r.parser.push(frame.subarray(5000));
      const b = r.bodies[0]!;
      assert.notEqual(b.buf.buffer, frame.buffer);
      assert.equal(b.start, 0);
      assert.equal(b.end, 10000);
      assert.equal(b.buf.length, 10000);
      assert.equal(b.buf.buffer.byteLength, 10000);
      assert.ok(b.buf.equals(body));
    });
  });

  describe('pending state and read-failure errors', () => {
    test('pendingState follows the frame', () => {
      const r = new Recorder();
      const frame = encodeCommand('PUB t', Buffer.from('abcdef'));
      assert.equal(r.parser.pendingState(), 'idle');
      r.parser.push(MAGIC);
      assert.equal(r.parser.pendingState(), 'idle');
      r.parser.push(frame.subarray(0, 3));
      assert.equal(r.parser.pendingState(), 'line');
      r.parser.push(frame.subarray(3, 6));
      assert.equal(r.parser.pendingState(), 'size');
      assert.equal(r.parser.pendingRule()?.command, 'PUB');
      r.parser.push(frame.subarray(6, 8));
      assert.equal(r.parser.pendingState(), 'size');
      r.parser.push(frame.subarray(8, 12));
      assert.equal(r.parser.pendingState(), 'body');
      assert.equal(r.parser.partialBody()?.received.toString(), 'ab');
      assert.equal(r.parser.partialBody()?.declaredSize, 6);
      r.parser.push(frame.subarray(12));
      assert.equal(r.parser.pendingState(), 'idle');
      assert.deepEqual(r.log, ['magic', 'line "PUB t"', 'body PUB abcdef']);
    });

    test('Go texts for a stream that stops before or inside a body', () => {
      const rules = makeBodyRules({ maxMsgSize: 10, maxBodySize: 100 });
      const text = (rule: BodyRule, stage: 'size' | 'body', received?: Buffer, declared?: number) =>
        errorFrameData(readFailureError(rule, stage, received, declared));
      assert.equal(text(rules.PUB, 'size'), 'E_BAD_MESSAGE PUB failed to read message body size');
      assert.equal(text(rules.PUB, 'body'), 'E_BAD_MESSAGE PUB failed to read message body');
      assert.equal(text(rules.DPUB, 'size'), 'E_BAD_MESSAGE DPUB failed to read message body size');
      assert.equal(text(rules.DPUB, 'body'), 'E_BAD_MESSAGE DPUB failed to read message body');
      assert.equal(text(rules.IDENTIFY, 'size'), 'E_BAD_BODY IDENTIFY failed to read body size');
      assert.equal(text(rules.IDENTIFY, 'body'), 'E_BAD_BODY IDENTIFY failed to read body');
      assert.equal(text(rules.AUTH, 'size'), 'E_BAD_BODY AUTH failed to read body size');
      assert.equal(text(rules.AUTH, 'body'), 'E_BAD_BODY AUTH failed to read body');
      assert.equal(text(rules.MPUB, 'size'), 'E_BAD_BODY MPUB failed to read body size');
      assert.equal(text(rules.MPUB, 'body'), 'E_BAD_BODY MPUB failed to read message count');
      const mpub = encodeMpubBody([Buffer.from('abc'), Buffer.from('defg')]); // 4 + 7 + 8 = 19 bytes
      const at = (n: number) => text(rules.MPUB, 'body', mpub.subarray(0, n), mpub.length);
      assert.equal(at(0), 'E_BAD_BODY MPUB failed to read message count');
      assert.equal(at(3), 'E_BAD_BODY MPUB failed to read message count');
      assert.equal(at(4), 'E_BAD_MESSAGE MPUB failed to read message(0) body size');
      assert.equal(at(9), 'E_BAD_MESSAGE MPUB failed to read message body');
      assert.equal(at(13), 'E_BAD_MESSAGE MPUB failed to read message(1) body size');
      assert.equal(at(18), 'E_BAD_MESSAGE MPUB failed to read message body');
      // what Go would already have rejected, and what only our outer-size rule rejects
      assert.equal(
        text(rules.MPUB, 'body', Buffer.concat([int32(0), int32(1)]), 50),
        'E_BAD_BODY MPUB invalid message count 0',
      );
      assert.equal(
        text(rules.MPUB, 'body', Buffer.concat([int32(1), int32(11)]), 50),
        'E_BAD_MESSAGE MPUB message too big 11 > 10',
      );
      assert.equal(
        text(rules.MPUB, 'body', mpub, 30),
        'E_BAD_BODY MPUB body size 30 does not match its messages',
      );
    });

    test('readFailureError with the parser state of a half-sent MPUB', () => {
      const r = new Recorder({ expectMagic: false, maxMsgSize: 10, maxBodySize: 100 });
      const frame = encodeCommand('MPUB t', encodeMpubBody([Buffer.from('abc'), Buffer.from('defg')]));
      r.parser.push(frame.subarray(0, frame.length - 2));
      const partial = r.parser.partialBody()!;
      const err = readFailureError(r.parser.pendingRule()!, 'body', partial.received, partial.declaredSize);
      assert.equal(errorFrameData(err), 'E_BAD_MESSAGE MPUB failed to read message body');
    });
  });
});
