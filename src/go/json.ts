/**
 * Go's encoding/json output byte for byte: strings with Go's escaping (HTML-safe, invalid UTF-16 as
 * U+FFFD), numbers, structs with their fields in order (omitempty as a left-out field), nil slices,
 * and json.Marshal of plain data. Also Go's case folding of object keys when decoding.
 */

const HEX = '0123456789abcdef';

/**
 * A JSON string as Go's json.Marshal writes it (escapeHTML on): `"` `\` and controls escaped (`\n`
 * `\r` `\t` `\b` `\f`, else `\u00XX`), `<` `>` `&` and U+2028/U+2029 as `\uXXXX`; a lone surrogate
 * becomes `\ufffd`, as Go writes invalid UTF-8. One pass, slicing only around what it escapes.
 */
export function goJsonString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      if (c === 0x22) esc = '\\"';
      else if (c === 0x5c) esc = '\\\\';
      else if (c === 0x08) esc = '\\b';
      else if (c === 0x0c) esc = '\\f';
      else if (c === 0x0a) esc = '\\n';
      else if (c === 0x0d) esc = '\\r';
      else if (c === 0x09) esc = '\\t';
      else esc = `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
    } else if (c === 0x2028 || c === 0x2029) {
      esc = `\\u${c.toString(16)}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair is written as is
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc !== null) {
      out += s.slice(from, i) + esc;
      from = i + 1;
    }
  }
  return `${out}${s.slice(from)}"`;
}

/**
 * A number: Go prints integers plainly and float64 in the shortest round-trip form, switching to
 * exponent form below 1e-6 and from 1e21, the same digits and cut-offs as JS number-to-string.
 */
export function goJsonNumber(n: number): string {
  return JSON.stringify(n);
}

/**
 * A struct: `fields` are [json tag, encoded value] in the struct's field order; an undefined value
 * is left out (omitempty). Tags are written as they are (Go's struct tags need no escaping).
 */
export function goJsonObject(fields: readonly (readonly [string, string | undefined])[]): string {
  let out = '';
  for (const [k, v] of fields) {
    if (v === undefined) continue;
    out += `${out === '' ? '' : ','}"${k}":${v}`;
  }
  return `{${out}}`;
}

/** A slice, each item encoded by `f`; `null` for a nil slice. */
export function goJsonArray<T>(items: readonly T[] | null, f: (t: T) => string): string {
  // join builds one flat string; appending in a loop would nest ropes that cost more when flattened
  return items === null ? 'null' : `[${items.map(f).join(',')}]`;
}

/**
 * json.Marshal of plain data (strings, numbers, booleans, null, arrays, objects standing for
 * structs: their keys in insertion order as field order, undefined values left out).
 */
export function goJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return goJsonString(value);
    case 'number':
      return goJsonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return goJsonArray(value as unknown[], goJson);
      return goJsonObject(
        Object.entries(value).map(([k, v]) => [k, v === undefined ? undefined : goJson(v)] as const),
      );
    default:
      return 'null';
  }
}

/**
 * Go's key folding when decoding into a struct (encoding/json foldName): ASCII letters fold case,
 * and the only non-ASCII runes that fold onto ASCII are KELVIN SIGN (→ k) and LATIN SMALL LETTER
 * LONG S (→ s). A key matches a lowercase tag when its fold equals the tag.
 */
export function goFoldKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(c + 0x20);
    else if (c === 0x212a) out += 'k';
    else if (c === 0x017f) out += 's';
    else out += key[i];
  }
  return out;
}
