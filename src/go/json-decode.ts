/**
 * json.Unmarshal into a flat Go struct, byte for byte as Go's encoding/json decides: a table of json
 * tags to string, bool and int fields; keys matched with Go's case folding, later keys overwriting
 * earlier ones, unknown keys skipped (their syntax still checked), `null` leaving a field as it is,
 * and any syntax or type error (`1.0` or `3e4` for an int, an int out of range) a failure. Pure
 * byte-level reading (JSON.parse cannot tell `1.0` from `1`, reorders duplicate keys and keeps lone
 * surrogates). Used by nsqd's IDENTIFY and nsqlookupd's IDENTIFY; its JsonReader (objects, arrays,
 * strings, ints, null) by nsqd's auth reply.
 */

import { goFoldKey } from './json.js';
import { decodeRune, RUNE_ERROR, widthOf } from './utf8.js';

export const K_STRING = 0;
export const K_BOOL = 1;
/** Go `int` on 64-bit */
export const K_INT64 = 2;
export const K_INT32 = 3;

/** one struct field: the output key it fills and its Go kind (K_*) */
export interface StructField<T> {
  readonly key: keyof T;
  readonly kind: number;
}

/** thrown internally on any syntax or type error; Go reports both as one error */
class DecodeFailure extends Error {}
const FAIL = new DecodeFailure('json');

/** Go's maxNestingDepth */
const MAX_DEPTH = 10000;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const C_QUOTE = 0x22;
const C_BACKSLASH = 0x5c;
const C_COMMA = 0x2c;
const C_COLON = 0x3a;
const C_LBRACE = 0x7b;
const C_RBRACE = 0x7d;
const C_LBRACKET = 0x5b;
const C_RBRACKET = 0x5d;
const C_MINUS = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

