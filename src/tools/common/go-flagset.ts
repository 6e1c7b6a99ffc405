/**
 * A tool's command line as Go's `flag` package runs it with ExitOnError: typed flags (string, int,
 * int64, bool, duration, float64, and repeatable string lists / custom Values), `-h`/`--help` printing
 * `Usage of <name>:` and PrintDefaults to stderr with exit 0, a bad flag or value printing Go's error
 * and the usage with exit 2. Parsing itself is src/go/flag.ts; this adds the definitions, the defaults
 * and the usage text. Owns nothing past the parse.
 */

import path from 'node:path';
import { formatGoDuration, parseGoDuration } from '../../go/duration.js';
import { type GoFlag, parseGoFlags } from '../../go/flag.js';
import { goQuote } from '../../go/quote.js';
import { ERR_PARSE, parseGoBool, parseGoFloat, parseGoInt } from '../../go/strconv.js';

export type ToolFlagKind = 'string' | 'int' | 'bool' | 'duration' | 'float' | 'list' | 'value';

export interface ToolFlagDef {
  readonly name: string;
  readonly kind: ToolFlagKind;
  readonly usage: string;
  /** string/int/bool/float: the value; duration: ms; list: [] */
  readonly def?: unknown;
  /** kind 'value': Go's Value.Set (throws with Go's error text); returns the new value */
  readonly set?: (raw: string, prev: unknown) => unknown;
  /** kind 'value': its default as Go's String() prints it, shown when not the zero value's */
  readonly defText?: string;
}

export type FlagValues = Map<string, unknown>;

/** Go's UnquoteUsage: a `backquoted` word in the usage is the argument name */
function unquoteUsage(f: ToolFlagDef): { name: string; usage: string } {
  const m = /`([^`]*)`/.exec(f.usage);
  if (m !== null) return { name: m[1]!, usage: f.usage.replace(/`([^`]*)`/, '$1') };
  const names: Record<ToolFlagKind, string> = {
    string: 'string',
    int: 'int',
    bool: '',
    duration: 'duration',
    float: 'float',
    list: 'value',
    value: 'value',
  };
  return { name: names[f.kind], usage: f.usage };
}

/** the " (default X)" Go adds when the default is not the type's zero value */
function defaultSuffix(f: ToolFlagDef): string {
  switch (f.kind) {
    case 'string':
      return typeof f.def === 'string' && f.def !== '' ? ` (default ${goQuote(f.def)})` : '';
    case 'int':
    case 'float':
      return typeof f.def === 'number' && f.def !== 0 ? ` (default ${f.def})` : '';
    case 'bool':
      return f.def === true ? ' (default true)' : '';
    case 'duration':
      return typeof f.def === 'number' && f.def !== 0 ? ` (default ${formatGoDuration(f.def)})` : '';
    default:
      return f.defText !== undefined && f.defText !== '' ? ` (default ${f.defText})` : '';
  }
}

/** Go's PrintDefaults, flags sorted by name, under `Usage of <name>:` */
export function formatUsage(program: string, defs: readonly ToolFlagDef[]): string {
  const lines = [`Usage of ${program}:`];
  const sorted = [...defs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    const { name, usage } = unquoteUsage(f);
    let line = `  -${f.name}`;
    if (name !== '') line += ` ${name}`;
    // a one-letter bool flag keeps its usage on the same line
    line += line.length <= 4 ? '\t' : '\n    \t';
    line += usage.replaceAll('\n', '\n    \t') + defaultSuffix(f);
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

function setter(f: ToolFlagDef): (raw: string, prev: unknown) => unknown {
  switch (f.kind) {
    case 'string':
      return (raw) => raw;
    case 'int':
      return (raw) => parseGoInt(raw);
    case 'bool':
      return (raw) => parseGoBool(raw);
    case 'float':
      return (raw) => parseGoFloat(raw);
    case 'duration':
      return (raw) => {
        try {
          return parseGoDuration(raw);
        } catch {
          throw new Error(ERR_PARSE);
        }
      };
    case 'list':
      return (raw, prev) => [...((prev as string[] | undefined) ?? []), raw];
    default:
      return f.set ?? ((raw) => raw);
  }
}

/**
 * Go's os.Args[0] as the usage header shows it: the name the user typed. A bin run from $PATH reaches
 * us by its full path; shown by its bare name when its directory is on $PATH, as a shell would have
 * typed it. Run as `node main.js`, the tool's own name.
 */
export function programName(tool: string, argv1 = process.argv[1] ?? ''): string {
  if (path.basename(argv1) !== tool) return tool;
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  return dirs.includes(path.dirname(argv1)) ? tool : argv1;
}

export interface ParsedFlags {
  /** every flag's value: the given one or its default */
  values: FlagValues;
  /** the flags given on the command line */
  given: Set<string>;
  /** the arguments after the flags */
  args: string[];
}

/**
 * Parses argv like flag.Parse with ExitOnError: `-h`/`--help` → usage on stderr, exit 0; an error →
 * the error and the usage on stderr, exit 2. `header` is the name after `Usage of`.
 */
export function parseToolFlags(
  header: string,
  defs: readonly ToolFlagDef[],
  argv = process.argv.slice(2),
): ParsedFlags {
  const goFlags: GoFlag[] = defs.map((f) => ({ name: f.name, isBool: f.kind === 'bool', set: setter(f) }));
  const r = parseGoFlags(argv, goFlags);
  if (r.kind === 'help') {
    process.stderr.write(formatUsage(header, defs));
    process.exit(0);
  }
  if (r.kind === 'error') {
    process.stderr.write(`${r.message}\n${formatUsage(header, defs)}`);
    process.exit(2);
  }
  const values: FlagValues = new Map();
  for (const f of defs) values.set(f.name, f.kind === 'list' ? [] : f.def);
  for (const [k, v] of r.values) values.set(k, v);
  return { values, given: new Set(r.values.keys()), args: r.args };
}

/** typed getters over a parse result */
export class Flags {
  constructor(readonly parsed: ParsedFlags) {}
  str(name: string): string {
    return this.parsed.values.get(name) as string;
  }
  num(name: string): number {
    return this.parsed.values.get(name) as number;
  }
  bool(name: string): boolean {
    return this.parsed.values.get(name) === true;
  }
  list(name: string): string[] {
    return this.parsed.values.get(name) as string[];
  }
  isSet(name: string): boolean {
    return this.parsed.given.has(name);
  }
}
