/**
 * A Go `flag.FlagSet` for the nsq_* tools: flags defined Go-style (each definition returns a cell
 * whose `value` parse fills), parsed with the project's Go flag parser, and `--help`/errors printed
 * as Go's flag package does — `Usage of <program>:` then PrintDefaults (sorted, type names, non-zero
 * defaults) on stderr, exit 0 for -h/--help and 2 for a bad flag. Also `--consumer-opt` /
 * `--producer-opt` (go-nsq's ConfigFlag) and app.StringArray (repeatable string flags).
 *
 * ```ts
 * const fs = new ToolFlagSet('nsq_tail');
 * const channel = fs.string('channel', '', 'NSQ channel');
 * const topics = fs.strings('topic', 'NSQ topic (may be given multiple times)');
 * const cfg = newConfig();
 * fs.nsqConfig('consumer-opt', 'option to passthrough to nsq.Consumer (...)', cfg);
 * fs.parse(process.argv.slice(2)); // exits on --help or a bad flag
 * ```
 */

import { type Config, setConfigOption } from '../../client/config.js';
import { formatGoDuration, parseGoDuration } from '../../go/duration.js';
import { type GoFlag, parseGoFlags } from '../../go/flag.js';
import { goQuote } from '../../go/quote.js';
import { parseGoBool, parseGoFloat, parseGoInt } from '../../go/strconv.js';

/** what a flag definition returns: parse() stores the flag's final value here */
export interface FlagCell<T> {
  value: T;
  /** set on the command line (Go's flag.Visit) */
  set: boolean;
}

interface Def {
  readonly flag: GoFlag;
  readonly usage: string;
  /** Go's UnquoteUsage type name: 'string', 'int', 'duration', 'value', '' for bools */
  readonly typeName: string;
  /** the default as PrintDefaults shows it, '' for a zero value (not shown) */
  readonly shownDefault: string;
  readonly cell: FlagCell<unknown>;
}

/** exit with `code` once what was written has been handed to the OS (stdout/stderr to pipes and files are synchronous on Linux) */
export function exitWith(code: number): never {
  process.exit(code);
}

export class ToolFlagSet {
  /** the name after `Usage of` (Go prints argv[0]) */
  readonly program: string;
  private readonly defs: Def[] = [];
  /** the arguments after the flags (Go's flag.Args()) */
  args: string[] = [];

  constructor(program: string) {
    this.program = program;
  }

  private define<T>(
    name: string,
    usage: string,
    typeName: string,
    initial: T,
    shownDefault: string,
    set: (raw: string, prev: unknown) => T,
    isBool = false,
  ): FlagCell<T> {
    const cell: FlagCell<T> = { value: initial, set: false };
    const flag: GoFlag = { name, isBool, set: (raw, prev) => set(raw, prev) };
    this.defs.push({ flag, usage, typeName, shownDefault, cell: cell as FlagCell<unknown> });
    return cell;
  }

  string(name: string, def: string, usage: string): FlagCell<string> {
    return this.define(name, usage, 'string', def, def === '' ? '' : goQuote(def), (raw) => raw);
  }

  int(name: string, def: number, usage: string): FlagCell<number> {
    return this.define(name, usage, 'int', def, def === 0 ? '' : String(def), (raw) => parseGoInt(raw));
  }

  /** Go's float64 flag (`%v` default: 1 for 1.0) */
  float(name: string, def: number, usage: string): FlagCell<number> {
    return this.define(name, usage, 'float', def, def === 0 ? '' : String(def), (raw) => parseGoFloat(raw));
  }

  bool(name: string, def: boolean, usage: string): FlagCell<boolean> {
    return this.define(name, usage, '', def, def ? 'true' : '', (raw) => parseGoBool(raw), true);
  }

  /** milliseconds; Go's time.Duration flag */
  duration(name: string, defMs: number, usage: string): FlagCell<number> {
    return this.define(name, usage, 'duration', defMs, defMs === 0 ? '' : formatGoDuration(defMs), (raw) => {
      try {
        return parseGoDuration(raw);
      } catch {
        throw new Error('parse error');
      }
    });
  }

