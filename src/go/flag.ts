/** A Go `flag`-package-compatible argv parser (plus strconv ParseInt/ParseBool/ParseFloat and Go %q). */

/** One flag definition, the analogue of Go's flag.Value. */
export interface GoFlag {
  readonly name: string;
  /** Go's IsBoolFlag(): `-flag` alone means `-flag=true` and a separate next arg is never consumed. */
  readonly isBool?: boolean;
  /**
   * Go's Value.Set: returns the new value given the raw text and the previous value set on the command
   * line (undefined on first occurrence; lets repeatable flags accumulate). Throws an Error whose
   * message is Go's error text for the value (e.g. "parse error").
   */
  set(raw: string, prev: unknown): unknown;
}

export type GoFlagResult =
  | {
      kind: 'ok';
      /** explicitly set flags, in the order they were first set, with their final values */
      values: Map<string, unknown>;
      /** the remaining (non-flag) arguments, as Go's FlagSet.Args() */
      args: string[];
    }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

/** Go's flag errParse / errRange texts. */
export const ERR_PARSE = 'parse error';
export const ERR_RANGE = 'value out of range';

/** Parses argv (without the program name) like Go's FlagSet.Parse with ContinueOnError. */
export function parseGoFlags(argv: readonly string[], flags: readonly GoFlag[]): GoFlagResult {
  const formal = new Map<string, GoFlag>();
  for (const f of flags) formal.set(f.name, f);
  const values = new Map<string, unknown>();
  let i = 0;
  while (i < argv.length) {
    const s = argv[i]!;
    if (s.length < 2 || s[0] !== '-') break;
    let minuses = 1;
    if (s[1] === '-') {
      minuses = 2;
      if (s.length === 2) {
        i++; // "--" terminates the flags and is consumed
        break;
      }
    }
    let name = s.slice(minuses);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') {
      return { kind: 'error', message: `bad flag syntax: ${s}` };
    }
    i++;
    let hasValue = false;
    let value = '';
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      hasValue = true;
      name = name.slice(0, eq);
    }
    const flag = formal.get(name);
    if (flag === undefined) {
      if (name === 'help' || name === 'h') return { kind: 'help' };
      return { kind: 'error', message: `flag provided but not defined: -${name}` };
    }
    let next: unknown;
    if (flag.isBool) {
      const raw = hasValue ? value : 'true';
      try {
        next = flag.set(raw, values.get(name));
      } catch (err) {
        return {
          kind: 'error',
          message: hasValue
            ? `invalid boolean value ${goQuote(value)} for -${name}: ${errText(err)}`
            : `invalid boolean flag ${name}: ${errText(err)}`,
        };
      }
    } else {
      if (!hasValue && i < argv.length) {
        hasValue = true;
        value = argv[i]!;
        i++;
      }
      if (!hasValue) return { kind: 'error', message: `flag needs an argument: -${name}` };
      try {
        next = flag.set(value, values.get(name));
      } catch (err) {
        return {
          kind: 'error',
          message: `invalid value ${goQuote(value)} for flag -${name}: ${errText(err)}`,
        };
      }
    }
    values.set(name, next);
  }
  return { kind: 'ok', values, args: argv.slice(i) };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Go's strconv.Quote (as used by %q) for the common cases: printable runes kept, others escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += '\\ufffd'; // lone surrogate: Go sees invalid UTF-8
    else out += ch;
  }
  return `${out}"`;
}

/** Go's strconv.ParseBool; throws Error(ERR_PARSE) on anything else. */
export function parseGoBool(s: string): boolean {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
  }
  throw new Error(ERR_PARSE);
}

/** Go's strconv underscoreOK: underscores only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  const p = s[1]?.toLowerCase();
  if (s.length >= 2 && s[0] === '0' && (p === 'b' || p === 'o' || p === 'x')) {
    i = 2;
    saw = '0';
    hex = p === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    const lc = c.toLowerCase();
    if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/**
 * Go's strconv.ParseInt(s, 0, bits): optional sign, then 0x/0o/0b prefixes, a leading 0 for octal,
 * underscores per Go literal syntax. Throws Error(ERR_PARSE) or Error(ERR_RANGE) (Go flag's texts).
 */
export function parseGoIntBig(s0: string, bits = 64): bigint {
  if (s0 === '') throw new Error(ERR_PARSE);
  let s = s0;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') throw new Error(ERR_PARSE);
  const us = s;
  let base = 10n;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1]!.toLowerCase() : '';
    base = p === 'b' ? 2n : p === 'o' ? 8n : p === 'x' ? 16n : 8n;
    s = s.slice(p === 'b' || p === 'o' || p === 'x' ? 2 : 1);
  }
  const cutoff = 1n << BigInt(bits - 1);
  const maxUnsigned = (1n << BigInt(bits)) - 1n;
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const lc = c.toLowerCase();
    let d: number;
    if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (lc >= 'a' && lc <= 'z') d = lc.charCodeAt(0) - 97 + 10;
    else throw new Error(ERR_PARSE);
    if (BigInt(d) >= base) throw new Error(ERR_PARSE);
    n = n * base + BigInt(d);
    if (n > maxUnsigned) throw new Error(ERR_RANGE); // Go stops at the first overflowing digit
  }
  if (underscores && !underscoreOK(us)) throw new Error(ERR_PARSE);
  if (!neg && n >= cutoff) throw new Error(ERR_RANGE);
  if (neg && n > cutoff) throw new Error(ERR_RANGE);
  return neg ? -n : n;
}

/** parseGoIntBig converted to a JS number (values beyond 2^53 lose precision, as any JS number). */
export function parseGoInt(s: string, bits = 64): number {
  return Number(parseGoIntBig(s, bits));
}

const DEC_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/**
 * Go's strconv.ParseFloat(s, 64) for decimal input, "inf"/"infinity"/"nan" (any case, signed inf).
 * Hexadecimal floats are not supported. Throws Error(ERR_PARSE) like Go's flag package reports.
 */
export function parseGoFloat(s: string): number {
  const lower = s.toLowerCase();
  const body = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower;
  if (body === 'inf' || body === 'infinity') return lower[0] === '-' ? -Infinity : Infinity;
  if (lower === 'nan') return Number.NaN;
  if (!DEC_FLOAT.test(s)) throw new Error(ERR_PARSE);
  const v = Number(s.replaceAll('_', ''));
  if (!Number.isFinite(v)) throw new Error(ERR_RANGE);
  return v;
}