class JsonReader {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    readonly end: number,
  ) {}

  peek(): number {
    return this.pos < this.end ? this.buf[this.pos]! : -1;
  }

  ws(): void {
    while (this.pos < this.end) {
      const c = this.buf[this.pos]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  expect(c: number): void {
    if (this.peek() !== c) throw FAIL;
    this.pos++;
  }

  literal(word: string): void {
    for (let i = 0; i < word.length; i++) this.expect(word.charCodeAt(i));
  }

  /** A `\uXXXX` escape at pos (pointing at the `u`), or -1 if it is not one. */
  private u4(p: number): number {
    if (p + 5 > this.end || this.buf[p] !== 0x75) return -1;
    let v = 0;
    for (let i = 1; i <= 4; i++) {
      const h = hexVal(this.buf[p + i]!);
      if (h < 0) return -1;
      v = (v << 4) | h;
    }
    return v;
  }

  /** Validates the string at pos (a quote); returns the index of the closing quote. */
  private scanString(): { close: number; plain: boolean } {
    let p = this.pos + 1;
    let plain = true;
    while (p < this.end) {
      const c = this.buf[p]!;
      if (c === C_QUOTE) return { close: p, plain };
      if (c < 0x20) throw FAIL;
      if (c === C_BACKSLASH) {
        plain = false;
        const e = p + 1 < this.end ? this.buf[p + 1]! : -1;
        if (e === 0x75) {
          if (this.u4(p + 1) < 0) throw FAIL;
          p += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          e !== 0x22 &&
          e !== 0x5c &&
          e !== 0x2f &&
          e !== 0x62 &&
          e !== 0x66 &&
          e !== 0x6e &&
          e !== 0x72 &&
          e !== 0x74
        ) {
          throw FAIL;
        }
        p += 2;
        continue;
      }
      if (c >= 0x80) plain = false;
      p++;
    }
    throw FAIL;
  }

  skipString(): void {
    this.pos = this.scanString().close + 1;
  }

  /** Go's unquote: escapes decoded, invalid UTF-8 bytes and unpaired surrogates become U+FFFD. */
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: Go's unquote over raw bytes (escapes, \u surrogate pairs, invalid UTF-8) in one allocation-free loop
  readString(): string {
    const { close, plain } = this.scanString();
    const buf = this.buf;
    let p = this.pos + 1;
    this.pos = close + 1;
    if (plain) return Buffer.from(buf.buffer, buf.byteOffset + p, close - p).toString('latin1');
    const out = Buffer.allocUnsafe(3 * (close - p));
    let w = 0;
    while (p < close) {
      const c = buf[p]!;
      if (c === C_BACKSLASH) {
        const e = buf[p + 1]!;
        if (e !== 0x75) {
          out[w++] =
            e === 0x62 ? 8 : e === 0x66 ? 12 : e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e;
          p += 2;
          continue;
        }
        let r = this.u4(p + 1);
        p += 6;
        if (r >= 0xd800 && r < 0xe000) {
          const r2 = p < close && buf[p] === C_BACKSLASH ? this.u4(p + 1) : -1;
          if (r < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000) {
            r = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
            p += 6;
          } else {
            r = RUNE_ERROR;
          }
        }
        w += out.write(String.fromCodePoint(r), w, 'utf8');
        continue;
      }
      if (c < 0x80) {
        out[w++] = c;
        p++;
        continue;
      }
      const packed = decodeRune(buf, p, close);
      const width = widthOf(packed);
      if (width === 1) {
        w += out.write('\ufffd', w, 'utf8');
      } else {
        for (let i = 0; i < width; i++) out[w++] = buf[p + i]!;
      }
      p += width;
    }
    return out.toString('utf8', 0, w);
  }

  /** Validates a number at pos; returns true if it is an integer literal (no fraction, no exponent). */
  number(): boolean {
    const buf = this.buf;
    if (this.peek() === C_MINUS) this.pos++;
    const first = this.peek();
    if (first === 0x30) this.pos++;
    else if (first >= 0x31 && first <= 0x39)
      while (this.pos < this.end && isDigit(buf[this.pos]!)) this.pos++;
    else throw FAIL;
    let integer = true;
    if (this.peek() === 0x2e) {
      this.pos++;
      if (!isDigit(this.peek())) throw FAIL;
      while (this.pos < this.end && isDigit(buf[this.pos]!)) this.pos++;
      integer = false;
    }
    const e = this.peek();
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      const s = this.peek();
      if (s === 0x2b || s === C_MINUS) this.pos++;
      if (!isDigit(this.peek())) throw FAIL;
      while (this.pos < this.end && isDigit(buf[this.pos]!)) this.pos++;
      integer = false;
    }
    return integer;
  }

  /** Go's strconv.ParseInt(s, 10, bits) of an integer literal; out of range is a type error. */
  integer(bits: 32 | 64): number {
    const start = this.pos;
    if (!this.number()) throw FAIL;
    const text = Buffer.from(this.buf.buffer, this.buf.byteOffset + start, this.pos - start).toString(
      'latin1',
    );
    if (text.length <= 15) {
      const n = Number(text);
      if (bits === 32 && (n < INT32_MIN || n > INT32_MAX)) throw FAIL;
      return n === 0 ? 0 : n;
    }
    const big = BigInt(text);
    if (big < INT64_MIN || big > INT64_MAX) throw FAIL;
    if (bits === 32 && (big < BigInt(INT32_MIN) || big > BigInt(INT32_MAX))) throw FAIL;
    return Number(big);
  }

  /** Skips any value (unknown keys), validating its syntax; `depth` is the enclosing nesting. */
  skipValue(depth: number): void {
    const stack: number[] = [];
    for (;;) {
      this.ws();
      const c = this.peek();
      let scalar = true;
      if (c === C_LBRACE || c === C_LBRACKET) {
        if (depth + stack.length + 1 > MAX_DEPTH) throw FAIL;
        this.pos++;
        this.ws();
        const close = c === C_LBRACE ? C_RBRACE : C_RBRACKET;
        if (this.peek() === close) {
          this.pos++;
        } else {
          stack.push(close);
          if (close === C_RBRACE) this.memberKey();
          scalar = false;
        }
      } else if (c === C_QUOTE) this.skipString();
      else if (c === 0x74) this.literal('true');
      else if (c === 0x66) this.literal('false');
      else if (c === 0x6e) this.literal('null');
      else this.number();
      if (!scalar) continue;
      // after a complete value: close containers or move to the next element
      for (;;) {
        if (stack.length === 0) return;
        this.ws();
        const top = stack[stack.length - 1]!;
        const d = this.peek();
        this.pos++;
        if (d === top) {
          stack.pop();
          continue;
        }
        if (d !== C_COMMA) throw FAIL;
        if (top === C_RBRACE) this.memberKey();
        break;
      }
    }
  }

  /** `null` at pos: consumed, true; anything else: false, nothing consumed */
  skipNull(): boolean {
    if (this.peek() !== 0x6e) return false;
    this.literal('null');
    return true;
  }

  /** a string value (a type error for anything else) */
  str(): string {
    if (this.peek() !== C_QUOTE) throw FAIL;
    return this.readString();
  }

  /** an integer value of Go's int`bits` (a type error for anything else) */
  int(bits: 32 | 64): number {
    const c = this.peek();
    if (c !== C_MINUS && !isDigit(c)) throw FAIL;
    return this.integer(bits);
  }

  /** `{ "key": value, ... }`: `member` reads each value, given the key in Go's case folding */
  object(member: (key: string) => void): void {
    this.expect(C_LBRACE);
    this.ws();
    if (this.peek() === C_RBRACE) {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      const key = goFoldKey(this.str());
      this.ws();
      this.expect(C_COLON);
      this.ws();
      member(key);
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c === C_COMMA) continue;
      if (c === C_RBRACE) return;
      throw FAIL;
    }
  }

  /** `[ value, ... ]`: `element` reads each value */
  array<T>(element: () => T): T[] {
    const out: T[] = [];
    this.expect(C_LBRACKET);
    this.ws();
    if (this.peek() === C_RBRACKET) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(element());
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c === C_COMMA) continue;
      if (c === C_RBRACKET) return out;
      throw FAIL;
    }
  }

  /** `"key" :` inside an object being skipped */
  private memberKey(): void {
    this.ws();
    if (this.peek() !== C_QUOTE) throw FAIL;
    this.skipString();
    this.ws();
    this.expect(C_COLON);
  }
}

