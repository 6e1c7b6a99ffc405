/**
 * The tables of `npm run bench`: one row per scenario, one column per server (ours per --workers,
 * theirs with --compare), then with --compare one ratio column per --workers value (ours ÷ theirs,
 * the default shard count first); each cell marked against the row's target (an absolute figure, or
 * a ratio to theirs); as aligned text and as Markdown. Pure functions of a MatrixReport.
 */

import { grouped } from './nsq-bench/report.js';

/** MB: 10^6 bytes (an RSS growth) */
export type Unit = 'msgs/s' | 'ms' | 'B/msg' | 'MB' | 'µs CPU/msg';

export interface Target {
  op: '>=' | '<=';
  value: number;
}

export interface MatrixCell {
  /** the scenario's figure (msgs/s, p99 ms, bytes per message or MB); null if the run failed */
  value: number | null;
  /** one line of supporting numbers */
  detail: string;
  error?: string;
  /** CPU of the load generator and of the server during the measured part, % of one core */
  benchCpu: number;
  serverCpu: number;
  result?: unknown;
}

export interface MatrixRow {
  id: string;
  label: string;
  unit: Unit;
  target: Target | null;
  /** with --compare: the default column's value ÷ theirs should be at least this */
  ratioTarget?: number;
  cells: Record<string, MatrixCell>;
  /** with --compare, per column of ours: its value ÷ theirs (null where either failed); see rowRatios */
  ratios?: Record<string, number | null>;
}

export interface MatrixReport {
  startedAt: string;
  header: string[];
  columns: string[];
  /** the column the targets speak about (ours at the default shard count) */
  defaultColumn: string;
  /** the --compare column, if any */
  compareColumn: string | null;
  rows: MatrixRow[];
}

export function meets(t: Target, v: number): boolean {
  return t.op === '>=' ? v >= t.value : v <= t.value;
}

/** latency, RSS per message, RSS growth and CPU per message: smaller is better, so a ratio below 1 favours ours */
export function lowerIsBetter(unit: Unit): boolean {
  return unit !== 'msgs/s';
}

/** Our columns, the default one first: the columns a ratio is shown for. */
export function oursColumns(r: MatrixReport): string[] {
  const ours = r.columns.filter((c) => c !== r.compareColumn);
  return [r.defaultColumn, ...ours.filter((c) => c !== r.defaultColumn)];
}

/** ours ÷ theirs for `col`; null without --compare or where either value is missing or zero */
export function ratioOf(r: MatrixReport, row: MatrixRow, col: string): number | null {
  if (r.compareColumn === null) return null;
  const ours = row.cells[col]?.value;
  const theirs = row.cells[r.compareColumn]?.value;
  if (ours === undefined || ours === null || theirs === undefined || theirs === null || theirs === 0)
    return null;
  return ours / theirs;
}

/** Every ratio of a row (for the JSON result); empty without --compare. */
export function rowRatios(r: MatrixReport, row: MatrixRow): Record<string, number | null> {
  if (r.compareColumn === null) return {};
  return Object.fromEntries(oursColumns(r).map((c) => [c, ratioOf(r, row, c)]));
}

export function formatValue(unit: Unit, v: number): string {
  if (unit === 'msgs/s') return grouped(v);
  if (unit === 'ms') return `${v.toFixed(2)} ms`;
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  if (unit === 'µs CPU/msg') return `${v.toFixed(2)} µs`;
  return `${Math.round(v)} B`;
}

function targetText(row: MatrixRow): string {
  const parts: string[] = [];
  if (row.target !== null)
    parts.push(`${row.target.op === '>=' ? '≥' : '≤'} ${formatValue(row.unit, row.target.value)}`);
  if (row.ratioTarget !== undefined) parts.push(`≥ ×${row.ratioTarget} theirs`);
  return parts.length === 0 ? '—' : parts.join(', ');
}

