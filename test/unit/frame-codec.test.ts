// Frame encoders/decoders, names, numbers, Go quoting, MPUB scanning and IDENTIFY decoding.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goQuote } from '../../src/go/quote.js';
import {
  CLOSE_WAIT_FRAME,
  decodeMessage,
  encodeCommand,
  encodeError,
  encodeMpubBody,
  encodeResponse,
  FRAME_ERROR,
  FRAME_MESSAGE,
  FRAME_RESPONSE,
  type Frame,
  FrameReader,
  HEARTBEAT_FRAME,
  MESSAGE_HEADER_SIZE,
  OK_FRAME,
  writeMessageHeader,
} from '../../src/wire/encode.js';
import { errorFrameData, type ProtocolError, protocolError } from '../../src/wire/errors.js';
import { decodeIdentify, type IdentifyData } from '../../src/wire/identify.js';
import { mpubMessageLength, scanMpubBody } from '../../src/wire/mpub.js';
import { parsedId, parseIdHex } from '../../src/wire/msgid.js';
import { isEphemeral, isValidChannelName, isValidTopicName } from '../../src/wire/names.js';
import { parseBase10 } from '../../src/wire/numbers.js';
import { prng } from '../helpers/prng.js';

function messageFrame(ts: bigint, attempts: number, id: string, body: Buffer): Buffer {
  const out = Buffer.alloc(MESSAGE_HEADER_SIZE + body.length);
  const hi = Number(ts >> 32n);
  const lo = Number(ts & 0xffffffffn);
  assert.ok(parseIdHex(Buffer.from(id, 'latin1'), 0), `hex id ${id}`);
  const off = writeMessageHeader(out, 0, body.length, hi, lo, attempts, parsedId.hi, parsedId.lo);
  assert.equal(off, MESSAGE_HEADER_SIZE);
  body.copy(out, off);
  return out;
}