function readField<T>(r: JsonReader, field: StructField<T>, out: T): void {
  if (r.skipNull()) return; // null leaves the field as it is
  const o = out as Record<keyof T, unknown>;
  switch (field.kind) {
    case K_STRING:
      o[field.key] = r.str();
      return;
    case K_BOOL: {
      const c = r.peek();
      if (c === 0x74) r.literal('true');
      else if (c === 0x66) r.literal('false');
      else throw FAIL;
      o[field.key] = c === 0x74;
      return;
    }
    default:
      o[field.key] = r.int(field.kind === K_INT32 ? 32 : 64);
  }
}

/**
 * Decodes `body` into `out` (which holds the defaults) through `fields` (json tag, lowercase → field).
 * Returns false on any syntax or type error, and for a top level other than an object; a top-level
 * `null` is accepted (nothing set) only with `acceptNull`, as Go's json.Unmarshal does.
 */
export function decodeGoStruct<T>(
  body: Uint8Array,
  fields: ReadonlyMap<string, StructField<T>>,
  out: T,
  acceptNull = false,
): boolean {
  return decodeJson(body, (r) => {
    if (acceptNull && r.skipNull()) return;
    r.object((key) => {
      const field = fields.get(key);
      if (field === undefined) r.skipValue(1);
      else readField(r, field, out);
    });
  });
}

/**
 * One whole JSON text read by `value` (white space around it allowed, nothing after it): false on any
 * syntax or type error, which `value` signals by throwing JSON_DECODE_FAILURE (the reader's own
 * methods do).
 */
export function decodeJson(body: Uint8Array, value: (r: JsonReader) => void): boolean {
  const r = new JsonReader(body, body.length);
  try {
    r.ws();
    value(r);
    r.ws();
    if (r.pos !== r.end) throw FAIL;
  } catch (e) {
    if (e === FAIL) return false;
    throw e;
  }
  return true;
}

/** the reader and its failure, for bodies with nested structure (nsqd's auth server reply) */
export { FAIL as JSON_DECODE_FAILURE, JsonReader };
