/** Go's strconv.ParseBool, ParseInt(s, 0, bits) and ParseFloat(s, 64), failing with the texts Go's flag package reports. */

/** Go's flag errParse / errRange texts (what flag reports for strconv's ErrSyntax / ErrRange). */
export const ERR_PARSE = 'parse error';
export const ERR_RANGE = 'value out of range';

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
