// FrameParser at the edges Go reads straight off the socket: input that ends (the peer half-closed)
// before a body size or body is complete, and MPUB counts and message sizes answered as they arrive.
// Every scenario is fed whole, byte by byte and at seeded random split points.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeCommand, encodeMpubBody } from '../../src/wire/encode.js';
import { errorFrameData } from '../../src/wire/errors.js';
import { MpubWalk, scanMpubBody } from '../../src/wire/mpub.js';
import { drain, eachWay, int32, MAGIC, Recorder } from '../helpers/parser-recorder.js';
import { prng } from '../helpers/prng.js';

const LIMITS = { maxMsgSize: 100, maxBodySize: 400 };
const ENDED = { ...LIMITS, end: true };

/** `line\n` + size + the first `keep` bytes of `body` (all of the size field when keep >= 0) */
function cut(line: string, body: Buffer, keep: number, sizeBytes = 4): Buffer {
  const head = Buffer.concat([MAGIC, Buffer.from(`${line}\n`), int32(body.length).subarray(0, sizeBytes)]);
  return Buffer.concat([head, sizeBytes === 4 ? body.subarray(0, keep) : Buffer.alloc(0)]);
}

describe('FrameParser end of input', () => {
  const json = Buffer.from('{"client_id":"x"}');
  const rows: [string, Buffer, string, string][] = [
    // command line, body, Go's error for a cut size, Go's error for a cut body
    [
      'PUB t',
      Buffer.from('hello'),
      'E_BAD_MESSAGE PUB failed to read message body size',
      'E_BAD_MESSAGE PUB failed to read message body',
    ],
    [
      'DPUB t 10',
      Buffer.from('later'),
      'E_BAD_MESSAGE DPUB failed to read message body size',
      'E_BAD_MESSAGE DPUB failed to read message body',
    ],
    [
      'IDENTIFY',
      json,
      'E_BAD_BODY IDENTIFY failed to read body size',
      'E_BAD_BODY IDENTIFY failed to read body',
    ],
    [
      'AUTH',
      Buffer.from('s3cret'),
      'E_BAD_BODY AUTH failed to read body size',
      'E_BAD_BODY AUTH failed to read body',
    ],
  ];
  for (const [line, body, sizeText, bodyText] of rows) {
    for (const sizeBytes of [0, 1, 3]) {
      eachWay(
        `${line}: ${sizeBytes} of 4 size bytes, then EOF`,
        cut(line, body, 0, sizeBytes),
        (log) => assert.deepEqual(log, ['magic', `line "${line}"`, `end ${sizeText}`]),
        ENDED,
      );
    }
    for (const keep of [0, 1, body.length - 1]) {
      eachWay(
        `${line}: ${keep} of ${body.length} body bytes, then EOF`,
        cut(line, body, keep),
        (log) => assert.deepEqual(log, ['magic', `line "${line}"`, `end ${bodyText}`]),
        ENDED,
      );
    }
  }

  // 4 count + (4 + 3) + (4 + 4) = 19 bytes
  const mpub = encodeMpubBody([Buffer.from('abc'), Buffer.from('defg')]);
  const mpubCuts: [number, string][] = [
    [0, 'E_BAD_BODY MPUB failed to read message count'],
    [3, 'E_BAD_BODY MPUB failed to read message count'],
    [4, 'E_BAD_MESSAGE MPUB failed to read message(0) body size'],
    [7, 'E_BAD_MESSAGE MPUB failed to read message(0) body size'],
    [8, 'E_BAD_MESSAGE MPUB failed to read message body'],
    [10, 'E_BAD_MESSAGE MPUB failed to read message body'],
    [11, 'E_BAD_MESSAGE MPUB failed to read message(1) body size'],
    [15, 'E_BAD_MESSAGE MPUB failed to read message body'],
    [18, 'E_BAD_MESSAGE MPUB failed to read message body'],
  ];
  for (const sizeBytes of [0, 2]) {
    eachWay(
      `MPUB: ${sizeBytes} of 4 size bytes, then EOF`,
      cut('MPUB t', mpub, 0, sizeBytes),
      (log) =>
        assert.deepEqual(log, ['magic', 'line "MPUB t"', 'end E_BAD_BODY MPUB failed to read body size']),
      ENDED,
    );
  }
  for (const [keep, text] of mpubCuts) {
    eachWay(
      `MPUB: ${keep} of ${mpub.length} body bytes, then EOF`,
      cut('MPUB t', mpub, keep),
      (log) => assert.deepEqual(log, ['magic', 'line "MPUB t"', `end ${text}`]),
      ENDED,
    );
  }

  const done = Buffer.concat([MAGIC, encodeCommand('PUB t', Buffer.from('a')), encodeCommand('NOP')]);
  eachWay(
    'between commands: a clean end',
    done,
    (log) => assert.deepEqual(log, ['magic', 'line "PUB t"', 'body PUB a', 'line "NOP"', 'end']),
    ENDED,
  );
  eachWay(
    'inside a command line: a clean end, the line is dropped as Go does',
    Buffer.concat([done, Buffer.from('PUB t')]),
    (log) => assert.deepEqual(log, ['magic', 'line "PUB t"', 'body PUB a', 'line "NOP"', 'end']),
    ENDED,
  );
  eachWay(
    'inside the magic: a clean end',
    Buffer.from('  V'),
    (log) => assert.deepEqual(log, ['end']),
    ENDED,
  );
  eachWay(
    'while paused after every event: the end waits for the queued bytes',
    Buffer.concat([done, cut('PUB t', Buffer.from('abc'), 2).subarray(4)]),
    (log) =>
      assert.deepEqual(log, [
        'magic',
        'line "PUB t"',
        'body PUB a',
        'line "NOP"',
        'line "PUB t"',
        'end E_BAD_MESSAGE PUB failed to read message body',
      ]),
    { ...ENDED, pauseEach: true },
  );

  test('end() while paused by the sink fires only on resume, once, then the parser is closed', () => {
    const r = new Recorder({ ...LIMITS, pauseEach: true });
    r.parser.push(Buffer.concat([MAGIC, encodeCommand('NOP'), Buffer.from('PUB t\n'), int32(9)]));
    r.parser.end();
    r.parser.end();
    assert.deepEqual(r.log, ['magic']);
    drain(r);
    assert.deepEqual(r.log, [
      'magic',
      'line "NOP"',
      'line "PUB t"',
      'end E_BAD_MESSAGE PUB failed to read message body',
    ]);
    assert.equal(r.parser.closed, true);
    r.parser.push(encodeCommand('NOP'));
    r.parser.resume();
    assert.equal(r.log.length, 4);
  });

  test('no end event after a fatal framing error', () => {
    const r = new Recorder(LIMITS);
    r.parser.push(Buffer.concat([MAGIC, Buffer.from('PUB t\n'), int32(0)]));
    r.parser.end();
    assert.deepEqual(r.log, ['magic', 'line "PUB t"', 'error E_BAD_MESSAGE PUB invalid message body size 0']);
  });

  test('truncationError follows the parser state (the idle-timeout path)', () => {
    const r = new Recorder(LIMITS);
    const text = () => {
      const err = r.parser.truncationError();
      return err === null ? null : errorFrameData(err);
    };
    r.parser.push(Buffer.concat([MAGIC, Buffer.from('MPUB t')]));
    assert.equal(text(), null);
    r.parser.push(Buffer.from('\n'));
    assert.equal(text(), 'E_BAD_BODY MPUB failed to read body size');
    r.parser.push(Buffer.concat([int32(mpub.length), mpub.subarray(0, 9)]));
    assert.equal(text(), 'E_BAD_MESSAGE MPUB failed to read message body');
    r.parser.push(mpub.subarray(9));
    assert.equal(text(), null);
  });
});

