/**
 * The matching half of Go's regexp for MatchString: character classes as Go builds them (ranges,
 * Perl and POSIX groups, Unicode tables, case folding) and a Pike VM over a compiled program, so a
 * match takes time linear in the subject, as Go's RE2 guarantees (a JavaScript RegExp backtracks).
 * No parsing: src/go/regexp.ts builds the tree this compiles.
 */

export const MAX_RUNE = 0x10ffff;

/** Go's Perl classes (`\d` `\s` `\w`) as ranges */
export const PERL_GROUPS: Record<string, readonly number[]> = {
  d: [0x30, 0x39],
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20],
  w: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
};

export const POSIX_GROUPS: Record<string, readonly number[]> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

/** Go's unicode.Categories (scripts are checked against JavaScript's Script property) */
export const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

export const ANY: readonly number[] = [0, MAX_RUNE];
export const ANY_NOT_NL: readonly number[] = [0, 0x09, 0x0b, MAX_RUNE];

/** sorted, merged [lo, hi] pairs */
export function mergeRanges(pairs: readonly number[]): number[] {
  const list: [number, number][] = [];
  for (let i = 0; i < pairs.length; i += 2) list.push([pairs[i]!, pairs[i + 1]!]);
  list.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of list) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** one member of a class: a set (ranges, or a Unicode table), maybe negated, maybe case-folded */
export interface ClassItem {
  /** sorted [lo, hi] pairs (code points), or null for a Unicode table */
  readonly ranges: readonly number[] | null;
  /** `\p{...}` as a RegExp testing one character, when ranges is null */
  readonly table: RegExp | null;
  readonly negate: boolean;
  /** (?i): a character belongs when any character of its case-folding orbit is in the set */
  readonly fold: boolean;
}

/** a character class: the union of its items, maybe negated (`[^...]`) */
export class CharClass {
  constructor(
    readonly items: readonly ClassItem[],
    readonly negate: boolean,
  ) {}

  has(cp: number): boolean {
    let hit = false;
    for (const item of this.items) {
      if (itemHas(item, cp)) {
        hit = true;
        break;
      }
    }
    return hit !== this.negate;
  }
}

function inSet(item: ClassItem, cp: number): boolean {
  const r = item.ranges;
  if (r === null) return item.table!.test(String.fromCodePoint(cp));
  for (let i = 0; i < r.length; i += 2) {
    if (cp < r[i]!) return false;
    if (cp <= r[i + 1]!) return true;
  }
  return false;
}

function itemHas(item: ClassItem, cp: number): boolean {
  let hit = inSet(item, cp);
  if (!hit && item.fold) for (const o of foldOrbit(cp)) if (o !== cp && inSet(item, o)) hit = true;
  return hit !== item.negate;
}

/** code point → the other members of its simple case-folding orbit (built once, on first (?i) use) */
let orbits: Map<number, number[]> | null = null;

/** the characters Go's (?i) treats as equal to `cp` (unicode.SimpleFold's orbit), `cp` included */
export function foldOrbit(cp: number): readonly number[] {
  orbits ??= buildOrbits();
  return orbits.get(cp) ?? [cp];
}

function single(s: string): number {
  const cp = s.codePointAt(0)!;
  return s.length === (cp > 0xffff ? 2 : 1) ? cp : -1;
}

