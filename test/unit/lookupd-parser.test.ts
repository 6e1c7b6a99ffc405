/**
 * nsqlookupd's V1 parser whole, byte by byte and at seeded random split points (the same
 * assertions all three ways), Go's TrimSpace + split on single spaces, its bounds (line and body
 * sizes reported before anything is buffered past them), EOF inside a body, and the response framing.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeV1Response, splitParams, type V1Events, V1Parser } from '../../src/nsqlookupd/tcp/parser.js';
import { identifyCommand, u32 } from '../helpers/lookupd.js';
import { prng } from '../helpers/prng.js';

/** records every event; a line whose first param is IDENTIFY asks for a body */
class Recorder implements V1Events {
  events: string[] = [];
  parser: V1Parser;
  constructor(maxLine = 64, maxBody = 128) {
    this.parser = new V1Parser(this, maxLine, maxBody);
  }
  magic(m: string): void {
    this.events.push(`magic ${JSON.stringify(m)}`);
  }
  line(params: string[]): boolean {
    this.events.push(`line ${JSON.stringify(params)}`);
    return params[0] === 'IDENTIFY';
  }
  body(b: Buffer): void {
    this.events.push(`body ${b.toString('latin1')}`);
  }
  badBodySize(n: number): void {
    this.events.push(`badBodySize ${n}`);
  }
  lineTooLong(): void {
    this.events.push('lineTooLong');
  }
  bodyEof(at: 'size' | 'body'): void {
    this.events.push(`bodyEof ${at}`);
  }
}

/** feeds `input` three ways and checks each gives `expected` (then `end()` if `eof`) */
function threeWays(input: Buffer, expected: string[], eof = false, seeds = 20): void {
  const feeds: [string, Buffer[]][] = [
    ['whole', [input]],
    ['byte by byte', [...input].map((b) => Buffer.from([b]))],
  ];
  for (let s = 1; s <= seeds; s++) {
    const rnd = prng(s);
    const parts: Buffer[] = [];
    for (let i = 0; i < input.length; ) {
      const n = 1 + Math.floor(rnd() * 12);
      parts.push(input.subarray(i, i + n));
      i += n;
    }
    feeds.push([`seed ${s}`, parts]);
  }
  for (const [label, parts] of feeds) {
    const r = new Recorder();
    for (const p of parts) r.parser.push(Buffer.from(p)); // copies: the parser must not keep views it does not own
    if (eof) r.parser.end();
    assert.deepEqual(r.events, expected, label);
  }
}

describe('V1Parser', () => {
  it('reads the magic, lines and an IDENTIFY body, however the bytes are split', () => {
    const body = { broadcast_address: 'h', tcp_port: 1 };
    const input = Buffer.concat([
      Buffer.from('  V1PING\n'),
      identifyCommand(body),
      Buffer.from('REGISTER t c\r\n  UNREGISTER t  \n\n'),
    ]);
    threeWays(input, [
      'magic "  V1"',
      'line ["PING"]',
      'line ["IDENTIFY"]',
      `body ${JSON.stringify(body)}`,
      'line ["REGISTER","t","c"]',
      'line ["UNREGISTER","t"]',
      'line [""]',
    ]);
  });

  it('reports whatever magic came (the connection decides)', () => {
    threeWays(Buffer.from('  V2PING\n'), ['magic "  V2"', 'line ["PING"]']);
  });

  it('an empty body is a body', () => {
    threeWays(Buffer.concat([Buffer.from('  V1IDENTIFY\n'), u32(0), Buffer.from('PING\n')]), [
      'magic "  V1"',
      'line ["IDENTIFY"]',
      'body ',
      'line ["PING"]',
    ]);
  });

  it('bounds a body before reading it: over maxBody or negative', () => {
    threeWays(Buffer.concat([Buffer.from('  V1IDENTIFY\n'), u32(129), Buffer.alloc(129)]), [
      'magic "  V1"',
      'line ["IDENTIFY"]',
      'badBodySize 129',
    ]);
    threeWays(Buffer.concat([Buffer.from('  V1IDENTIFY\n'), u32(-1)]), [
      'magic "  V1"',
      'line ["IDENTIFY"]',
      'badBodySize -1',
    ]);
    threeWays(Buffer.concat([Buffer.from('  V1IDENTIFY\n'), u32(128), Buffer.alloc(128, 0x61)]), [
      'magic "  V1"',
      'line ["IDENTIFY"]',
      `body ${'a'.repeat(128)}`,
    ]);
  });

  it('bounds a line: maxLine bytes without a newline is an error, exactly maxLine is not', () => {
    threeWays(Buffer.from(`  V1${'x'.repeat(65)}`), ['magic "  V1"', 'lineTooLong']);
    threeWays(Buffer.from(`  V1${'x'.repeat(64)}\n`), ['magic "  V1"', `line ["${'x'.repeat(64)}"]`]);
  });

  it('EOF inside a body says where; a partial line at EOF is dropped', () => {
    threeWays(Buffer.from('  V1IDENTIFY\n\0\0'), ['magic "  V1"', 'line ["IDENTIFY"]', 'bodyEof size'], true);
    threeWays(
      Buffer.concat([Buffer.from('  V1IDENTIFY\n'), u32(10), Buffer.from('{"a"')]),
      ['magic "  V1"', 'line ["IDENTIFY"]', 'bodyEof body'],
      true,
    );
    threeWays(Buffer.from('  V1PIN'), ['magic "  V1"'], true);
  });

  it('stop() ends the events at once', () => {
    const r = new Recorder();
    r.line = (params) => {
      r.events.push(params[0]!);
      r.parser.stop();
      return false;
    };
    r.parser.push(Buffer.from('  V1A\nB\nC\n'));
    assert.deepEqual(r.events, ['magic "  V1"', 'A']);
    assert.equal(r.parser.stopped, true);
  });
});

describe('splitParams (Go strings.Split(strings.TrimSpace(line), " "))', () => {
  const split = (s: string): string[] => splitParams(Buffer.from(s, 'latin1'));
  it('trims ASCII and Unicode white space at both ends, never inside', () => {
    assert.deepEqual(split(' \t\vPING\f\r'), ['PING']);
    // U+00A0, U+0085, U+3000, U+2000, U+205F, U+1680 in UTF-8
    assert.deepEqual(split('\xc2\xa0\xc2\x85PING\xe3\x80\x80\xe2\x80\x80\xe2\x81\x9f\xe1\x9a\x80'), ['PING']);
    assert.deepEqual(split('REGISTER  t'), ['REGISTER', '', 't']);
    assert.deepEqual(split('A\tB'), ['A\tB']);
    assert.deepEqual(split(''), ['']);
    assert.deepEqual(split('   '), ['']);
  });
  it('keeps bytes that are not white space (a lone 0xA0, invalid UTF-8) as they came', () => {
    assert.deepEqual(split('\xa0PING\xc2'), ['\xa0PING\xc2']);
    assert.deepEqual(split('REGISTER t\xc3\xa9'), ['REGISTER', 't\xc3\xa9']);
  });
});

describe('encodeV1Response', () => {
  it('is [int32 size][data] with no frame type; latin1 keeps the bytes a client sent', () => {
    assert.deepEqual(encodeV1Response('OK'), Buffer.from([0, 0, 0, 2, 0x4f, 0x4b]));
    assert.deepEqual(encodeV1Response('\xe9'), Buffer.from([0, 0, 0, 1, 0xe9]));
    assert.deepEqual(encodeV1Response('é', 'utf8'), Buffer.from([0, 0, 0, 2, 0xc3, 0xa9]));
  });
});
