/** A Go `flag`-package-compatible argv parser: FlagSet.Parse's syntax, order and error texts. */

import { goQuote } from './quote.js';

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

/** Parses argv (without the program name) like Go's FlagSet.Parse with ContinueOnError. */
// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: Go's FlagSet.parseOne as one loop (dashes, '--' terminator, =value, bool flags, lookups), kept in Go's order so its error texts and precedence match
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
