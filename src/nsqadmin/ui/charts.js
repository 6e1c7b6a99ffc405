/**
 * The built-in charts (no graphite): series from the admin's poll loop (/ext/series), fetched every
 * poll interval, drawn with uPlot on canvas. One <Charts> fetches once for all its charts.
 */

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, html, LIVE_MS, percentileName } from './lib.js';

const COLORS = ['#2a6ebb', '#d9534f', '#5cb85c', '#f0ad4e', '#8e44ad', '#16a085', '#7f8c8d', '#c0392b'];

/** an axis label: ms become s from 1000 ms; large counts shorten to k/M */
function fmt(v, unit) {
  if (v === null) return '';
  if (unit === 'ms') return v >= 1000 ? `${+(v / 1000).toFixed(1)}s` : `${+v.toFixed(1)}ms`;
  if (Math.abs(v) >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (Math.abs(v) >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

function Chart({ title, t, lines, unit }) {
  const ref = useRef(null);
  const plot = useRef(null);
  const width = () => Math.max(260, Math.min(560, (ref.current?.parentElement?.clientWidth ?? 600) - 8));
  useEffect(() => {
    const data = [t.map((x) => x / 1000), ...lines.map((l) => l.values)];
    const shape = lines.map((l) => l.label).join('|');
    if (plot.current && plot.current._shape === shape) {
      plot.current.setData(data);
      return;
    }
    plot.current?.destroy();
    const opts = {
      width: width(),
      height: 170,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] } },
      axes: [{}, { size: 64, values: (_u, vals) => vals.map((v) => fmt(v, unit)) }],
      series: [
        {},
        ...lines.map((l, i) => ({
          label: l.label,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          spanGaps: false,
        })),
      ],
    };
    plot.current = new uPlot(opts, data, ref.current);
    plot.current._shape = shape;
  }, [t, lines]);
  useEffect(() => () => plot.current?.destroy(), []);
  return html`<figure class="chart" data-test="chart"><figcaption>${title}</figcaption><div ref=${ref}></div></figure>`;
}

/**
 * `query`: /ext/series query string (key=…&prefix=…); `build(series)` → [{ title, lines, unit }].
 */
export function Charts({ query, build }) {
  const [series, setSeries] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (LIVE_MS === 0) return undefined;
    let stop = false;
    let timer = 0;
    const load = async () => {
      try {
        const r = await api('GET', `/ext/series?${query}`);
        if (!stop) {
          setSeries(r.series);
          setError('');
        }
      } catch (e) {
        if (!stop) setError(e.message);
      }
      if (!stop) timer = setTimeout(load, LIVE_MS);
    };
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [query]);
  if (LIVE_MS === 0) return null;
  if (error) return html`<div class="alert alert-warning">charts: ${error}</div>`;
  if (series === null) return html`<div class="charts muted">Collecting samples…</div>`;
  const charts = build(series).filter((c) => c.lines.length > 0 && c.t.length > 0);
  return html`<section class="charts" aria-label="charts">
    ${charts.map((c) => html`<${Chart} key=${c.title} ...${c} />`)}
  </section>`;
}

/** the lines for `field` of each series key, on the time axis of the first */
export function linesOf(series, keys, field, label) {
  const first = keys.map((k) => series[k]).find((s) => s);
  if (!first) return { t: [], lines: [] };
  const t = first.t;
  const lines = keys
    .filter((k) => series[k])
    .map((k) => {
      const s = series[k];
      const byTime = new Map(s.t.map((x, i) => [x, s.fields[field][i]]));
      return { label: label(k), values: t.map((x) => byTime.get(x) ?? null) };
    })
    .filter((l) => l.values.some((v) => v !== null));
  return { t, lines };
}

/** e2e latency lines of one series (its quantiles as labels), in ms */
export function e2eLines(series, key) {
  const s = series[key];
  if (!s) return { t: [], lines: [] };
  const lines = s.quantiles.map((q, i) => ({ label: percentileName(q), values: s.fields[`e2e_p${i + 1}`] }));
  return { t: s.t, lines: lines.filter((l) => l.values.some((v) => v !== null)) };
}
