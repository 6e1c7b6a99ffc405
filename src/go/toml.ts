/** A reader for the flat TOML subset used by nsqd `--config` files (key = value, scalars and arrays). */

import { readFileSync } from 'node:fs';

/** Integers are bigint (exact, and distinguishable from floats, which are number). */
export type TomlValue = string | bigint | number | boolean | TomlValue[];

export class TomlError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'TomlError';
  }
}

/** Reads and parses a config file; I/O errors propagate as Node errors. */
export function readTomlFile(path: string): Map<string, TomlValue> {
  return parseToml(readFileSync(path, 'utf8'), path);
}

const BARE_KEY = /^[A-Za-z0-9_-]+/;
const INT_DEC = /^[+-]?(?:0|[1-9](?:_?[0-9])*)$/;
const INT_PREFIXED = /^0(?:x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|o[0-7](?:_?[0-7])*|b[01](?:_?[01])*)$/;
const FLOAT =
  /^[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?$|^[+-]?(?:inf|nan)$/;
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

/** Parses flat TOML text into key → value, in file order. `file` is only used in error messages. */
export function parseToml(text: string, file = '<config>'): Map<string, TomlValue> {
  const out = new Map<string, TomlValue>();
  let pos = 0;
  let line = 1;
  const fail = (detail: string): never => {
    throw new TomlError(file, line, detail);
  };
  const peek = (): string | undefined => text[pos];

  /** Skips spaces/tabs, and also newlines and comments when `multiline`. */
  const skipWs = (multiline: boolean): void => {
    for (;;) {
      const c = peek();
      if (c === ' ' || c === '\t') pos++;
      else if (multiline && c === '#') skipComment();
      else if (multiline && (c === '\n' || (c === '\r' && text[pos + 1] === '\n'))) {
        pos += c === '\r' ? 2 : 1;
        line++;
      } else return;
    }
  };
  const skipComment = (): void => {
    while (pos < text.length && text[pos] !== '\n' && text[pos] !== '\r') pos++;
  };
  /** After a key/value pair: optional comment, then end of line or end of file. */
  const endOfLine = (): void => {
    skipWs(false);
    if (peek() === '#') skipComment();
    const c = peek();
    if (c === undefined) return;
    if (c === '\n') pos++;
    else if (c === '\r' && text[pos + 1] === '\n') pos += 2;
    else fail(`unexpected ${JSON.stringify(c)} after value (one key = value per line)`);
    line++;
  };

  const parseBasicString = (): string => {
    if (text.startsWith('"""', pos)) fail('multi-line strings are not supported');
    pos++; // opening quote
    let s = '';
    for (;;) {
      const c = text[pos++];
      if (c === undefined || c === '\n' || c === '\r') return fail('unterminated string');
      if (c === '"') return s;
      if (c !== '\\') {
        s += c;
        continue;
      }
      const e = text[pos++];
      if (e !== undefined && ESCAPES[e] !== undefined) s += ESCAPES[e];
      else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = text.slice(pos, pos + n);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) fail(`invalid \\${e} escape in string`);
        const cp = Number.parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail(`invalid unicode escape \\${e}${hex}`);
        s += String.fromCodePoint(cp);
        pos += n;
      } else fail(`invalid escape sequence \\${e ?? ''} in string`);
    }
  };

  const parseLiteralString = (): string => {
    if (text.startsWith("'''", pos)) fail('multi-line strings are not supported');
    const start = ++pos;
    while (pos < text.length && text[pos] !== "'" && text[pos] !== '\n' && text[pos] !== '\r') pos++;
    if (text[pos] !== "'") fail('unterminated string');
    return text.slice(start, pos++);
  };

  const parseScalar = (): TomlValue => {
    const start = pos;
    while (pos < text.length && !/[\s,\]#]/.test(text[pos]!)) pos++;
    const tok = text.slice(start, pos);
    if (tok === '') return fail('missing value');
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (INT_DEC.test(tok)) return BigInt(tok.replaceAll('_', ''));
    if (INT_PREFIXED.test(tok)) return BigInt(tok.replaceAll('_', ''));
    if (FLOAT.test(tok)) {
      const t = tok.replaceAll('_', '');
      if (t.endsWith('inf')) return t.startsWith('-') ? -Infinity : Infinity;
      if (t.endsWith('nan')) return Number.NaN;
      return Number(t);
    }
    if (/^\d{4}-\d{2}-\d{2}/.test(tok) || /^\d{2}:\d{2}/.test(tok))
      return fail('dates and times are not supported');
    return fail(`invalid value ${JSON.stringify(tok)} (strings must be quoted)`);
  };

  const parseValue = (): TomlValue => {
    const c = peek();
    if (c === '"') return parseBasicString();
    if (c === "'") return parseLiteralString();
    if (c === '{') return fail('inline tables are not supported (nsqd config files are flat)');
    if (c === '[') {
      pos++;
      const arr: TomlValue[] = [];
      for (;;) {
        skipWs(true);
        if (peek() === ']') {
          pos++;
          return arr;
        }
        if (peek() === undefined) return fail('unterminated array');
        arr.push(parseValue());
        skipWs(true);
        if (peek() === ',') pos++;
        else if (peek() === undefined) fail('unterminated array');
        else if (peek() !== ']') fail('expected "," or "]" in array');
      }
    }
    return parseScalar();
  };

  const parseKey = (): string => {
    const c = peek();
    if (c === '"') return parseBasicString();
    if (c === "'") return parseLiteralString();
    const m = BARE_KEY.exec(text.slice(pos));
    if (m === null) return fail(`invalid key starting at ${JSON.stringify(c)}`);
    pos += m[0].length;
    return m[0];
  };

  if (text.charCodeAt(0) === 0xfeff) pos = 1; // BOM
  while (pos < text.length) {
    skipWs(true);
    if (pos >= text.length) break;
    if (peek() === '[') fail('tables ([section]) are not supported: nsqd config files are flat key = value');
    const key = parseKey();
    skipWs(false);
    if (peek() === '.') fail('dotted keys are not supported: nsqd config files are flat key = value');
    if (peek() !== '=') fail(`expected "=" after key ${JSON.stringify(key)}`);
    pos++;
    skipWs(false);
    if (out.has(key)) fail(`duplicate key ${JSON.stringify(key)}`);
    out.set(key, parseValue());
    endOfLine();
  }
  return out;
}
