/**
 * The UI's plumbing: the page's server variables, URLs under BASE_PATH, requests to /api and /ext
 * with Go's UI headers and error texts, client-side navigation, polling hooks, and the number and
 * duration formats of Go's nsqadmin (commafy, nanotohuman, percentile names). No page markup.
 */

import htm from 'htm';
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export const html = htm.bind(h);

const w = /** @type {any} */ (window);
export const BASE = w.BASE_PATH === '/' ? '' : (w.BASE_PATH ?? '');
export const IS_ADMIN = w.IS_ADMIN === true;
export const LOOKUPDS = w.NSQLOOKUPD ?? [];
export const VERSION = w.VERSION ?? '';
export const EXTRAS = w.NSQTS ?? { stats_interval: 0, login: false, user: '' };
export const LIVE_MS = EXTRAS.stats_interval > 0 ? Math.max(1000, EXTRAS.stats_interval) : 0;

export const url = (p) => `${BASE}${p}`;
export const enc = encodeURIComponent;

/** fetch JSON the way Go's UI does; rejects with the message to show */
export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(url(path), {
      method,
      headers: {
        Accept: 'application/vnd.nsq; version=1.0',
        'X-UserAgent': `nsqadmin/v${VERSION}`,
        'Content-Type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: AbortSignal.timeout(20_000),
    });
  } catch {
    throw new Error('ERROR: failed to connect to nsqadmin');
  }
  let data;
  try {
    data = await res.json();
  } catch (e) {
    throw new Error(`ERROR: failed to decode JSON - ${e.message}`);
  }
  if (!res.ok) throw new Error(data?.message ?? `ERROR: ${res.status}`);
  return data;
}

const listeners = new Set();
export function navigate(path) {
  history.pushState(null, '', url(path));
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}
export function useLocation() {
  const [, set] = useState(0);
  useEffect(() => {
    const l = () => set((n) => n + 1);
    listeners.add(l);
    window.addEventListener('popstate', l);
    return () => {
      listeners.delete(l);
      window.removeEventListener('popstate', l);
    };
  }, []);
  const p = location.pathname.slice(BASE.length) || '/';
  return p;
}

/** an <a> that navigates in place (ctrl/meta-click opens a new tab) */
export function Link({ to, children, ...rest }) {
  const onClick = (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return html`<a href=${url(to)} onClick=${onClick} ...${rest}>${children}</a>`;
}

/**
 * Loads `first` (Go's /api) once, then, when the admin polls the cluster, `live` (/ext/live, the
 * same document from the admin's last poll) every LIVE_MS. `reload()` asks /api again. A null
 * `first` loads nothing.
 */
export function useData(first, live, deps = []) {
  const [state, setState] = useState({ data: null, error: '', loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stop = false;
    let timer = 0;
    if (first === null) return undefined;
    // a reload keeps showing the numbers it has until the new ones arrive
    setState((s) => ({ ...s, loading: s.data === null }));
    api('GET', first).then(
      (data) => !stop && setState({ data, error: '', loading: false }),
      (e) => !stop && setState({ data: null, error: e.message, loading: false }),
    );
    if (live !== null && LIVE_MS > 0) {
      const poll = async () => {
        try {
          const data = await api('GET', live);
          if (!stop)
            setState((s) => ({
              data: { ...data, message: s.data?.message || data.message },
              error: '',
              loading: false,
            }));
        } catch {
          // keep the last numbers; the next poll tries again
        }
        if (!stop) timer = setTimeout(poll, LIVE_MS);
      };
      timer = setTimeout(poll, LIVE_MS);
    }
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function useInterval(f, ms) {
  const ref = useRef(f);
  ref.current = f;
  useEffect(() => {
    if (ms <= 0) return undefined;
    const t = setInterval(() => ref.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}

export function commafy(n) {
  return (n ?? 0).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const round2 = (x) => Math.round(x * 100) / 100;

/** Go UI's nanotohuman: 999ns, 1.5us, 2.5ms, 2.52s, 1m1s, 1h2m3s */
export function nanotohuman(n) {
  if (n === undefined || n === null) return '';
  if (n < 1e3) return `${n}ns`;
  if (n < 1e6) return `${round2(n / 1e3)}us`;
  if (n < 1e9) return `${round2(n / 1e6)}ms`;
  const s = n / 1e9;
  if (s < 60) return `${round2(s)}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${m}m${sec}s` : `${m}m${sec}s`;
}

/** 0.99 → 99th, 0.5 → 50th (Go UI's suffix rule, 0.11 → 11st included) */
export function percentileName(q) {
  const n = Math.floor(q * 100);
  const last = n % 10;
  return `${n}${last === 1 ? 'st' : last === 2 ? 'nd' : last === 3 ? 'rd' : 'th'}`;
}

export function rate(r) {
  return r === null || r === undefined ? '–' : r < 10 ? r.toFixed(2) : commafy(Math.round(r));
}
