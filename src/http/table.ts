/**
 * A program's route table, the one thing both HTTP servers dispatch to: its routes registered in an
 * httprouter (router.ts), the body plan a server follows before reading a request's body, and the
 * dispatch of a request to its handler, or to httprouter's redirect, OPTIONS, 405 and 404 answers
 * and Go http_api's 500 for a handler that throws, each logged as Go http_api's Log decorator does
 * (`200 GET /ping (127.0.0.1:5555) 12.3µs`). Knows no endpoint and no program.
 */

import { formatGoDuration } from '../go/duration.js';
import { LOG_INFO } from '../log.js';
import type { HttpRequest, HttpResponse } from './request.js';
import { escapePath, type Match, Router } from './router.js';
import { v1Error } from './v1.js';

/** a handler: the program's context (its API, options, log) and a request to a response */
export type Handler<C> = (ctx: C, req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** one endpoint of a program */
export interface Route<C> {
  readonly method: string;
  /** static (`/pub`) or with one trailing `:name` segment (`/config/:opt`) */
  readonly path: string;
  readonly handler: Handler<C>;
  /** see BodyPlan.limit; default 0 (the body is ignored) */
  readonly bodyLimit?: number;
  /** a Content-Length check before the body is read (nsqd's 413s) */
  readonly precheck?: (ctx: C, contentLength: number) => HttpResponse | null;
  /** left out of the request log, as nsqd's /pub and /mpub (no http_api.Log decorator) */
  readonly quiet?: boolean;
}

/** What a server does with a request's body before dispatching it. */
export interface BodyPlan {
  /**
   * bytes of body to buffer; when more arrive the server stops reading, dispatches the first `limit`
   * bytes (the handler answers 413 as nsqd's LimitReader check does) and closes the connection after
   * the response. 0: the endpoint ignores its body; read and drop it.
   */
  limit: number;
  /** answer this at once without reading the body (413 from Content-Length), then close */
  early: HttpResponse | null;
}

export interface RouteTable {
  plan(method: string, path: string, contentLength: number | null): BodyPlan;
  /** routes (404/405/redirects/OPTIONS as httprouter) and runs the handler; never rejects */
  dispatch(req: HttpRequest): Promise<HttpResponse>;
}

/** what the table logs (a program's Logger fits) */
export interface RouteLog {
  /** would a line at this level (log.ts's LOG_*) be written? */
  enabled(level: number): boolean;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

/** Go's http.Redirect: Location, and for GET a short HTML body */
function redirect(req: HttpRequest, status: number, path: string): HttpResponse {
  const url = escapePath(path) + (req.rawQuery === '' ? '' : `?${req.rawQuery}`);
  if (req.method !== 'GET') return { status, headers: [['Location', url]], body: '' };
  const text = status === 301 ? 'Moved Permanently' : 'Temporary Redirect';
  const body = `<a href="${url.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)}">${text}</a>.\n\n`;
  return {
    status,
    headers: [
      ['Location', url],
      ['Content-Type', 'text/html; charset=utf-8'],
    ],
    body,
  };
}

class Table<C> implements RouteTable {
  private readonly ctx: C;
  private readonly router = new Router<Route<C>>();
  private readonly log: RouteLog | undefined;

  constructor(ctx: C, routes: readonly Route<C>[], log: RouteLog | undefined) {
    this.ctx = ctx;
    this.log = log;
    for (const r of routes) this.router.add(r.method, r.path, r);
  }

  plan(method: string, path: string, contentLength: number | null): BodyPlan {
    const hit = this.router.lookup(method, path);
    if (hit === null) return { limit: 0, early: null };
    const route = hit.handler;
    const early = contentLength === null ? null : (route.precheck?.(this.ctx, contentLength) ?? null);
    return { limit: early === null ? (route.bodyLimit ?? 0) : 0, early };
  }

  async dispatch(req: HttpRequest): Promise<HttpResponse> {
    const m = this.router.match(req.method, req.path);
    const log = this.log;
    // http_api.Log times the handler alone; httprouter's redirects and OPTIONS are not logged
    const logged =
      log?.enabled(LOG_INFO) === true &&
      (m.kind === 'handler' ? m.handler.quiet !== true : m.kind === 'not-allowed' || m.kind === 'not-found');
    const started = logged ? performance.now() : 0;
    const res = await this.answer(m, req);
    if (logged) {
      const uri = req.rawQuery === '' ? req.rawPath : `${req.rawPath}?${req.rawQuery}`;
      const took = formatGoDuration(performance.now() - started);
      log!.info(`${res.status} ${req.method} ${uri} (${req.remoteAddr()}) ${took}`);
    }
    return res;
  }

  private async answer(m: Match<Route<C>>, req: HttpRequest): Promise<HttpResponse> {
    switch (m.kind) {
      case 'handler':
        req.params = m.params;
        try {
          return await m.handler.handler(this.ctx, req);
        } catch (err) {
          this.log?.error(`panic in HTTP handler - ${err instanceof Error ? err.message : String(err)}`);
          return v1Error(500, 'INTERNAL_ERROR');
        }
      case 'redirect':
        return redirect(req, m.status, m.path);
      case 'options':
        return { status: 200, headers: [['Allow', m.allow]], body: '' };
      case 'not-allowed': {
        const r = v1Error(405, 'METHOD_NOT_ALLOWED');
        r.headers.push(['Allow', m.allow]);
        return r;
      }
      case 'not-found':
        return v1Error(404, 'NOT_FOUND');
    }
  }
}

/** The table of `routes`, each handler called with `ctx`; `log` hears of handlers that throw. */
export function createRouteTable<C>(ctx: C, routes: readonly Route<C>[], log?: RouteLog): RouteTable {
  return new Table(ctx, routes, log);
}
