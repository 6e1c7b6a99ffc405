/**
 * A program's flag table resolved as Go NSQ's apps do (flag package + BurntSushi/toml +
 * mreiferson/go-options): one table of flags (name, kind, usage, config name, the Options field it
 * fills), Go's flag syntax and error texts, `--config` TOML with go-options' coercions, precedence
 * command line > config file > default, `--help` as flag.PrintDefaults and `--version`. Knows no
 * program: each passes its table, defaults and start-up checks.
 */

import { formatGoDuration, parseGoDuration } from './duration.js';
import { type GoFlag, parseGoFlags } from './flag.js';
import { goQuote } from './quote.js';
import { ERR_PARSE, parseGoBool, parseGoFloat, parseGoInt, parseGoIntBig } from './strconv.js';
import { readTomlFile, type TomlValue } from './toml.js';

export type FlagKind =
  | 'string'
  | 'string-array'
  | 'int'
  | 'bool'
  | 'duration'
  | 'float-array'
  | 'log-level'
  /** parsed by the flag's own `parse` (from the command line and from a config-file scalar alike) */
  | 'custom';

export interface FlagSpec<O> {
  /** Go's flag name, without dashes */
  readonly name: string;
  readonly kind: FlagKind;
  /** help text, as Go's usage string */
  readonly usage: string;
  /** the Options field the flag resolves into; absent for meta/no-op flags (config, version, verbose) */
  readonly key?: keyof O;
  /** config-file key when it is not the flag name with '-' turned into '_' */
  readonly cfg?: string;
  /** accepted but the feature is not active yet in nsq-ts (reported as a warning when set explicitly) */
  readonly inactive?: boolean;
  /** for 'string' flags: the only accepted values (anything else is a flag error naming them) */
  readonly choices?: readonly string[];
  /** how a host-dependent default is computed, shown in --help with it: `(default 3: <rule>)` */
  readonly defaultRule?: string;
  /** 'custom': raw text → value; undefined keeps the previous value; throws with Go's error text */
  readonly parse?: (raw: string) => unknown;
  /** 'custom': `-flag` alone means `-flag=true` (Go's IsBoolFlag) */
  readonly isBool?: boolean;
  /** 'custom': the type name --help shows after the flag (default ' value') */
  readonly typeName?: string;
  /** 'custom': the default as --help shows it (default: none shown) */
  readonly showDefault?: (v: unknown) => string;
}

/** What one program's command line resolves to. */
export type CliResult<O> =
  | { kind: 'run'; options: O; warnings: string[] }
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

/** A program's flags: its name (`Usage of <program>:`), table, defaults and start-up checks. */
export interface FlagProgram<O> {
  readonly program: string;
  readonly flags: readonly FlagSpec<O>[];
  readonly defaults: () => O;
  /** `--version`'s line */
  readonly version: () => string;
  /** start-up checks (may adjust options as Go does); an error text ends start-up with exit 1 */
  readonly validate?: (o: O) => string | undefined;
  /** the FATAL line's text for a failed check: Go's `failed to instantiate <program> - <error>` */
  readonly validateFailed?: (error: string) => string;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
/** lg.LogLevel.String(), as --help shows the default */
const LOG_LEVEL_TEXT: Record<(typeof LOG_LEVELS)[number], string> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'FATAL',
};

/** `--log-level`, case-insensitive, with nsqd's error text. */
export function parseLogLevel(raw: string): (typeof LOG_LEVELS)[number] {
  const s = raw.toLowerCase();
  const lvl = LOG_LEVELS.find((l) => l === s);
  if (lvl === undefined) throw new Error(`invalid log level '${raw}' (debug, info, warn, error, fatal)`);
  return lvl;
}

/** The config-file key of a flag. */
export function cfgName<O>(f: FlagSpec<O>): string {
  return f.cfg ?? f.name.replaceAll('-', '_');
}

/** A 'string' flag value checked against the flag's `choices` (the error text names them). */
export function checkChoice<O>(f: FlagSpec<O>, raw: string): string {
  if (f.choices === undefined || f.choices.includes(raw)) return raw;
  const list = f.choices.map(goQuote);
  throw new Error(`must be ${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`);
}