describe('FrameParser MPUB checks as the bytes arrive', () => {
  /** an MPUB line, a declared size and the start of a body: nothing after it ever arrives */
  const head = (size: number, ...words: number[]) =>
    Buffer.concat([MAGIC, Buffer.from('MPUB t\n'), int32(size), ...words.map(int32)]);
  const cases: [string, Buffer, string][] = [
    ['a message over --max-msg-size', head(300, 2, 101), 'E_BAD_MESSAGE MPUB message too big 101 > 100'],
    [
      'the second message over --max-msg-size',
      Buffer.concat([head(300, 2, 1), Buffer.from('z'), int32(2147483647)]),
      'E_BAD_MESSAGE MPUB message too big 2147483647 > 100',
    ],
    ['a message size of 0', head(300, 3, 0), 'E_BAD_MESSAGE MPUB invalid message(0) body size 0'],
    ['a negative message size', head(300, 3, -4), 'E_BAD_MESSAGE MPUB invalid message(0) body size -4'],
    ['a count of 0', head(300, 0), 'E_BAD_BODY MPUB invalid message count 0'],
    ['a count over (max-body-size - 4) / 5', head(300, 80), 'E_BAD_BODY MPUB invalid message count 80'],
    [
      'a message crossing the declared size (our stricter rule)',
      head(20, 1, 50),
      'E_BAD_BODY MPUB body size 20 does not match its messages',
    ],
  ];
  for (const [name, bytes, text] of cases) {
    eachWay(
      `${name}: answered before the rest of the body`,
      bytes,
      (log) => assert.deepEqual(log, ['magic', 'line "MPUB t"', `error ${text}`]),
      LIMITS,
    );
    eachWay(
      `${name}: nothing after the error is parsed`,
      Buffer.concat([bytes, Buffer.alloc(300, 0x41), encodeCommand('NOP')]),
      (log) => assert.deepEqual(log, ['magic', 'line "MPUB t"', `error ${text}`]),
      LIMITS,
    );
  }

  test('the error fires at the byte that completes the size, without waiting for more', () => {
    const r = new Recorder(LIMITS);
    const bytes = head(300, 2, 101);
    for (let i = 0; i < bytes.length - 1; i++) r.parser.push(bytes.subarray(i, i + 1));
    assert.deepEqual(r.log, ['magic', 'line "MPUB t"']);
    assert.equal(r.parser.pendingState(), 'body');
    r.parser.push(bytes.subarray(bytes.length - 1));
    assert.deepEqual(r.log, ['magic', 'line "MPUB t"', 'error E_BAD_MESSAGE MPUB message too big 101 > 100']);
    assert.equal(r.parser.closed, true);
  });

  eachWay(
    'messages that stop short of the declared size: answered once the body is complete',
    Buffer.concat([head(14, 1, 1), Buffer.from('z'), Buffer.alloc(5), encodeCommand('NOP')]),
    (log) =>
      assert.deepEqual(log, [
        'magic',
        'line "MPUB t"',
        'error E_BAD_BODY MPUB body size 14 does not match its messages',
      ]),
    LIMITS,
  );

  test('MpubWalk fed at random split points agrees with scanMpubBody on the whole body', () => {
    const rand = prng(8032026);
    const walk = new MpubWalk();
    for (let c = 0; c < 2000; c++) {
      const n = 1 + Math.floor(rand() * 5);
      const body = encodeMpubBody(
        Array.from({ length: n }, () => Buffer.alloc(1 + Math.floor(rand() * 12), 0x6d)),
      );
      // corrupt one byte of the structure (or none) and sometimes declare another size
      if (rand() < 0.7) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
      const size = rand() < 0.2 ? Math.max(1, body.length + Math.floor(rand() * 9) - 4) : body.length;
      const buf = Buffer.alloc(size);
      body.copy(buf, 0, 0, Math.min(size, body.length));
      const whole = scanMpubBody(buf, 0, size, 10, 60);
      walk.reset(0, size, 10, 60);
      let got: string | null = null;
      for (let recv = 0; recv < size && got === null; ) {
        recv = Math.min(size, recv + 1 + Math.floor(rand() * 6));
        const err = walk.advance(buf, recv);
        if (err !== null) got = errorFrameData(err);
      }
      const want = 'code' in whole ? errorFrameData(whole) : null;
      assert.equal(got, want, `case ${c}: ${buf.toString('hex')}`);
      assert.equal(walk.complete, want === null, `case ${c}`);
      if (want === null) assert.equal(walk.messageCount, (whole as { count: number }).count);
    }
  });
});
