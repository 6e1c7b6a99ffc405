/**
 * Go's regexp.Compile and MatchString (RE2 syntax as Go 1.19's regexp/syntax parses it in Perl mode,
 * the build nsqd 1.3.0 ships): the same patterns accepted, the same refused with Go's error text,
 * and the same matches, in time linear in the subject (src/go/regexp-vm.ts). nsqd's auth
 * authorizations are Go regexps; a JavaScript RegExp differs in syntax and backtracks.
 * Stricter than Go in one place: a pattern compiling to more than MAX_PROGRAM instructions is
 * refused as "expression too large" (Go's limit is ~3M).
 */

import {
  A_BEGIN_LINE,
  A_BEGIN_TEXT,
  A_END_LINE,
  A_END_TEXT,
  A_NO_WORD_BOUNDARY,
  A_WORD_BOUNDARY,
  ANY,
  ANY_NOT_NL,
  CATEGORIES,
  CharClass,
  type ClassItem,
  MAX_RUNE,
  mergeRanges,
  type Node,
  PERL_GROUPS,
  POSIX_GROUPS,
  Program,
  TooLarge,
} from './regexp-vm.js';

export class GoRegexpError extends Error {}

/** Go's flags (regexp/syntax) that change parsing: (?i), (?s), and (?m) clearing OneLine */
const FOLD = 1;
const DOT_NL = 2;
const ONE_LINE = 4;
const NON_GREEDY = 8;

const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;

const EMPTY: Node = { k: 'empty' };

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Go's repeatIsValid: nested counted repeats may not multiply past `n` */
function repeatIsValid(node: Node, n: number): boolean {
  let limit = n;
  if (node.k === 'repeat' && node.counted) {
    let m = node.max;
    if (m === 0) return true;
    if (m < 0) m = node.min;
    if (m > limit) return false;
    if (m > 0) limit = Math.floor(limit / m);
  }
  if (node.k === 'repeat') return repeatIsValid(node.sub, limit);
  if (node.k === 'cat' || node.k === 'alt') return node.subs.every((s) => repeatIsValid(s, limit));
  return true;
}

class Parser {
  private readonly src: readonly number[];
  private pos = 0;
  private flags = ONE_LINE;
  private depth = 0;

  constructor(private readonly pattern: string) {
    this.src = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  }

  private text(from: number, to: number = this.pos): string {
    return String.fromCodePoint(...this.src.slice(from, to));
  }

  private fail(code: string, expr: string): never {
    throw new GoRegexpError(`error parsing regexp: ${code}: \`${expr}\``);
  }