/** Go's Value.Set for one occurrence of a flag of this kind (throws with Go's error text). */
export function setFlagValue<O>(f: FlagSpec<O>, raw: string, prev: unknown): unknown {
  switch (f.kind) {
    case 'string':
      return checkChoice(f, raw);
    case 'string-array':
      // Go resolves the flag through StringArray.String() (comma-joined) and splits it again,
      // so `--lookupd-tcp-address=a,b` means two addresses.
      return [...((prev as string[] | undefined) ?? []), ...raw.split(',')];
    case 'int':
      return parseGoInt(raw);
    case 'bool':
      return parseGoBool(raw);
    case 'duration':
      try {
        return parseGoDuration(raw);
      } catch {
        throw new Error(ERR_PARSE);
      }
    case 'float-array': {
      // app.FloatArray: comma separated, accumulated, sorted descending
      const next = [...((prev as number[] | undefined) ?? []), ...raw.split(',').map(parseGoFloat)];
      return next.sort((a, b) => b - a);
    }
    case 'log-level':
      return parseLogLevel(raw);
    case 'custom':
      return f.parse!(raw) ?? prev;
  }
}

/** The table as goflag definitions. */
export function goFlags<O>(flags: readonly FlagSpec<O>[]): GoFlag[] {
  return flags.map((f) => ({
    name: f.name,
    isBool: f.kind === 'bool' || f.isBool === true,
    set: (raw: string, prev: unknown) => setFlagValue(f, raw, prev),
  }));
}

function show(v: TomlValue): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return typeof v === 'string' ? goQuote(v) : String(v);
}

/**
 * Converts one config-file value to the flag's value type, following go-options' coercion rules
 * (integers for durations are milliseconds; strings are parsed; comma-separated strings for arrays).
 * Returns undefined for "leave the default".
 */
export function coerceConfig<O>(f: FlagSpec<O>, v: TomlValue): unknown {
  const scalar = (): string => {
    if (Array.isArray(v)) throw new Error('expected a single value, not an array');
    return String(v);
  };
  switch (f.kind) {
    case 'string':
      return checkChoice(f, scalar());
    case 'int':
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number(parseGoIntBig(v));
      throw new Error('expected an integer');
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') return parseGoBool(v);
      throw new Error('expected a boolean');
    case 'duration':
      if (typeof v === 'bigint') return Number(v); // go-options treats integers as milliseconds
      if (typeof v === 'string') return parseGoDuration(v);
      throw new Error('expected a duration string such as "60s" (or integer milliseconds)');
    case 'string-array':
      if (typeof v === 'string') return v.split(',');
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...v];
      throw new Error('expected a string or an array of strings');
    case 'float-array':
      if (typeof v === 'string') return v.split(',').map((s) => parseGoFloat(s.trim()));
      if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'bigint'))
        return v.map(Number);
      throw new Error('expected a number array or a comma-separated string');
    case 'log-level':
      return parseLogLevel(scalar());
    case 'custom':
      return f.parse!(scalar());
  }
}

const exit = <O>(code: number, stdout: string, stderr: string): CliResult<O> => ({
  kind: 'exit',
  code,
  stdout,
  stderr,
});

/**
 * Resolves a program's options from argv (process.argv.slice(2)): command-line flag > config file >
 * default. Flag errors exit 2 (as Go's flag package), config and start-up validation errors exit 1
 * (log.Fatal; the caller prints the stderr text as its FATAL line).
 */
