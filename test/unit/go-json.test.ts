/** src/go/json.ts: Go's encoding/json bytes for strings, structs, slices and plain data; Go's key folding. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goFoldKey, goJson, goJsonArray, goJsonObject, goJsonString } from '../../src/go/json.js';

describe('goJsonString', () => {
  it("escapes strings as Go's encoding/json does", () => {
    assert.equal(goJsonString('a<b>&c'), '"a\\u003cb\\u003e\\u0026c"');
    assert.equal(goJsonString('q"b\\'), '"q\\"b\\\\"');
    assert.equal(goJsonString('\n\r\t\b\f\u0001\u001f\u007f'), '"\\n\\r\\t\\b\\f\\u0001\\u001f\u007f"');
    assert.equal(goJsonString('\u2028\u2029é😀'), '"\\u2028\\u2029é😀"');
    assert.equal(goJsonString('x\ud800y\udc00'), '"x\\ufffdy\\ufffd"');
  });

  it('leaves plain text as JSON.stringify writes it', () => {
    for (const s of ['', 'nsqjs/0.13.0', 'host-1.example.com', '127.0.0.1:4150', 'ünïcode ✓']) {
      assert.equal(goJsonString(s), JSON.stringify(s));
    }
  });
});

describe('goJsonObject / goJsonArray', () => {
  it('writes fields in order and leaves undefined ones out (omitempty)', () => {
    assert.equal(
      goJsonObject([
        ['b', '1'],
        ['a', undefined],
        ['c', '"x"'],
      ]),
      '{"b":1,"c":"x"}',
    );
    assert.equal(goJsonObject([['a', undefined]]), '{}');
  });

  it('writes a nil slice as null and an empty one as []', () => {
    assert.equal(goJsonArray(null, String), 'null');
    assert.equal(goJsonArray([], String), '[]');
    assert.equal(
      goJsonArray([1, 2], (n) => String(n * 2)),
      '[2,4]',
    );
  });
});

describe('goJson', () => {
  it('marshals plain data with Go escaping and insertion-ordered keys', () => {
    assert.equal(
      goJson({ version: '1.3.0', zone: '<z>', port: 4151, n: 1.5, on: true, list: ['a&b', 2], none: null }),
      '{"version":"1.3.0","zone":"\\u003cz\\u003e","port":4151,"n":1.5,"on":true,"list":["a\\u0026b",2],"none":null}',
    );
    assert.equal(goJson({ a: undefined, b: 1 }), '{"b":1}');
    assert.equal(goJson([0.99, 1, 1e21, 1e-7]), '[0.99,1,1e+21,1e-7]');
    assert.equal(goJson('\u2028'), '"\\u2028"');
  });
});

describe('goFoldKey', () => {
  it('folds ASCII case, KELVIN SIGN and LONG S as Go does, nothing else', () => {
    assert.equal(goFoldKey('Client_ID'), 'client_id');
    assert.equal(goFoldKey('\u212aey'), 'key');
    assert.equal(goFoldKey('\u017fnappy'), 'snappy');
    assert.equal(goFoldKey('ÉTÉ'), 'ÉtÉ');
  });
});