function cellText(row: MatrixRow, col: string): string {
  const c = row.cells[col];
  if (c === undefined) return '';
  if (c.value === null) return 'failed';
  const mark = row.target === null ? '' : meets(row.target, c.value) ? ' ✓' : ' ✗';
  return `${formatValue(row.unit, c.value)}${mark}`;
}

function ratioText(r: MatrixReport, row: MatrixRow, col: string): string {
  const x = ratioOf(r, row, col);
  if (x === null) return '—';
  const t = col === r.defaultColumn ? row.ratioTarget : undefined;
  return `×${x.toFixed(2)}${t === undefined ? '' : x >= t ? ' ✓' : ' ✗'}`;
}

/** met / missed for the default column against every target that applies; '—' where none does */
function statusText(r: MatrixReport, row: MatrixRow): string {
  const v = row.cells[r.defaultColumn]?.value;
  const checks: boolean[] = [];
  if (row.target !== null) checks.push(v !== undefined && v !== null && meets(row.target, v));
  if (row.ratioTarget !== undefined && r.compareColumn !== null) {
    const x = ratioOf(r, row, r.defaultColumn);
    checks.push(x !== null && x >= row.ratioTarget);
  }
  if (checks.length === 0) return '—';
  return checks.every(Boolean) ? 'met' : 'missed';
}

/** header, then rows of cells: [scenario, target, ...columns, (ratios), status] */
function grid(r: MatrixReport): string[][] {
  const ratioCols = r.compareColumn === null ? [] : oursColumns(r);
  const head = ['scenario', 'target', ...r.columns];
  head.push(...ratioCols.map((c) => `${c.replace(/^ours /, '')} ÷ ${r.compareColumn}`));
  head.push(`${r.defaultColumn}: target`);
  const rows = r.rows.map((row) => {
    const unit = lowerIsBetter(row.unit) ? `${row.unit}, lower is better` : row.unit;
    return [
      `${row.label} (${unit})`,
      targetText(row),
      ...r.columns.map((c) => cellText(row, c)),
      ...ratioCols.map((c) => ratioText(r, row, c)),
      statusText(r, row),
    ];
  });
  return [head, ...rows];
}

function details(r: MatrixReport): string[] {
  const out: string[] = [];
  for (const row of r.rows) {
    for (const col of r.columns) {
      const c = row.cells[col];
      if (c === undefined) continue;
      const cpu = `generator ${c.benchCpu}%, server ${c.serverCpu}% of a core`;
      const what = c.error !== undefined ? `failed: ${c.error}` : c.detail;
      out.push(`${row.id} [${col}]: ${what}; ${cpu}`);
    }
  }
  return out;
}

const LEGEND = '✓ met, ✗ missed; targets are for 2 cores and speak about';

function legend(r: MatrixReport): string {
  const ratio =
    r.compareColumn === null
      ? ''
      : `; ratio = ours ÷ ${r.compareColumn} (above 1: ours is higher, which is better for msgs/s; for ms, B/msg and MB lower is better, so below 1 favours ours)`;
  return `${LEGEND} ${r.defaultColumn}${ratio}`;
}

/** Aligned plain text. */
export function formatMatrixText(r: MatrixReport): string {
  const g = grid(r);
  const widths = g[0]!.map((_, i) => Math.max(...g.map((row) => row[i]!.length)));
  const line = (row: string[]): string =>
    row
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [...r.header, '', line(g[0]!), rule, ...g.slice(1).map(line), ''];
  out.push(legend(r), '', ...details(r));
  return `${out.join('\n')}\n`;
}

/** A Markdown document with the same table. */
export function formatMatrixMarkdown(r: MatrixReport): string {
  const g = grid(r);
  const row = (cells: string[]): string => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  const align = g[0]!.map((_, i) => (i === 0 ? ':---' : '---:'));
  const out = [`# nsq-ts bench, ${r.startedAt}`, '', ...r.header.map((h) => `${h}  `), ''];
  out.push(row(g[0]!), row(align), ...g.slice(1).map(row), '');
  out.push(`${legend(r)}.`, '', '## Details', '', ...details(r).map((d) => `- ${d}`), '');
  return out.join('\n');
}