export function resolveFlags<O>(p: FlagProgram<O>, argv: string[]): CliResult<O> {
  const parsed = parseGoFlags(argv, goFlags(p.flags));
  if (parsed.kind === 'help') return exit(0, flagHelp(p), '');
  if (parsed.kind === 'error') return exit(2, '', `${parsed.message}\nRun with --help for usage.\n`);
  const { values, args } = parsed;
  if (values.get('version') === true) return exit(0, `${p.version()}\n`, '');

  const warnings: string[] = [];
  if (args.length > 0) {
    warnings.push(
      `ignoring non-flag arguments: ${args.join(' ')} (flag parsing stops at the first non-flag; bool flags take -flag=value)`,
    );
  }

  const byName = new Map(p.flags.map((f) => [f.name, f]));
  const byCfg = new Map(
    p.flags.filter((f) => f.name !== 'config' && f.name !== 'version').map((f) => [cfgName(f), f]),
  );
  const configFile = (values.get('config') as string | undefined) ?? '';
  let cfg = new Map<string, TomlValue>();
  if (configFile !== '') {
    try {
      cfg = readTomlFile(configFile);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return exit(1, '', `failed to load config file ${configFile} - ${msg}\n`);
    }
    for (const key of cfg.keys()) {
      if (!byCfg.has(key)) warnings.push(`config file ${configFile}: unknown option "${key}" ignored`);
    }
  }

  const options = p.defaults();
  const target = options as unknown as Record<string, unknown>;
  const explicit = new Set<string>(values.keys());
  for (const key of cfg.keys()) {
    const f = byCfg.get(key);
    if (f !== undefined && !values.has(f.name)) explicit.add(f.name);
  }
  for (const name of explicit) {
    const f = byName.get(name)!;
    if (f.key === undefined) continue;
    let v: unknown;
    if (values.has(name)) {
      v = values.get(name);
    } else {
      const raw = cfg.get(cfgName(f))!;
      try {
        v = coerceConfig(f, raw);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        return exit(
          1,
          '',
          `failed to load config file ${configFile} - invalid ${cfgName(f)} = ${show(raw)}: ${msg}\n`,
        );
      }
    }
    if (v !== undefined) target[f.key as string] = v;
  }

  const error = p.validate?.(options);
  if (error !== undefined) {
    const text = p.validateFailed?.(error) ?? `failed to instantiate ${p.program} - ${error}`;
    return exit(1, '', `${text}\n`);
  }

  const inactive = [...explicit].filter((n) => byName.get(n)!.inactive === true);
  if (inactive.length > 0) {
    warnings.push(`flags accepted but not active yet in nsq-ts: ${inactive.map((n) => `--${n}`).join(', ')}`);
  }
  return { kind: 'run', options, warnings };
}

/** The " (default X)" suffix Go's PrintDefaults adds for non-zero defaults. */
function defaultSuffix<O>(f: FlagSpec<O>, d: O): string {
  const v = f.key === undefined ? undefined : d[f.key];
  switch (f.kind) {
    case 'string':
      return typeof v === 'string' && v !== '' ? ` (default ${goQuote(v)})` : '';
    case 'int':
      if (typeof v !== 'number' || v === 0) return '';
      return f.defaultRule === undefined ? ` (default ${v})` : ` (default ${v}: ${f.defaultRule})`;
    case 'bool':
      return v === true ? ' (default true)' : '';
    case 'duration':
      return typeof v === 'number' && v !== 0 ? ` (default ${formatGoDuration(v)})` : '';
    case 'log-level':
      return ` (default ${LOG_LEVEL_TEXT[v as (typeof LOG_LEVELS)[number]] ?? String(v)})`;
    case 'custom':
      return f.showDefault === undefined ? '' : ` (default ${f.showDefault(v)})`;
    default:
      return '';
  }
}

/** Go's UnquoteUsage type name shown after the flag. */
function typeName<O>(f: FlagSpec<O>): string {
  switch (f.kind) {
    case 'string':
      return ' string';
    case 'int':
      return ' int';
    case 'duration':
      return ' duration';
    case 'bool':
      return '';
    case 'custom':
      return f.typeName ?? ' value';
    default:
      return ' value';
  }
}

/** The usage text, formatted like Go's flag.PrintDefaults (flags sorted by name). */
export function flagHelp<O>(p: FlagProgram<O>): string {
  const d = p.defaults();
  const lines = [`Usage of ${p.program}:`];
  const sorted = [...p.flags].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    lines.push(`  -${f.name}${typeName(f)}`);
    lines.push(`    \t${f.usage.replaceAll('\n', '\n    \t')}${defaultSuffix(f, d)}`);
  }
  return `${lines.join('\n')}\n`;
}
