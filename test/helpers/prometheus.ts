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

/** Parse and check a whole exposition body; families in the order they appear. */
export function parseExposition(body: string): Map<string, MetricFamily> {
  if (body.length > 0 && !body.endsWith('\n')) throw new Error('exposition does not end in a newline');
  const families = new Map<string, MetricFamily>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: MetricFamily | null = null;
  const lines = body.split('\n').slice(0, -1);
  lines.forEach((line, idx) => {
    const n = idx + 1;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) fail(n, line, 'bad metric name');
      if (finished.has(name)) fail(n, line, `family ${name} appears twice`);
      let f = families.get(name);
      if (f === undefined) {
        if (current !== null && current.name !== name) finished.add(current.name);
        f = { name, type: '', help: '', samples: [] };
        families.set(name, f);
      } else if (f.samples.length > 0) fail(n, line, `${kind} after samples`);
      if (kind === 'TYPE') {
        if (f.type !== '') fail(n, line, 'TYPE twice');
        if (!TYPES.has(rest)) fail(n, line, `unknown type ${rest}`);
        f.type = rest;
      } else {
        if (f.help !== '') fail(n, line, 'HELP twice');
        f.help = rest;
      }
      current = f;
      return;
    }
    if (line.startsWith('#') || line === '') return;
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
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2)
      fail(n, line, 'expected " value [timestamp]"');
    const value = parseValue(parts[0]!, n, line);
    const f = familyOf(name, families);
    if (f === undefined || f.type === '') fail(n, line, 'sample without a TYPE before it');
    if (f !== current) fail(n, line, `sample of ${f.name} outside its family's block`);
    const key = `${name}{${Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
    if (series.has(key)) fail(n, line, 'duplicate series');
    series.add(key);
    if ('quantile' in labels && f.type !== 'summary') fail(n, line, 'quantile label outside a summary');
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.help === '') throw new Error(`family ${f.name} has no HELP`);
    if (f.type === 'counter' && !f.name.endsWith('_total'))
      throw new Error(`counter ${f.name} does not end in _total`);
  }
  return families;
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
