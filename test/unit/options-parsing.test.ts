/**
 * Go-compatible parsing pieces of the options module: durations, strconv, the flag parser, TOML.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatGoDuration, parseGoDuration, parseGoDurationNs } from '../../src/go/duration.js';
import { parseGoFlags } from '../../src/go/flag.js';
import { goQuote } from '../../src/go/quote.js';
import { parseGoBool, parseGoFloat, parseGoIntBig } from '../../src/go/strconv.js';
import { parseToml, TomlError } from '../../src/go/toml.js';

describe('parseGoDuration (Go time.ParseDuration)', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['+0', 0],
    ['-0', 0],
    ['5s', 5000],
    ['30s', 30000],
    ['1478s', 1478000],
    ['-5s', -5000],
    ['+5s', 5000],
    ['-0s', 0],
    ['5.0s', 5000],
    ['5.6s', 5600],
    ['5.s', 5000],
    ['.5s', 500],
    ['1.004s', 1004],
    ['100.00100s', 100001],
    ['10ns', 0.00001],
    ['11us', 0.011],
    ['12\u00b5s', 0.012],
    ['12\u03bcs', 0.012],
    ['13ms', 13],
    ['15m', 900000],
    ['16h', 57600000],
    ['3h30m', 12600000],
    ['10.5s4m', 250500],
    ['-2m3.4s', -123400],
    ['1h2m3s4ms5us6ns', 3723004.005006],
    ['39h9m14.425s', 140954425],
    ['52763797000ns', 52763.797],
    ['0.3333333333333333333h', 1200000],
  ];
  for (const [input, ms] of ok) {
    test(`accepts ${JSON.stringify(input)}`, () => assert.equal(parseGoDuration(input), ms));
  }
  test('exact nanoseconds at the int64 limits and for long fractions', () => {
    assert.equal(parseGoDurationNs('9223372036854775807ns'), 9223372036854775807n);
    assert.equal(parseGoDurationNs('9223372036s854ms775us807ns'), 9223372036854775807n);
    assert.equal(parseGoDurationNs('-9223372036854775808ns'), -9223372036854775808n);
    assert.equal(parseGoDurationNs('-9223372036854775.808us'), -9223372036854775808n);
    assert.equal(parseGoDurationNs('-2562047h47m16.854775808s'), -9223372036854775808n);
    assert.equal(parseGoDurationNs('0.100000000000000000000h'), 360000000000n);
    assert.equal(parseGoDurationNs('0.830103483285477580700h'), 2988372539827n);
  });
  const bad: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['1', 'time: missing unit in duration "1"'],
    ['00', 'time: missing unit in duration "00"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1s ', 'time: unknown unit "s " in duration "1s "'],
    ['1.0.0s', 'time: missing unit in duration "1.0.0s"'],
    ['1"s', 'time: unknown unit "\\"s" in duration "1\\"s"'],
    ['\u00ff', 'time: invalid duration "\\xc3\\xbf"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ];
  for (const [input, message] of bad) {
    test(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseGoDuration(input), { message }));
  }
});

describe('formatGoDuration (Go Duration.String)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [0.000001, '1ns'],
    [0.0011, '1.1\u00b5s'],
    [2.2, '2.2ms'],
    [25, '25ms'],
    [250, '250ms'],
    [2000, '2s'],
    [3300, '3.3s'],
    [60000, '1m0s'],
    [245000, '4m5s'],
    [245001, '4m5.001s'],
    [900000, '15m0s'],
    [3600000, '1h0m0s'],
    [18367001, '5h6m7.001s'],
    [-123400, '-2m3.4s'],
  ];
  for (const [ms, text] of cases) {
    test(`${ms}ms -> ${text}`, () => assert.equal(formatGoDuration(ms), text));
  }
  test('round-trips through parseGoDuration', () => {
    for (const [ms] of cases) assert.equal(parseGoDuration(formatGoDuration(ms)), ms);
  });
});

describe('strconv compatibility', () => {
  test('ParseInt base 0', () => {
    const ok: [string, bigint][] = [
      ['0', 0n],
      ['00', 0n],
      ['42', 42n],
      ['+5', 5n],
      ['-17', -17n],
      ['0x10', 16n],
      ['0X1f', 31n],
      ['0o17', 15n],
      ['0O17', 15n],
      ['017', 15n],
      ['0b101', 5n],
      ['-0x10', -16n],
      ['1_000', 1000n],
      ['0x_1f', 31n],
      ['0_7', 7n],
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
    ];
    for (const [s, v] of ok) assert.equal(parseGoIntBig(s), v, s);
    const syntax = [
      '',
      '+',
      '-',
      'abc',
      '1.5',
      '08',
      '0x',
      '0b2',
      '0o8',
      '1__0',
      '_1',
      '1_',
      '0x_',
      ' 1',
      '1e3',
    ];
    for (const s of syntax) assert.throws(() => parseGoIntBig(s), { message: 'parse error' }, s);
    const range = [
      '9223372036854775808',
      '-9223372036854775809',
      '0x8000000000000000',
      '99999999999999999999',
    ];
    for (const s of range) assert.throws(() => parseGoIntBig(s), { message: 'value out of range' }, s);
  });
  test('ParseBool', () => {
    for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(s), true, s);
    for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(s), false, s);
    for (const s of ['', 'yes', 'tRUE', 'on', '2'])
      assert.throws(() => parseGoBool(s), { message: 'parse error' });
  });
  test('ParseFloat', () => {
    assert.equal(parseGoFloat('0.99'), 0.99);
    assert.equal(parseGoFloat('1'), 1);
    assert.equal(parseGoFloat('.5'), 0.5);
    assert.equal(parseGoFloat('5e-1'), 0.5);
    assert.equal(parseGoFloat('-Inf'), -Infinity);
    assert.ok(Number.isNaN(parseGoFloat('NaN')));
    for (const s of ['', 'x', '1.2.3', ' 1', '0.9 '])
      assert.throws(() => parseGoFloat(s), { message: 'parse error' });
  });
  test('%q quoting', () => {
    assert.equal(goQuote('abc'), '"abc"');
    assert.equal(goQuote('a"b\\c\n\t\x01'), '"a\\"b\\\\c\\n\\t\\x01"');
    assert.equal(goQuote('héllo'), '"héllo"');
  });
});

describe('goflag parser', () => {
  const flags = [
    { name: 'name', set: (raw: string) => raw },
    { name: 'list', set: (raw: string, prev: unknown) => [...((prev as string[]) ?? []), raw] },
    { name: 'on', isBool: true, set: (raw: string) => parseGoBool(raw) },
  ];
  test('stops at the first non-flag and at "--"', () => {
    const r = parseGoFlags(['-name', 'a', 'pos', '-on'], flags);
    assert.deepEqual(r, { kind: 'ok', values: new Map([['name', 'a']]), args: ['pos', '-on'] });
    const r2 = parseGoFlags(['-on', '--', '-name', 'x'], flags);
    assert.deepEqual(r2, { kind: 'ok', values: new Map([['on', true]]), args: ['-name', 'x'] });
    const r3 = parseGoFlags(['-', '-on'], flags);
    assert.deepEqual(r3, { kind: 'ok', values: new Map(), args: ['-', '-on'] });
  });
  test('values may be empty or start with "-"', () => {
    const r = parseGoFlags(['-name', '-on', '--list=', '-list', '--x=y'], flags);
    assert.deepEqual(r, {
      kind: 'ok',
      values: new Map<string, unknown>([
        ['name', '-on'],
        ['list', ['', '--x=y']],
      ]),
      args: [],
    });
  });
  test('errors', () => {
    assert.deepEqual(parseGoFlags(['---on'], flags), { kind: 'error', message: 'bad flag syntax: ---on' });
    assert.deepEqual(parseGoFlags(['-=x'], flags), { kind: 'error', message: 'bad flag syntax: -=x' });
    assert.deepEqual(parseGoFlags(['-name'], flags), {
      kind: 'error',
      message: 'flag needs an argument: -name',
    });
    assert.deepEqual(parseGoFlags(['-on=2'], flags), {
      kind: 'error',
      message: 'invalid boolean value "2" for -on: parse error',
    });
  });
  test('help', () => {
    for (const h of ['-h', '-help', '--help', '--h', '-help=false']) {
      assert.deepEqual(parseGoFlags(['-name=a', h], flags), { kind: 'help' }, h);
    }
  });
});

describe('TOML config reader', () => {
  test('flat key = value subset', () => {
    const cfg = parseToml(
      [
        '# nsqd config',
        '',
        'tcp_address = "0.0.0.0:4150"   # trailing comment',
        "data_path = 'C:\\data\\nsq'",
        'mem_queue_size = 10_000',
        'max_bytes_per_file = 0x10',
        'neg = -3',
        'ratio = 0.5',
        'exp = 1e3',
        'snappy = false',
        'escaped = "a\\tb\\"c\\u00e9"',
        '"quoted key" = true',
        'nsqlookupd_tcp_addresses = [',
        '    "127.0.0.1:4160", # first',
        '    "127.0.0.1:5160",',
        ']',
        'e2e = [1.0, 0.99, 1]',
        'empty = []',
      ].join('\r\n'),
    );
    assert.deepEqual(
      [...cfg.entries()],
      [
        ['tcp_address', '0.0.0.0:4150'],
        ['data_path', 'C:\\data\\nsq'],
        ['mem_queue_size', 10000n],
        ['max_bytes_per_file', 16n],
        ['neg', -3n],
        ['ratio', 0.5],
        ['exp', 1000],
        ['snappy', false],
        ['escaped', 'a\tb"cé'],
        ['quoted key', true],
        ['nsqlookupd_tcp_addresses', ['127.0.0.1:4160', '127.0.0.1:5160']],
        ['e2e', [1, 0.99, 1n]],
        ['empty', []],
      ],
    );
  });
  const bad: [string, number, RegExp][] = [
    ['a = 1\n[section]\nb = 2\n', 2, /tables/],
    ['a = 1\na = 2\n', 2, /duplicate key "a"/],
    ['a = "x\n', 1, /unterminated string/],
    ['a = 1\nb = hello\n', 2, /strings must be quoted/],
    ['a = 1 2\n', 1, /after value/],
    ['\n\nb\n', 3, /expected "="/],
    ['a.b = 1\n', 1, /dotted keys/],
    ['a = {x = 1}\n', 1, /inline tables/],
    ['a = [1,\n2\n', 3, /unterminated array/],
    ['a = 1979-05-27\n', 1, /dates/],
    ['a = 012\n', 1, /invalid value/],
    ['a = "\\q"\n', 1, /invalid escape/],
  ];
  for (const [text, line, re] of bad) {
    test(`rejects ${JSON.stringify(text)} at line ${line}`, () => {
      assert.throws(
        () => parseToml(text, 'my.cfg'),
        (err: unknown) =>
          err instanceof TomlError &&
          err.line === line &&
          err.message.startsWith(`my.cfg:${line}: `) &&
          re.test(err.message),
      );
    });
  }
});