  private at(i: number): number {
    return i < this.src.length ? this.src[i]! : -1;
  }

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) this.fail('unexpected )', this.pattern); // only a ')' stops it
    return node;
  }

  private alternation(): Node {
    const subs = [this.concatenation()];
    while (this.at(this.pos) === 0x7c) {
      this.pos++;
      subs.push(this.concatenation());
    }
    return subs.length === 1 ? subs[0]! : { k: 'alt', subs };
  }

  private literal(c: number): Node {
    return this.set([c, c]);
  }

  private set(ranges: readonly number[], negate = false): Node {
    const item: ClassItem = { ranges, table: null, negate, fold: (this.flags & FOLD) !== 0 };
    return { k: 'class', cls: new CharClass([item], false) };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    /** where the repeat operator just parsed began (Go's lastRepeat), -1 when the last token was not one */
    let lastRepeat = -1;
    for (;;) {
      const c = this.at(this.pos);
      if (c === -1 || c === 0x7c || c === 0x29) break;
      let repeatAt = -1;
      const start = this.pos;
      switch (c) {
        case 0x28: // (
          if (this.at(this.pos + 1) === 0x3f) {
            const group = this.perlFlags();
            if (group !== null) items.push(group);
          } else {
            this.pos++;
            items.push(this.group(this.flags));
          }
          break;
        case 0x5e: // ^
          this.pos++;
          items.push({ k: 'assert', a: this.flags & ONE_LINE ? A_BEGIN_TEXT : A_BEGIN_LINE });
          break;
        case 0x24: // $
          this.pos++;
          items.push({ k: 'assert', a: this.flags & ONE_LINE ? A_END_TEXT : A_END_LINE });
          break;
        case 0x2e: // .
          this.pos++;
          items.push(this.set(this.flags & DOT_NL ? ANY : ANY_NOT_NL));
          break;
        case 0x5b: // [
          items.push(this.charClass());
          break;
        case 0x2a: // *
        case 0x2b: // +
        case 0x3f: {
          // ?
          this.pos++;
          const min = c === 0x2b ? 1 : 0;
          const max = c === 0x3f ? 1 : -1;
          this.repeat(items, start, lastRepeat, min, max, false);
          repeatAt = start;
          break;
        }
        case 0x7b: {
          // {
          const r = this.repeatBounds();
          if (r === null) {
            this.pos++;
            items.push(this.literal(c));
            break;
          }
          const [min, max] = r;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            this.fail('invalid repeat count', this.text(start));
          }
          this.repeat(items, start, lastRepeat, min, max, true);
          repeatAt = start;
          break;
        }
        case 0x5c: // backslash
          this.escapeAtom(items);
          break;
        default:
          this.pos++;
          items.push(this.literal(c));
      }
      lastRepeat = repeatAt;
    }
    if (items.length === 0) return EMPTY;
    return items.length === 1 ? items[0]! : { k: 'cat', subs: items };
  }

  /** applies a repeat operator (already consumed, from `start`) to the last item, as Go's p.repeat */
  private repeat(
    items: Node[],
    start: number,
    lastRepeat: number,
    min: number,
    max: number,
    counted: boolean,
  ): void {
    if (this.at(this.pos) === 0x3f) this.pos++; // non-greedy: the same match/no-match
    if (lastRepeat >= 0) this.fail('invalid nested repetition operator', this.text(lastRepeat));
    if (items.length === 0) this.fail('missing argument to repetition operator', this.text(start));
    const node: Node = { k: 'repeat', min, max, counted, sub: items[items.length - 1]! };
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      this.fail('invalid repeat count', this.text(start));
    }
    items[items.length - 1] = node;
  }

  /** `{n}`, `{n,}`, `{n,m}` at pos: [min, max (-1 unbounded)], min -1 for a number too big; null: a literal `{` */
  private repeatBounds(): [number, number] | null {
    let p = this.pos + 1;
    const int = (): number | null => {
      const c0 = this.at(p);
      if (c0 < 0x30 || c0 > 0x39) return null;
      if (c0 === 0x30 && this.at(p + 1) >= 0x30 && this.at(p + 1) <= 0x39) return null; // leading zero
      let n = 0;
      while (this.at(p) >= 0x30 && this.at(p) <= 0x39) {
        if (n >= 1e8) n = -1;
        else if (n >= 0) n = n * 10 + this.at(p) - 0x30;
        p++;
      }
      return n;
    };
    let min = int();
    if (min === null) return null;
    let max = min;
    if (this.at(p) === 0x2c) {
      p++;
      if (this.at(p) === 0x7d) max = -1;
      else {
        const m = int();
        if (m === null) return null;
        max = m;
        if (max < 0) min = -1;
      }
    }
    if (this.at(p) !== 0x7d) return null;
    this.pos = p + 1;
    return [min, max];
  }

  /** a group's body up to its `)`; flags set inside it end with it */
  private group(saved: number): Node {
    if (++this.depth > MAX_DEPTH) this.fail('expression nests too deeply', this.pattern);
    const node = this.alternation();
    if (this.at(this.pos) !== 0x29) this.fail('missing closing )', this.pattern);
    this.pos++;
    this.depth--;
    this.flags = saved;
    return node;
  }

  /** `(?P<name>`, `(?flags)`, `(?flags:`: a group node, or null for a bare flag change */
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: Go's parsePerlFlags, flag by flag
  private perlFlags(): Node | null {
    const start = this.pos;
    if (this.src.length - start > 4 && this.at(start + 2) === 0x50 && this.at(start + 3) === 0x3c) {
      const end = this.src.indexOf(0x3e, start + 4);
      if (end < 0) this.fail('invalid named capture', this.text(start, this.src.length));
      const name = this.src.slice(start + 4, end);
      if (name.length === 0 || !name.every((c) => c === 0x5f || isAlnum(c))) {
        this.fail('invalid named capture', this.text(start, end + 1));
      }
      this.pos = end + 1;
      return this.group(this.flags);
    }
    let t = start + 2;
    let flags = this.flags;
    let sign = 1;
    let sawFlag = false;
    while (t < this.src.length) {
      const c = this.src[t++]!;
      if (c === 0x69 || c === 0x6d || c === 0x73 || c === 0x55) {
        // i m s U
        const bit = c === 0x69 ? FOLD : c === 0x6d ? ONE_LINE : c === 0x73 ? DOT_NL : NON_GREEDY;
        const on = c === 0x6d ? sign < 0 : sign > 0; // (?m) clears OneLine
        flags = on ? flags | bit : flags & ~bit;
        sawFlag = true;
        continue;
      }
      if (c === 0x2d) {
        // -
        if (sign < 0) break;
        sign = -1;
        sawFlag = false;
        continue;
      }
      if (c === 0x3a || c === 0x29) {
        // : )
        if (sign < 0 && !sawFlag) break;
        this.pos = t;
        if (c === 0x29) {
          this.flags = flags;
          return null;
        }
        const saved = this.flags;
        this.flags = flags;
        return this.group(saved);
      }
      break;
    }
    return this.fail('invalid or unsupported Perl syntax', this.text(start, t));
  }

  /** a backslash outside a class: an assertion, `\Q...\E`, a class escape or a literal */
  private escapeAtom(items: Node[]): void {
    const start = this.pos;
    const c = this.at(start + 1);
    const assertion =
      c === 0x41
        ? A_BEGIN_TEXT
        : c === 0x62
          ? A_WORD_BOUNDARY
          : c === 0x42
            ? A_NO_WORD_BOUNDARY
            : c === 0x7a
              ? A_END_TEXT
              : -1;
    if (assertion >= 0) {
      this.pos += 2;
      items.push({ k: 'assert', a: assertion });
      return;
    }
    if (c === 0x43) this.fail('invalid escape sequence', '\\C');
    if (c === 0x51) {
      // \Q...\E: literals up to \E or the end
      let p = start + 2;
      while (p < this.src.length && !(this.src[p] === 0x5c && this.at(p + 1) === 0x45)) {
        items.push(this.literal(this.src[p]!));
        p++;
      }
      this.pos = p < this.src.length ? p + 2 : p;
      return;
    }
    const item = this.unicodeClass() ?? this.perlClass();
    if (item !== null) {
      items.push({ k: 'class', cls: new CharClass([item], false) });
      return;
    }
    items.push(this.literal(this.escape()));
  }

  /** `\d` `\D` `\s` `\S` `\w` `\W` at pos, or null */
  private perlClass(): ClassItem | null {
    if (this.at(this.pos) !== 0x5c) return null;
    const c = this.at(this.pos + 1);
    const name = c >= 0 ? String.fromCodePoint(c) : '';
    const ranges = PERL_GROUPS[name.toLowerCase()];
    if (ranges === undefined || !'dDsSwW'.includes(name)) return null;
    this.pos += 2;
    return { ranges, table: null, negate: name !== name.toLowerCase(), fold: (this.flags & FOLD) !== 0 };
  }

  /** `\pN`, `\p{Name}`, `\PN`, `\p{^Name}` at pos, or null */
  private unicodeClass(): ClassItem | null {
    const start = this.pos;
    const p = this.at(start + 1);
    if (this.at(start) !== 0x5c || (p !== 0x70 && p !== 0x50)) return null;
    let negate = p === 0x50;
    let name: string;
    if (this.at(start + 2) !== 0x7b) {
      name = start + 2 < this.src.length ? String.fromCodePoint(this.src[start + 2]!) : '';
      this.pos = Math.min(start + 3, this.src.length);
    } else {
      const end = this.src.indexOf(0x7d, start);
      if (end < 0) this.fail('invalid character class range', this.text(start, this.src.length));
      name = this.text(start + 3, end);
      this.pos = end + 1;
    }
    const seq = this.text(start);
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    const fold = (this.flags & FOLD) !== 0;
    if (name === 'Any') return { ranges: ANY, table: null, negate, fold };
    let table: RegExp | null = null;
    if (/^[A-Za-z_]+$/.test(name)) {
      try {
        table = new RegExp(CATEGORIES.has(name) ? `^\\p{${name}}$` : `^\\p{Script=${name}}$`, 'u');
      } catch {
        table = null;
      }
    }
    if (table === null) this.fail('invalid character class range', seq);
    return { ranges: null, table, negate, fold };
  }

  /** Go's parseEscape at pos (a backslash): the character it stands for */
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: Go's escape table, case by case
  private escape(): number {
    const start = this.pos;
    let p = start + 1;
    if (p >= this.src.length) this.fail('trailing backslash at end of expression', '');
    const c = this.src[p++]!;
    const bad = (): never =>
      this.fail('invalid escape sequence', this.text(start, Math.min(p, this.src.length)));
    const isOctal = (x: number): boolean => x >= 0x30 && x <= 0x37;
    let r: number;
    if (c >= 0x31 && c <= 0x37 && !isOctal(this.at(p))) bad(); // \1..\7 alone: a backreference
    if (c >= 0x30 && c <= 0x37) {
      r = c - 0x30;
      for (let i = 1; i < 3 && isOctal(this.at(p)); i++) r = r * 8 + this.src[p++]! - 0x30;
    } else if (c === 0x78) {
      // \x
      if (p >= this.src.length) bad();
      const c1 = this.src[p++]!;
      if (c1 === 0x7b) {
        let digits = 0;
        r = 0;
        for (;;) {
          if (p >= this.src.length) bad();
          const h = this.src[p++]!;
          if (h === 0x7d) break;
          const v = unhex(h);
          if (v < 0) bad();
          r = r * 16 + v;
          if (r > MAX_RUNE) bad();
          digits++;
        }
        if (digits === 0) bad();
      } else {
        const x = unhex(c1);
        const y = p < this.src.length ? unhex(this.src[p++]!) : -1;
        if (x < 0 || y < 0) bad();
        r = x * 16 + y;
      }
    } else {
      const controls: Record<number, number> = { 97: 7, 102: 12, 110: 10, 114: 13, 116: 9, 118: 11 };
      const ctl = controls[c];
      if (ctl !== undefined) r = ctl;
      else if (c < 0x80 && !isAlnum(c)) r = c;
      else r = bad();
    }
    this.pos = p;
    return r;
  }

  /** `[...]` at pos, as Go's parseClass (Perl mode: `-` may stand anywhere) */
  private charClass(): Node {
    const start = this.pos;
    const whole = this.text(start, this.src.length);
    this.pos++;
    let negate = false;
    if (this.at(this.pos) === 0x5e) {
      negate = true;
      this.pos++;
    }
    const fold = (this.flags & FOLD) !== 0;
    const items: ClassItem[] = [];
    const ranges: number[] = [];
    let first = true;
    while (this.at(this.pos) !== 0x5d || first) {
      if (this.pos >= this.src.length) this.fail('missing closing ]', whole);
      first = false;
      if (this.at(this.pos) === 0x5b && this.at(this.pos + 1) === 0x3a) {
        const end = this.src.indexOf(0x3a, this.pos + 2);
        let close = end;
        while (close >= 0 && this.at(close + 1) !== 0x5d) close = this.src.indexOf(0x3a, close + 1);
        if (close >= 0) {
          const name = this.text(this.pos, close + 2);
          const inner = this.text(this.pos + 2, close);
          const neg = inner.startsWith('^');
          const key = neg ? inner.slice(1) : inner;
          const group = Object.hasOwn(POSIX_GROUPS, key) ? POSIX_GROUPS[key] : undefined;
          if (group === undefined) this.fail('invalid character class range', name);
          items.push({ ranges: group, table: null, negate: neg, fold });
          this.pos = close + 2;
          continue;
        }
      }
      const item = this.unicodeClass() ?? this.perlClass();
      if (item !== null) {
        items.push(item);
        continue;
      }
      const from = this.pos;
      const lo = this.classChar(whole);
      let hi = lo;
      if (this.at(this.pos) === 0x2d && this.pos + 1 < this.src.length && this.at(this.pos + 1) !== 0x5d) {
        this.pos++;
        hi = this.classChar(whole);
        if (hi < lo) this.fail('invalid character class range', this.text(from));
      }
      ranges.push(lo, hi);
    }
    this.pos++;
    if (ranges.length > 0) items.push({ ranges: mergeRanges(ranges), table: null, negate: false, fold });
    return { k: 'class', cls: new CharClass(items, negate) };
  }

  private classChar(whole: string): number {
    if (this.pos >= this.src.length) this.fail('missing closing ]', whole);
    if (this.at(this.pos) === 0x5c) return this.escape();
    return this.src[this.pos++]!;
  }
}

/** a compiled Go regexp; `matchString` is Go's MatchString (unanchored) */
export class GoRegexp {
  private readonly program: Program;

  constructor(readonly source: string) {
    const root = new Parser(source).parse();
    try {
      this.program = new Program(root);
    } catch (err) {
      if (err instanceof TooLarge) throw new GoRegexpError(`error parsing regexp: expression too large`);
      throw err;
    }
  }

  matchString(s: string): boolean {
    return this.program.match(s);
  }
}

/** Go's regexp.Compile: the compiled pattern, or a GoRegexpError with Go's text */
export function compileGoRegexp(pattern: string): GoRegexp {
  return new GoRegexp(pattern);
}
