/**
 * The tables of `npm run bench`: one row per scenario, one column per server (ours per --workers,
 * theirs with --compare), each cell marked against the scenario's target; as aligned text and as
 * Markdown. Pure functions of a MatrixReport.
 */

import { grouped } from './nsq-bench/report.js';

/** MB: 10^6 bytes (an RSS growth) */
export type Unit = 'msgs/s' | 'ms' | 'B/msg' | 'MB';

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
  cells: Record<string, MatrixCell>;
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

export function formatValue(unit: Unit, v: number): string {
  if (unit === 'msgs/s') return grouped(v);
  if (unit === 'ms') return `${v.toFixed(2)} ms`;
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  return `${Math.round(v)} B`;
}

function targetText(row: MatrixRow): string {
  return row.target === null
    ? '—'
    : `${row.target.op === '>=' ? '≥' : '≤'} ${formatValue(row.unit, row.target.value)}`;
}

function cellText(row: MatrixRow, col: string): string {
  const c = row.cells[col];
  if (c === undefined) return '';
  if (c.value === null) return 'failed';
  const mark = row.target === null ? '' : meets(row.target, c.value) ? ' ✓' : ' ✗';
  return `${formatValue(row.unit, c.value)}${mark}`;
}

function ratioText(r: MatrixReport, row: MatrixRow): string {
  const ours = r.compareColumn === null ? undefined : row.cells[r.defaultColumn]?.value;
  const theirs = r.compareColumn === null ? undefined : row.cells[r.compareColumn]?.value;
  if (ours === undefined || ours === null || theirs === undefined || theirs === null || theirs === 0)
    return '—';
  return `×${(ours / theirs).toFixed(2)}`;
}

function statusText(r: MatrixReport, row: MatrixRow): string {
  const v = row.cells[r.defaultColumn]?.value;
  if (row.target === null) return '—';
  if (v === undefined || v === null) return 'missed';
  return meets(row.target, v) ? 'met' : 'missed';
}

/** header, then rows of cells: [scenario, target, ...columns, (ratio), status] */
function grid(r: MatrixReport): string[][] {
  const head = ['scenario', 'target', ...r.columns];
  if (r.compareColumn !== null) head.push('ratio');
  head.push(`${r.defaultColumn}: target`);
  const rows = r.rows.map((row) => {
    const cells = [`${row.label} (${row.unit})`, targetText(row), ...r.columns.map((c) => cellText(row, c))];
    if (r.compareColumn !== null) cells.push(ratioText(r, row));
    cells.push(statusText(r, row));
    return cells;
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
  out.push(
    `${LEGEND} ${r.defaultColumn}${r.compareColumn === null ? '' : '; ratio = ours ÷ theirs (lower is better for ms, B and MB)'}`,
  );
  out.push('', ...details(r));
  return `${out.join('\n')}\n`;
}

/** A Markdown document with the same table. */
export function formatMatrixMarkdown(r: MatrixReport): string {
  const g = grid(r);
  const row = (cells: string[]): string => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  const align = g[0]!.map((_, i) => (i === 0 ? ':---' : '---:'));
  const out = [`# nsq-ts bench, ${r.startedAt}`, '', ...r.header.map((h) => `${h}  `), ''];
  out.push(row(g[0]!), row(align), ...g.slice(1).map(row), '');
  out.push(
    `${LEGEND} ${r.defaultColumn}${r.compareColumn === null ? '' : '; ratio = ours ÷ theirs (lower is better for ms, B and MB)'}.`,
  );
  out.push('', '## Details', '', ...details(r).map((d) => `- ${d}`), '');
  return out.join('\n');
}
