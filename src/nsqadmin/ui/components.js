/**
 * The UI's shared pieces: alerts (WARNING in amber, errors in red), the confirm dialog every
 * destructive action goes through, sortable and filterable tables, e2e percentile cells, and the
 * action buttons that call /api and reload. Markup only; data comes from the pages.
 */

import { useMemo, useState } from 'preact/hooks';
import { api, html, nanotohuman, percentileName } from './lib.js';

export function Alerts({ error, message }) {
  return html`
    ${error ? html`<div class="alert alert-error" role="alert">${error}</div>` : null}
    ${message ? html`<div class="alert alert-warning" role="status">${message}</div>` : null}
  `;
}

export function Spinner() {
  return html`<div class="spinner" aria-busy="true">Loading…</div>`;
}

let openConfirm = null;
/** resolves true when the user confirms `text` */
export function confirmDialog(text) {
  return new Promise((resolve) => openConfirm?.(text, resolve));
}
export function ConfirmHost() {
  const [state, setState] = useState(null);
  openConfirm = (text, resolve) => setState({ text, resolve });
  if (state === null) return null;
  const close = (v) => {
    setState(null);
    state.resolve(v);
  };
  return html`<div class="modal-backdrop" onClick=${() => close(false)}>
    <div class="modal" role="dialog" aria-modal="true" onClick=${(e) => e.stopPropagation()}>
      <p class="modal-text">${state.text}</p>
      <div class="modal-buttons">
        <button class="btn" data-test="cancel" onClick=${() => close(false)}>Cancel</button>
        <button class="btn btn-danger" data-test="confirm" onClick=${() => close(true)}>OK</button>
      </div>
    </div>
  </div>`;
}

/**
 * An admin action button: confirm, call, then `after(result)`; a failure shows in `onError`.
 */
export function ActionButton({ label, cls = 'btn', confirm, method, path, body, after, onError, test }) {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (confirm && !(await confirmDialog(confirm))) return;
    setBusy(true);
    try {
      const r = await api(method, path, body);
      after?.(r);
    } catch (e) {
      onError?.(e.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<button class=${cls} disabled=${busy} data-test=${test} onClick=${run}>${label}</button>`;
}

/** percentile columns' headers */
export function e2eQuantiles(e2e) {
  return (e2e?.percentiles ?? []).map((p) => p.quantile);
}
export function E2eCells({ e2e, quantiles }) {
  return quantiles.map((q) => {
    const p = (e2e?.percentiles ?? []).find((x) => x.quantile === q);
    if (!p) return html`<td></td>`;
    const title = `${percentileName(q).replace(/[a-z]+$/, '')}: min = ${nanotohuman(p.min)}, max = ${nanotohuman(p.max)}`;
    return html`<td title=${title}>${nanotohuman(p.average)}</td>`;
  });
}
/** the average of quantile `q` as text (for table cells built by DataTable) */
export function e2eText(e2e, q) {
  const p = (e2e?.percentiles ?? []).find((x) => x.quantile === q);
  return p ? nanotohuman(p.average) : '';
}
export function E2eHeaders({ quantiles }) {
  return quantiles.map((q) => html`<th>${percentileName(q)}</th>`);
}

/**
 * A table whose columns sort on a click and whose rows a text filter narrows.
 * columns: [{ key, label, value: row → sortable, cell: row → markup, cls }]
 */
export function DataTable({ columns, rows, rowKey, filterKeys, footer, rowClass, test, empty }) {
  const [sort, setSort] = useState({ key: null, dir: 1 });
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    let out = rows;
    if (filter !== '' && filterKeys) {
      const f = filter.toLowerCase();
      out = out.filter((r) => filterKeys(r).some((k) => String(k).toLowerCase().includes(f)));
    }
    if (sort.key !== null) {
      const col = columns.find((c) => c.key === sort.key);
      out = [...out].sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
      });
    }
    return out;
  }, [rows, filter, sort]);
  const head = (c) => {
    if (!c.value) return html`<th class=${c.cls}>${c.label}</th>`;
    const active = sort.key === c.key;
    const next = () => setSort({ key: c.key, dir: active ? -sort.dir : 1 });
    return html`<th class=${`sortable ${c.cls ?? ''}`} aria-sort=${active ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'}>
      <button class="th-sort" onClick=${next}>${c.label}${active ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''}</button>
    </th>`;
  };
  return html`<div class="table-wrap">
    ${
      filterKeys
        ? html`<input class="filter" type="search" placeholder="Filter…" aria-label="Filter" value=${filter}
          onInput=${(e) => setFilter(e.currentTarget.value)} />`
        : null
    }
    <table class="table" data-test=${test}>
      <thead><tr>${columns.map(head)}</tr></thead>
      <tbody>
        ${shown.map((r) => html`<tr key=${rowKey(r)} class=${rowClass?.(r) ?? ''}>${columns.map((c) => html`<td class=${c.cls}>${c.cell(r)}</td>`)}</tr>`)}
        ${shown.length === 0 && empty ? html`<tr><td colspan=${columns.length} class="muted">${empty}</td></tr>` : null}
      </tbody>
      ${footer ? html`<tfoot>${footer}</tfoot>` : null}
    </table>
  </div>`;
}

export function Breadcrumb({ children }) {
  return html`<nav class="breadcrumb" aria-label="breadcrumb">${children}</nav>`;
}