  /** nsq's app.StringArray: repeatable, each occurrence appended */
  strings(name: string, usage: string): FlagCell<string[]> {
    return this.define<string[]>(name, usage, 'value', [], '', (raw, prev) => [
      ...((prev as string[]) ?? []),
      raw,
    ]);
  }

  /** a flag.Value with its own Set (the type name shown is `value`); `set` throws Go's error text */
  value<T>(
    name: string,
    usage: string,
    initial: T,
    set: (raw: string, prev: T | undefined) => T,
  ): FlagCell<T> {
    return this.define<T>(name, usage, 'value', initial, '', (raw, prev) => set(raw, prev as T | undefined));
  }

  /** go-nsq's ConfigFlag: `name,value` or `name` (= true) passed to Config.Set on `cfg` */
  nsqConfig(name: string, usage: string, cfg: Config): FlagCell<string[]> {
    return this.value<string[]>(name, usage, [], (raw, prev) => {
      applyConfigFlag(cfg, raw);
      return [...(prev ?? []), raw];
    });
  }

  /** Go's PrintDefaults, after `Usage of <program>:` */
  usage(): string {
    const lines = [`Usage of ${this.program}:`];
    const sorted = [...this.defs].sort((a, b) =>
      a.flag.name < b.flag.name ? -1 : a.flag.name > b.flag.name ? 1 : 0,
    );
    for (const d of sorted) {
      // Go's UnquoteUsage: a `backquoted` word in the usage names the argument, shown unquoted
      const quoted = /`([^`]*)`/.exec(d.usage);
      const typeName = quoted === null ? d.typeName : quoted[1]!;
      const usage = quoted === null ? d.usage : d.usage.replace(quoted[0], quoted[1]!);
      let head = `  -${d.flag.name}`;
      if (typeName !== '') head += ` ${typeName}`;
      // one-letter bool flags keep their usage on the same line (Go: b.Len() <= 4)
      const sep = head.length <= 4 ? '\t' : '\n    \t';
      const def = d.shownDefault === '' ? '' : ` (default ${d.shownDefault})`;
      lines.push(`${head}${sep}${usage.replaceAll('\n', '\n    \t')}${def}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * Go's flag.Parse with ExitOnError: fills every cell; `-h`/`--help` prints usage and exits 0, a
   * bad flag prints the error and usage and exits 2.
   */
  parse(argv: readonly string[]): void {
    const r = parseGoFlags(
      argv,
      this.defs.map((d) => d.flag),
    );
    if (r.kind === 'help') {
      process.stderr.write(this.usage());
      exitWith(0);
    }
    if (r.kind === 'error') {
      process.stderr.write(`${r.message}\n${this.usage()}`);
      exitWith(2);
    }
    for (const d of this.defs) {
      if (r.values.has(d.flag.name)) {
        d.cell.value = r.values.get(d.flag.name);
        d.cell.set = true;
      }
    }
    this.args = r.args;
  }
}

/** go-nsq's ConfigFlag.Set: `name,value` or a bare `name` (= true) on `cfg`; throws go-nsq's error text */
export function applyConfigFlag(cfg: Config, raw: string): void {
  const comma = raw.indexOf(',');
  if (comma < 0) setConfigOption(cfg, raw, true);
  else setConfigOption(cfg, raw.slice(0, comma), raw.slice(comma + 1));
}

/** Go's usage text of --consumer-opt in nsq_tail, nsq_to_file and nsq_to_http */
export const CONSUMER_OPT_USAGE =
  'option to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)';

/** The consumer tools' sources, with Go's usage texts: --nsqd-tcp-address and --lookupd-http-address (repeatable). */
export function sourceFlags(fs: ToolFlagSet): {
  nsqdTcp: FlagCell<string[]>;
  lookupdHttp: FlagCell<string[]>;
} {
  return {
    nsqdTcp: fs.strings('nsqd-tcp-address', 'nsqd TCP address (may be given multiple times)'),
    lookupdHttp: fs.strings('lookupd-http-address', 'lookupd HTTP address (may be given multiple times)'),
  };
}
