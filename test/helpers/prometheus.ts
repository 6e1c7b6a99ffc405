/**
 * A strict reader of Prometheus text exposition 0.0.4 for tests: parses a /metrics body into
 * families and samples, and throws on what the format or `promtool check metrics` rejects —
 * malformed lines, bad names, a sample before its TYPE, a family split in two, a duplicate series,
 * a family without HELP, a counter not ending in `_total`, a `quantile` label outside a summary — so
 * the suite checks the format in-process, without promtool.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'summary', 'histogram', 'untyped']);

function fail(lineNo: number, line: string, why: string): never {
  throw new Error(`exposition line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

/** `{a="x",b="y"}` starting at text[0] === '{': the labels and the index after '}' */
function parseLabels(text: string, lineNo: number, line: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail(lineNo, line, 'label without =');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(lineNo, line, `bad label name ${name}`);
    if (name in labels) fail(lineNo, line, `label ${name} twice`);
    if (text[eq + 1] !== '"') fail(lineNo, line, 'label value not quoted');
    let v = '';
    let j = eq + 2;
    for (;;) {
      const ch = text[j];
      if (ch === undefined) fail(lineNo, line, 'unterminated label value');
      if (ch === '"') break;
      if (ch === '\\') {
        const e = text[j + 1];
        if (e === '\\') v += '\\';
        else if (e === '"') v += '"';
        else if (e === 'n') v += '\n';
        else fail(lineNo, line, `bad escape \\${e}`);
        j += 2;
      } else {
        v += ch;
        j++;
      }
    }
    labels[name] = v;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(lineNo, line, 'expected , or }');
  }
  return [labels, i + 1];
}

function parseValue(s: string, lineNo: number, line: string): number {
  if (s === '+Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  if (s === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) fail(lineNo, line, `bad value ${s}`);
  return Number(s);
}

/** the family a sample name belongs to (a summary's _sum/_count belong to it) */
function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const direct = families.get(name);
  if (direct !== undefined) return direct;
  const base = name.replace(/_(sum|count|bucket)$/, '');
  const f = families.get(base);
  return f !== undefined && (f.type === 'summary' || f.type === 'histogram') ? f : undefined;
}

/** the parser's state across lines: families so far, those already closed, series seen */
class Reader {
  readonly families = new Map<string, MetricFamily>();
  private readonly finished = new Set<string>();
  private readonly series = new Set<string>();
  private current: MetricFamily | null = null;

  /** a `# HELP` or `# TYPE` line */
  meta(n: number, line: string, kind: string, name: string, rest: string): void {
    if (!METRIC_NAME.test(name)) fail(n, line, 'bad metric name');
    if (this.finished.has(name)) fail(n, line, `family ${name} appears twice`);
    let f = this.families.get(name);
    if (f === undefined) {
      if (this.current !== null) this.finished.add(this.current.name);
      f = { name, type: '', help: '', samples: [] };
      this.families.set(name, f);
    } else if (f.samples.length > 0) fail(n, line, `${kind} after samples`);
    if (kind === 'TYPE') {
      if (f.type !== '') fail(n, line, 'TYPE twice');
      if (!TYPES.has(rest)) fail(n, line, `unknown type ${rest}`);
      f.type = rest;
    } else {
      if (f.help !== '') fail(n, line, 'HELP twice');
      f.help = rest;
    }
    this.current = f;
  }

  /** a sample line */
  sample(n: number, line: string): void {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(.*)$/.exec(line);
    if (m === null) fail(n, line, 'not a sample');
    const name = m[1]!;
    let rest = m[2]!;
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const [l, end] = parseLabels(rest, n, line);
      labels = l;
      rest = rest.slice(end);
    }
    const parts = rest.trim().split(/ +/);
    if (!rest.startsWith(' ') || parts.length > 2) fail(n, line, 'expected " value [timestamp]"');
    const value = parseValue(parts[0]!, n, line);
    const f = familyOf(name, this.families);
    if (f === undefined || f.type === '') fail(n, line, 'sample without a TYPE before it');
    if (f !== this.current) fail(n, line, `sample of ${f.name} outside its family's block`);
    const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
    const key = `${name}{${sorted.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (this.series.has(key)) fail(n, line, 'duplicate series');
    this.series.add(key);
    if ('quantile' in labels && f.type !== 'summary') fail(n, line, 'quantile label outside a summary');
    f.samples.push({ name, labels, value });
  }
}

/** Parse and check a whole exposition body; families in the order they appear. */
export function parseExposition(body: string): Map<string, MetricFamily> {
  if (body.length > 0 && !body.endsWith('\n')) throw new Error('exposition does not end in a newline');
  const r = new Reader();
  body
    .split('\n')
    .slice(0, -1)
    .forEach((line, idx) => {
      const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (meta !== null) r.meta(idx + 1, line, meta[1]!, meta[2]!, meta[3]!);
      else if (!line.startsWith('#') && line !== '') r.sample(idx + 1, line);
    });
  for (const f of r.families.values()) {
    if (f.help === '') throw new Error(`family ${f.name} has no HELP`);
    if (f.type === 'counter' && !f.name.endsWith('_total'))
      throw new Error(`counter ${f.name} does not end in _total`);
  }
  return r.families;
}

/** the value of the one sample of `name` whose labels include `labels` (throws when not exactly one) */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const f = familyOf(name, families);
  const hits = (f?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (hits.length !== 1) throw new Error(`${hits.length} samples of ${name} ${JSON.stringify(labels)}`);
  return hits[0]!.value;
}