describe('frame encoding', () => {
  test('response and error frames', () => {
    assert.deepEqual([...encodeResponse('OK')], [0, 0, 0, 6, 0, 0, 0, 0, 0x4f, 0x4b]);
    assert.ok(OK_FRAME.equals(encodeResponse(Buffer.from('OK'))));
    assert.ok(HEARTBEAT_FRAME.equals(encodeResponse('_heartbeat_')));
    assert.ok(CLOSE_WAIT_FRAME.equals(encodeResponse('CLOSE_WAIT')));
    const err = encodeError(protocolError('E_INVALID', 'invalid command FOO'));
    assert.equal(err.readUInt32BE(0), 4 + 'E_INVALID invalid command FOO'.length);
    assert.equal(err.readUInt32BE(4), FRAME_ERROR);
    assert.equal(err.toString('latin1', 8), 'E_INVALID invalid command FOO');
    assert.equal(encodeError(protocolError('E_BAD_PROTOCOL', '')).toString('latin1', 8), 'E_BAD_PROTOCOL');
    assert.equal(encodeResponse('é').readUInt32BE(0), 6); // UTF-8 bytes are counted
  });

  test('message frame header round trip', () => {
    const ts = 1700000000123456789n;
    const frame = messageFrame(ts, 65537, '0123456789abcdef', Buffer.from('payload'));
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    assert.equal(frame.readUInt32BE(4), FRAME_MESSAGE);
    const msg = decodeMessage(frame.subarray(8));
    assert.equal(msg.timestampNs, ts);
    assert.equal(msg.attempts, 1); // uint16 wraps
    assert.equal(msg.id, '0123456789abcdef');
    assert.equal(msg.body.toString(), 'payload');
    assert.throws(() => decodeMessage(Buffer.alloc(25)));
  });

  test('writeMessageHeader writes at an offset and touches nothing else', () => {
    const out = Buffer.alloc(100, 0xee);
    const off = writeMessageHeader(out, 10, 3, 1, 2, 3, -1, -1);
    assert.equal(off, 10 + MESSAGE_HEADER_SIZE);
    assert.equal(out[9], 0xee);
    assert.equal(out[off], 0xee);
    assert.equal(out.readUInt32BE(10), 4 + 26 + 3);
    assert.equal(out.readBigUInt64BE(18), (1n << 32n) | 2n);
  });

  test('encodeCommand and encodeMpubBody', () => {
    assert.equal(encodeCommand('NOP').toString('latin1'), 'NOP\n');
    const pub = encodeCommand('PUB t', Buffer.from('xyz'));
    assert.deepEqual([...pub], [...Buffer.from('PUB t\n'), 0, 0, 0, 3, 0x78, 0x79, 0x7a]);
    const mpub = encodeMpubBody([Buffer.from('a'), Buffer.from('bc')]);
    assert.deepEqual([...mpub], [0, 0, 0, 2, 0, 0, 0, 1, 0x61, 0, 0, 0, 2, 0x62, 0x63]);
  });

  describe('FrameReader', () => {
    const stream = Buffer.concat([
      OK_FRAME,
      HEARTBEAT_FRAME,
      messageFrame(42n, 1, 'aaaaaaaaaaaaaaaa', Buffer.from('m1')),
      encodeError(protocolError('E_FIN_FAILED', 'FIN x failed ID not in flight')),
      messageFrame(43n, 2, 'bbbbbbbbbbbbbbbb', Buffer.alloc(3000, 0x71)),
      CLOSE_WAIT_FRAME,
    ]);
    const summary = (frames: Frame[]) =>
      frames.map((f) =>
        f.type === FRAME_MESSAGE
          ? `msg ${decodeMessage(f.data).id} ${decodeMessage(f.data).body.length}`
          : `${f.type} ${f.data.toString()}`,
      );
    const expected = [
      `${FRAME_RESPONSE} OK`,
      `${FRAME_RESPONSE} _heartbeat_`,
      'msg aaaaaaaaaaaaaaaa 2',
      `${FRAME_ERROR} E_FIN_FAILED FIN x failed ID not in flight`,
      'msg bbbbbbbbbbbbbbbb 3000',
      `${FRAME_RESPONSE} CLOSE_WAIT`,
    ];
    const feeds: [string, (r: FrameReader) => Frame[]][] = [
      ['whole', (r) => r.push(stream)],
      [
        'byte by byte',
        (r) => {
          const out: Frame[] = [];
          for (let i = 0; i < stream.length; i++) out.push(...r.push(stream.subarray(i, i + 1)));
          return out;
        },
      ],
      [
        'random splits',
        (r) => {
          const rand = prng(7);
          const out: Frame[] = [];
          for (let pos = 0; pos < stream.length; ) {
            const n = 1 + Math.floor(rand() * 200);
            out.push(...r.push(Buffer.from(stream.subarray(pos, pos + n))));
            pos += n;
          }
          return out;
        },
      ],
    ];
    for (const [way, feed] of feeds) {
      test(way, () => {
        const r = new FrameReader();
        assert.deepEqual(summary(feed(r)), expected);
        assert.equal(r.buffered, 0);
      });
    }
  });
});

describe('names', () => {
  /** a name as a command line carries it: raw bytes inside a buffer, decoded as Line.str decodes an argument */
  const fromLine = (n: string): string =>
    Buffer.from(`  ${n} `).toString('latin1', 2, 2 + Buffer.byteLength(n));
  const valid = ['a', 'topic', 'a.b-c_D9', 'x'.repeat(64), `${'x'.repeat(54)}#ephemeral`, 'a#ephemeral'];
  const invalid = [
    '',
    'x'.repeat(65),
    `${'x'.repeat(55)}#ephemeral`,
    '#ephemeral',
    'a#ephemeral#ephemeral',
    'a b',
    'a/b',
    'a:b',
    'é',
    'a#b',
    'a#Ephemeral',
  ];
  test('valid names', () => {
    for (const n of valid) {
      assert.equal(isValidTopicName(n), true, n);
      assert.equal(isValidChannelName(n), true, n);
      assert.equal(isValidTopicName(fromLine(n)), true, n);
    }
  });
  test('invalid names', () => {
    for (const n of invalid) {
      assert.equal(isValidTopicName(n), false, n);
      assert.equal(isValidChannelName(n), false, n);
      assert.equal(isValidTopicName(fromLine(n)), false, n);
    }
  });
  test('ephemeral', () => {
    assert.equal(isEphemeral('a#ephemeral'), true);
    assert.equal(isEphemeral('a'), false);
    assert.equal(isEphemeral('#ephemeralx'), false);
    assert.equal(isEphemeral(Buffer.from('xa#ephemeralx').toString('latin1', 1, 12)), true);
  });
});