/** joins every character with its one-character lower and upper case: the simple folding orbits */
function buildOrbits(): Map<number, number[]> {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const join = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (let cp = 0; cp <= 0x1ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    for (const t of [s.toLowerCase(), s.toUpperCase()]) {
      const o = single(t);
      if (o >= 0 && o !== cp) {
        if (!parent.has(cp)) parent.set(cp, cp);
        if (!parent.has(o)) parent.set(o, o);
        join(cp, o);
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const r = find(cp);
    const g = groups.get(r);
    if (g === undefined) groups.set(r, [cp]);
    else g.push(cp);
  }
  const out = new Map<number, number[]>();
  for (const g of groups.values()) for (const cp of g) out.set(cp, g);
  return out;
}

// ---- the program ----

export const A_BEGIN_TEXT = 0;
export const A_END_TEXT = 1;
export const A_BEGIN_LINE = 2;
export const A_END_LINE = 3;
export const A_WORD_BOUNDARY = 4;
export const A_NO_WORD_BOUNDARY = 5;

/** the parse tree: what the parser builds and compile() turns into a program */
export type Node =
  | { readonly k: 'class'; readonly cls: CharClass }
  | { readonly k: 'empty' }
  | { readonly k: 'assert'; readonly a: number }
  | { readonly k: 'cat'; readonly subs: readonly Node[] }
  | { readonly k: 'alt'; readonly subs: readonly Node[] }
  /** max -1: unbounded; counted: written as `{n,m}` (Go's OpRepeat) rather than `*`, `+`, `?` */
  | {
      readonly k: 'repeat';
      readonly min: number;
      readonly max: number;
      readonly counted: boolean;
      readonly sub: Node;
    };

const I_CHAR = 0;
const I_SPLIT = 1;
const I_JMP = 2;
const I_ASSERT = 3;
const I_MATCH = 4;

interface Inst {
  op: number;
  /** SPLIT/JMP targets; ASSERT kind in x */
  x: number;
  y: number;
  cls: CharClass | null;
}

/** more instructions than this and the pattern is refused ("expression too large") */
export const MAX_PROGRAM = 50_000;

export class TooLarge extends Error {}

class Compiler {
  readonly prog: Inst[] = [];

  emit(op: number, x = 0, y = 0, cls: CharClass | null = null): number {
    if (this.prog.length >= MAX_PROGRAM) throw new TooLarge('expression too large');
    this.prog.push({ op, x, y, cls });
    return this.prog.length - 1;
  }

  node(n: Node): void {
    switch (n.k) {
      case 'class':
        this.emit(I_CHAR, 0, 0, n.cls);
        return;
      case 'empty':
        return;
      case 'assert':
        this.emit(I_ASSERT, n.a);
        return;
      case 'cat':
        for (const s of n.subs) this.node(s);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let i = 0; i < n.subs.length; i++) {
          if (i < n.subs.length - 1) {
            const split = this.emit(I_SPLIT);
            this.prog[split]!.x = split + 1;
            this.node(n.subs[i]!);
            jumps.push(this.emit(I_JMP));
            this.prog[split]!.y = this.prog.length;
          } else {
            this.node(n.subs[i]!);
          }
        }
        for (const j of jumps) this.prog[j]!.x = this.prog.length;
        return;
      }
      case 'repeat':
        this.repeat(n.sub, n.min, n.max);
    }
  }

  private repeat(sub: Node, min: number, max: number): void {
    for (let i = 0; i < min; i++) this.node(sub);
    if (max < 0) {
      const split = this.emit(I_SPLIT);
      this.prog[split]!.x = split + 1;
      this.node(sub);
      this.emit(I_JMP, split);
      this.prog[split]!.y = this.prog.length;
      return;
    }
    const splits: number[] = [];
    for (let i = min; i < max; i++) {
      const split = this.emit(I_SPLIT);
      this.prog[split]!.x = split + 1;
      splits.push(split);
      this.node(sub);
    }
    for (const s of splits) this.prog[s]!.y = this.prog.length;
  }
}

function isWordChar(cp: number): boolean {
  return (
    (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f
  );
}

/** a compiled pattern: MatchString, unanchored, in O(subject × program) */
export class Program {
  private readonly prog: readonly Inst[];
  /** per instruction: the step it was last added at (a thread set without allocation) */
  private readonly seen: Int32Array;

  constructor(root: Node) {
    const c = new Compiler();
    c.node(root);
    c.emit(I_MATCH);
    this.prog = c.prog;
    this.seen = new Int32Array(this.prog.length).fill(-1);
  }

  get size(): number {
    return this.prog.length;
  }

  match(subject: string): boolean {
    const cps = Array.from(subject, (ch) => ch.codePointAt(0)!);
    const n = cps.length;
    this.seen.fill(-1);
    let clist: number[] = [];
    let nlist: number[] = [];
    let stamp = 0;
    for (let i = 0; i <= n; i++) {
      // unanchored: a thread starts at every position
      if (this.add(clist, 0, stamp, cps, i)) return true;
      if (i === n) break;
      const c = cps[i]!;
      stamp++;
      nlist.length = 0;
      for (const pc of clist) {
        const inst = this.prog[pc]!;
        if (inst.op === I_CHAR && inst.cls!.has(c)) {
          if (this.add(nlist, pc + 1, stamp, cps, i + 1)) return true;
        }
      }
      const t = clist;
      clist = nlist;
      nlist = t;
    }
    return false;
  }

  /** follows empty-width instructions from pc at position i; true when MATCH is reached */
  private add(list: number[], start: number, stamp: number, cps: readonly number[], i: number): boolean {
    const stack = [start];
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (this.seen[pc] === stamp) continue;
      this.seen[pc] = stamp;
      const inst = this.prog[pc]!;
      switch (inst.op) {
        case I_MATCH:
          return true;
        case I_CHAR:
          list.push(pc);
          break;
        case I_JMP:
          stack.push(inst.x);
          break;
        case I_SPLIT:
          stack.push(inst.y, inst.x);
          break;
        default:
          if (assertHolds(inst.x, cps, i)) stack.push(pc + 1);
      }
    }
    return false;
  }
}

function assertHolds(a: number, cps: readonly number[], i: number): boolean {
  const n = cps.length;
  switch (a) {
    case A_BEGIN_TEXT:
      return i === 0;
    case A_END_TEXT:
      return i === n;
    case A_BEGIN_LINE:
      return i === 0 || cps[i - 1] === 0x0a;
    case A_END_LINE:
      return i === n || cps[i] === 0x0a;
    default: {
      const before = i > 0 && isWordChar(cps[i - 1]!);
      const after = i < n && isWordChar(cps[i]!);
      return (before !== after) === (a === A_WORD_BOUNDARY);
    }
  }
}
