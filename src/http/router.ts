/**
 * Request routing as nsqd's julienschmidt/httprouter v1.3 does it, plus Go's URL decoding: exact
 * method + path lookup (`:param` segments), trailing-slash and fixed-path redirects, OPTIONS,
 * 405 with `Allow`, 404. Pure functions over strings; knows no endpoint and no broker.
 */

/** a registered path: static (`/pub`) or with `:name` segments (`/config/:opt`, `/api/topics/:topic/:channel`) */
interface Pattern {
  readonly path: string;
  /** the path's segments (after the leading '/'); null for a static path */
  readonly segments: readonly string[] | null;
}

export type Match<H> =
  | { kind: 'handler'; handler: H; param: string; params: readonly string[] }
  | { kind: 'redirect'; status: 301 | 307; path: string }
  | { kind: 'options'; allow: string }
  | { kind: 'not-allowed'; allow: string }
  | { kind: 'not-found' };

interface Entry<H> {
  readonly pattern: Pattern;
  readonly handler: H;
}

const NO_PARAMS: readonly string[] = [];

/** One method tree per HTTP method, as httprouter keeps them. */
export class Router<H> {
  private readonly trees = new Map<string, Entry<H>[]>();
  /** `METHOD path` → entry for the static paths (the hot lookup) */
  private readonly exact = new Map<string, Entry<H>>();

  add(method: string, path: string, handler: H): void {
    const pattern: Pattern = { path, segments: path.includes('/:') ? path.slice(1).split('/') : null };
    const entry = { pattern, handler };
    let tree = this.trees.get(method);
    if (tree === undefined) this.trees.set(method, (tree = []));
    tree.push(entry);
    if (pattern.segments === null) this.exact.set(`${method} ${path}`, entry);
  }

  /** the handler registered for exactly this method and path, and the `:param` values in order */
  lookup(method: string, path: string): { handler: H; param: string; params: readonly string[] } | null {
    const e = this.exact.get(`${method} ${path}`);
    if (e !== undefined) return { handler: e.handler, param: '', params: NO_PARAMS };
    for (const entry of this.trees.get(method) ?? []) {
      const params = matchParams(entry.pattern, path);
      if (params !== null) return { handler: entry.handler, param: params[0] ?? '', params };
    }
    return null;
  }

  /** httprouter's ServeHTTP decision for a request */
  match(method: string, path: string): Match<H> {
    const hit = this.lookup(method, path);
    if (hit !== null) return { kind: 'handler', handler: hit.handler, param: hit.param, params: hit.params };
    const tree = this.trees.get(method);
    if (tree !== undefined && method !== 'CONNECT' && path !== '/') {
      const status = method === 'GET' ? 301 : 307;
      // trailing slash redirect: the path exists with (without) the slash
      if (path.length > 1 && path.endsWith('/') && this.lookup(method, path.slice(0, -1)) !== null) {
        return { kind: 'redirect', status, path: path.slice(0, -1) };
      }
      // fixed path redirect: cleaned and case-insensitive
      const fixed = this.findCaseInsensitive(tree, cleanPath(path));
      if (fixed !== null) return { kind: 'redirect', status, path: fixed };
    }
    const allow = this.allowed(path, method);
    if (allow !== '')
      return method === 'OPTIONS' ? { kind: 'options', allow } : { kind: 'not-allowed', allow };
    return { kind: 'not-found' };
  }

  /** the `Allow` header value for path: every other method that has it, plus OPTIONS, sorted */
  allowed(path: string, reqMethod: string): string {
    const methods: string[] = [];
    for (const method of this.trees.keys()) {
      if (method === reqMethod || method === 'OPTIONS') continue;
      if (this.lookup(method, path) !== null) methods.push(method);
    }
    if (methods.length === 0) return '';
    methods.push('OPTIONS');
    return methods.sort().join(', ');
  }

  private findCaseInsensitive(tree: Entry<H>[], path: string): string | null {
    const candidates = [path];
    if (path.length > 1 && path.endsWith('/')) candidates.push(path.slice(0, -1));
    for (const p of candidates) {
      const lower = p.toLowerCase();
      for (const { pattern } of tree) {
        if (pattern.segments === null) {
          if (pattern.path.toLowerCase() === lower) return pattern.path;
          continue;
        }
        const segs = p.slice(1).split('/');
        if (segs.length !== pattern.segments.length) continue;
        const fixed: string[] = [];
        for (let i = 0; i < segs.length; i++) {
          const want = pattern.segments[i]!;
          const got = segs[i]!;
          if (want.startsWith(':')) {
            if (got === '') break;
            fixed.push(got);
          } else if (want.toLowerCase() === got.toLowerCase()) {
            fixed.push(want);
          } else break;
        }
        if (fixed.length === segs.length) return `/${fixed.join('/')}`;
      }
    }
    return null;
  }
}

function matchParams(pattern: Pattern, path: string): string[] | null {
  const want = pattern.segments;
  if (want === null || path[0] !== '/') return null;
  const segs = path.slice(1).split('/');
  if (segs.length !== want.length) return null;
  const params: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const w = want[i]!;
    const got = segs[i]!;
    if (w.startsWith(':')) {
      if (got === '') return null;
      params.push(got);
    } else if (w !== got) return null;
  }
  return params;
}

/** httprouter's CleanPath: path.Clean that keeps a trailing slash and always starts with '/'. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let cleaned = `/${out.join('/')}`;
  const trailing = p.endsWith('/') || p.endsWith('/.');
  if (trailing && cleaned !== '/') cleaned += '/';
  return cleaned;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/** Go's unescape: `%XX` must be two hex digits; `+` means space in query mode. Null on a bad escape. */
function goUnescape(s: string, query: boolean): string | null {
  if (!s.includes('%') && !(query && s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b && query) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's url.ParseQuery: values in order (first wins with .get()); null where Go returns an error. */
export function parseQuery(raw: string): URLSearchParams | null {
  const q = new URLSearchParams();
  let failed = false;
  for (const part of raw.split('&')) {
    if (part.includes(';')) {
      failed = true;
      continue;
    }
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = goUnescape(eq === -1 ? part : part.slice(0, eq), true);
    const value = goUnescape(eq === -1 ? '' : part.slice(eq + 1), true);
    if (key === null || value === null) {
      failed = true;
      continue;
    }
    q.append(key, value);
  }
  return failed ? null : q;
}

/** The request path as Go's `URL.Path` (percent-decoded); a bad escape leaves it raw. */
export function decodePath(raw: string): string {
  return goUnescape(raw, false) ?? raw;
}

/** Go's `URL.EscapedPath` for a path it did not parse (the escaping `http.Redirect` sends). */
export function escapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