describe('parseBase10', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['0', 0],
    ['007', 7],
    ['2500', 2500],
    ['-1', -1],
    ['+5', -1],
    ['12a', -1],
    [' 1', -1],
    ['1.5', -1],
    ['99999999999', 99999999999],
  ];
  for (const [text, n] of cases) {
    test(JSON.stringify(text), () => {
      const buf = Buffer.from(`RDY ${text}|`, 'latin1');
      assert.equal(parseBase10(buf, 4, 4 + text.length), n);
    });
  }
});

describe('goQuote', () => {
  // expected values are what Go's strconv.Quote / fmt %q prints
  const cases: [string, Buffer | string, string][] = [
    ['empty', '', '""'],
    ['plain', 'abc', '"abc"'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['named escapes', '\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['control bytes and DEL', '\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['invalid UTF-8', Buffer.from([0x61, 0xff, 0xfe]), '"a\\xff\\xfe"'],
    ['overlong', Buffer.from([0xc0, 0x80]), '"\\xc0\\x80"'],
    ['UTF-8 encoded surrogate', Buffer.from([0xed, 0xa0, 0x80]), '"\\xed\\xa0\\x80"'],
    ['truncated sequence', Buffer.from([0xe2, 0x82, 0x41]), '"\\xe2\\x82A"'],
    ['beyond U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80]), '"\\xf4\\x90\\x80\\x80"'],
    ['printable UTF-8 kept', 'héllo 日本語 😀', '"héllo 日本語 😀"'],
    ['U+FFFD itself is printable', '\ufffd', '"\ufffd"'],
    ['C1 control', '\u0085', '"\\u0085"'],
    ['no-break space', '\u00a0', '"\\u00a0"'],
    ['soft hyphen', '\u00ad', '"\\u00ad"'],
    ['zero width space', '\u200b', '"\\u200b"'],
    ['line separator', '\u2028', '"\\u2028"'],
    ['BOM', '\ufeff', '"\\ufeff"'],
    ['private use', '\ue000', '"\\ue000"'],
    ['unassigned astral', '\u{10ffff}', '"\\U0010ffff"'],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.equal(goQuote(input), expected));
  }
});

describe('scanMpubBody', () => {
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  // maxMsgSize 10, maxBodySize 104 → at most (104 - 4) / 5 = 20 messages
  const scan = (body: Buffer, pad = 3) => {
    const buf = Buffer.concat([Buffer.alloc(pad, 0xaa), body, Buffer.alloc(pad, 0xbb)]);
    return scanMpubBody(buf, pad, pad + body.length, 10, 104);
  };
  const text = (r: { count: number } | ProtocolError) => ('code' in r ? errorFrameData(r) : r.count);

  test('a valid body, walked afterwards', () => {
    const body = encodeMpubBody([Buffer.from('a'), Buffer.from('bb'), Buffer.alloc(10, 0x63)]);
    assert.deepEqual(scan(body), { count: 3 });
    const lengths: number[] = [];
    for (let pos = 4, i = 0; i < 3; i++) {
      const len = mpubMessageLength(body, pos);
      lengths.push(len);
      pos += 4 + len;
    }
    assert.deepEqual(lengths, [1, 2, 10]);
    assert.deepEqual(scan(encodeMpubBody(Array.from({ length: 20 }, () => Buffer.from('x')))), { count: 20 });
  });

  test("Go's errors in Go's order", () => {
    assert.equal(text(scan(Buffer.concat([int32(0)]))), 'E_BAD_BODY MPUB invalid message count 0');
    assert.equal(
      text(scan(Buffer.concat([int32(-1), int32(1), Buffer.from('a')]))),
      'E_BAD_BODY MPUB invalid message count -1',
    );
    assert.equal(
      text(scan(encodeMpubBody(Array.from({ length: 21 }, () => Buffer.from('x'))))),
      'E_BAD_BODY MPUB invalid message count 21',
    );
    assert.equal(
      text(scan(Buffer.concat([int32(2), int32(1), Buffer.from('a'), int32(0)]))),
      'E_BAD_MESSAGE MPUB invalid message(1) body size 0',
    );
    assert.equal(
      text(scan(Buffer.concat([int32(2), int32(-5), Buffer.from('a')]))),
      'E_BAD_MESSAGE MPUB invalid message(0) body size -5',
    );
    // a size check comes before our outer-size check
    assert.equal(
      text(scan(Buffer.concat([int32(1), int32(11)]))),
      'E_BAD_MESSAGE MPUB message too big 11 > 10',
    );
  });

  test('the messages must fill the outer body exactly', () => {
    const good = encodeMpubBody([Buffer.from('abc'), Buffer.from('de')]);
    const trailing = Buffer.concat([good, Buffer.from('z')]);
    assert.equal(
      text(scan(trailing)),
      `E_BAD_BODY MPUB body size ${trailing.length} does not match its messages`,
    );
    const short = good.subarray(0, good.length - 1);
    assert.equal(text(scan(short)), `E_BAD_BODY MPUB body size ${short.length} does not match its messages`);
    const noLength = good.subarray(0, 4 + 7 + 2);
    assert.equal(text(scan(noLength)), 'E_BAD_BODY MPUB body size 13 does not match its messages');
    assert.equal(
      text(scan(Buffer.from([0, 0, 0]))),
      'E_BAD_BODY MPUB body size 3 does not match its messages',
    );
    const fewer = Buffer.concat([int32(3), good.subarray(4)]);
    assert.equal(text(scan(fewer)), `E_BAD_BODY MPUB body size ${fewer.length} does not match its messages`);
  });
});

describe('decodeIdentify', () => {
  const decode = (json: string | Buffer): IdentifyData | string => {
    const r = decodeIdentify(typeof json === 'string' ? Buffer.from(json) : json);
    return 'code' in r ? errorFrameData(r as ProtocolError) : r;
  };
  const BAD = 'E_BAD_BODY IDENTIFY failed to decode JSON body';
  const defaults: IdentifyData = {
    clientId: '',
    hostname: '',
    userAgent: '',
    featureNegotiation: false,
    tlsV1: false,
    snappy: false,
    deflate: false,
    heartbeatInterval: 0,
    outputBufferSize: 0,
    outputBufferTimeout: 0,
    sampleRate: 0,
    msgTimeout: 0,
    deflateLevel: 0,
    topologyZone: '',
    topologyRegion: '',
  };

  test('a go-nsq IDENTIFY', () => {
    const body = JSON.stringify({
      client_id: 'host',
      hostname: 'host.local',
      user_agent: 'go-nsq/1.1.0',
      short_id: 'host',
      long_id: 'host.local',
      tls_v1: false,
      deflate: true,
      deflate_level: 6,
      snappy: false,
      feature_negotiation: true,
      heartbeat_interval: 30000,
      sample_rate: 0,
      output_buffer_size: 16384,
      output_buffer_timeout: 250,
      msg_timeout: 0,
      topology_region: 'r1',
      topology_zone: 'z1',
    });
    assert.deepEqual(decode(body), {
      ...defaults,
      clientId: 'host',
      hostname: 'host.local',
      userAgent: 'go-nsq/1.1.0',
      deflate: true,
      deflateLevel: 6,
      featureNegotiation: true,
      heartbeatInterval: 30000,
      outputBufferSize: 16384,
      outputBufferTimeout: 250,
      topologyRegion: 'r1',
      topologyZone: 'z1',
    });
  });

  test('empty object and whitespace give defaults', () => {
    assert.deepEqual(decode('{}'), defaults);
    assert.deepEqual(decode(' \t\r\n{ } \n'), defaults);
  });

  test('keys match case-insensitively, Go folding included; the last key wins', () => {
    assert.deepEqual(decode('{"CLIENT_ID":"a","Snappy":true,"HeartBeat_Interval":-1}'), {
      ...defaults,
      clientId: 'a',
      snappy: true,
      heartbeatInterval: -1,
    });
    // U+017F LATIN SMALL LETTER LONG S folds to s
    assert.deepEqual(decode('{"\u017fnappy":true}'), { ...defaults, snappy: true });
    assert.deepEqual(decode('{"snappy":true,"SNAPPY":false,"snappy":true}'), { ...defaults, snappy: true });
    assert.deepEqual(decode('{"snappy":true,"SNAPPY":false}'), { ...defaults, snappy: false });
    assert.deepEqual(decode('{"snapp\\u0079":true}'), { ...defaults, snappy: true });
  });

  test('unknown keys are skipped whatever their value; null leaves a field alone', () => {
    assert.deepEqual(
      decode('{"x":{"a":[1,2.5e3,{"b":null}],"c":"d"},"y":[],"z":{},"short_id":5,"msg_timeout":1000}'),
      { ...defaults, msgTimeout: 1000 },
    );
    assert.deepEqual(decode('{"snappy":true,"snappy":null,"client_id":null,"sample_rate":null}'), {
      ...defaults,
      snappy: true,
    });
  });

  test('non-object top levels are rejected, null too', () => {
    for (const body of ['null', '[]', '[{}]', '5', '"x"', 'true', '']) assert.equal(decode(body), BAD, body);
  });

  test('type mismatches are rejected', () => {
    for (const body of [
      '{"heartbeat_interval":"30000"}',
      '{"heartbeat_interval":1.5}',
      '{"heartbeat_interval":1.0}',
      '{"heartbeat_interval":3e4}',
      '{"heartbeat_interval":true}',
      '{"heartbeat_interval":9223372036854775808}',
      '{"sample_rate":2147483648}',
      '{"snappy":1}',
      '{"snappy":"true"}',
      '{"client_id":5}',
      '{"client_id":{}}',
      '{"client_id":["a"]}',
    ]) {
      assert.equal(decode(body), BAD, body);
    }
  });

  test('integer limits', () => {
    assert.equal((decode('{"msg_timeout":9223372036854775807}') as IdentifyData).msgTimeout, 2 ** 63);
    assert.equal((decode('{"msg_timeout":-9223372036854775808}') as IdentifyData).msgTimeout, -(2 ** 63));
    assert.equal((decode('{"sample_rate":-2147483648}') as IdentifyData).sampleRate, -2147483648);
    assert.equal(Object.is((decode('{"deflate_level":-0}') as IdentifyData).deflateLevel, 0), true);
  });

  test('invalid JSON is rejected', () => {
    for (const body of [
      '{',
      '{"a":1,}',
      '{"a":1}}',
      '{"a":01}',
      '{"a":-}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":+1}',
      "{'a':1}",
      '{"a":1} x',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":"tab\there"}',
      '{"a":nul}',
      '{"a":[1,]}',
      '{"a" 1}',
      '{a:1}',
      '{"a":1/*c*/}',
      `{"a":${'['.repeat(10000)}${']'.repeat(10000)}}`,
    ]) {
      assert.equal(decode(body), BAD, body.slice(0, 40));
    }
    // depth 10000 (the top object plus 9999 arrays) is still valid in Go
    assert.deepEqual(decode(`{"a":${'['.repeat(9999)}${']'.repeat(9999)}}`), defaults);
  });

  test('strings decode like Go: escapes, invalid UTF-8 and lone surrogates become U+FFFD', () => {
    const id = (body: string | Buffer) => (decode(body) as IdentifyData).clientId;
    assert.equal(id('{"client_id":"a\\"b\\\\c\\/\\b\\f\\n\\r\\t"}'), 'a"b\\c/\b\f\n\r\t');
    assert.equal(id('{"client_id":"\\u00e9\\ud83d\\ude00"}'), 'é😀');
    assert.equal(id('{"client_id":"x\\ud83dy"}'), 'x\ufffdy');
    assert.equal(id('{"client_id":"\\ude00"}'), '\ufffd');
    assert.equal(id('{"client_id":"\\ud83d\\u0041"}'), '\ufffdA');
    assert.equal(id('{"client_id":"héllo"}'), 'héllo');
    const raw = Buffer.concat([
      Buffer.from('{"client_id":"a'),
      Buffer.from([0xe2, 0x82, 0xff]),
      Buffer.from('b"}'),
    ]);
    assert.equal(id(raw), 'a\ufffd\ufffd\ufffdb');
  });
});
