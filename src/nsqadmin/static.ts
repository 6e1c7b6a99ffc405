/**
 * The UI's files: the bundle `npm run build` writes to dist/nsqadmin-ui (read once at start-up, or
 * from --dev-static-dir on every request), served under /static/ and /fonts/ with Go's content types;
 * the index page with Go nsqadmin's script variables (same names and quoting, so a script written
 * for Go's page reads ours); and Go's response compression. Owns the loaded files.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { goJsonString } from '../go/json.js';
import type { HttpRequest, HttpResponse } from '../http/request.js';
import { plainText } from '../http/v1.js';
import { NSQADMIN_VERSION } from './options.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

/** where `npm run build` puts the bundle, from dist/src/nsqadmin/ */
export const DEFAULT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../nsqadmin-ui');

export class StaticAssets {
  private readonly files = new Map<string, Buffer>();
  readonly dir: string;

  constructor(dir: string = DEFAULT_UI_DIR) {
    this.dir = dir;
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) this.files.set(name, readFileSync(path.join(dir, name)));
  }

  get built(): boolean {
    return this.files.has('main.js');
  }

  /** GET /static/:asset and /fonts/:asset */
  serve(name: string, devDir: string): HttpResponse {
    let body: Buffer | undefined;
    if (devDir !== '') {
      try {
        body = readFileSync(path.join(devDir, path.basename(name)));
      } catch {
        body = undefined;
      }
    } else {
      body = this.files.get(name);
    }
    if (body === undefined) return plainText(404, 'NOT_FOUND');
    const type = TYPES[path.extname(name)];
    return { status: 200, headers: type === undefined ? [] : [['Content-Type', type]], body };
  }
}

export interface IndexVars {
  basePath: string;
  graphiteUrl: string;
  proxyGraphite: boolean;
  statsdInterval: number;
  statsdCounterFormat: string;
  statsdGaugeFormat: string;
  statsdPrefix: string;
  lookupds: readonly string[];
  isAdmin: boolean;
  /** nsq-ts's extras, as one JSON object */
  extras: Record<string, unknown>;
}

/** path.Join(base, p) */
export function joinBase(base: string, p: string): string {
  return base === '/' ? p : p === '/' ? base : `${base}${p}`;
}

/** the index page every UI route answers, Go's script variables first */
export function indexPage(v: IndexVars, built: boolean): HttpResponse {
  const bp = (p: string): string => joinBase(v.basePath, p);
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>nsqadmin</title>
    <link rel="icon" type="image/svg+xml" href="${bp('/static/favicon.svg')}">
    <link rel="stylesheet" href="${bp('/static/main.css')}">
    <script type="text/javascript">
        var USER_AGENT = 'nsqadmin/v${NSQADMIN_VERSION}';
        var VERSION = "${NSQADMIN_VERSION}";
        var GRAPHITE_URL = ${v.proxyGraphite ? "''" : goJsonString(v.graphiteUrl)};
        var GRAPH_ENABLED = ${v.graphiteUrl !== ''};
        var STATSD_COUNTER_FORMAT = ${goJsonString(v.statsdCounterFormat)};
        var STATSD_GAUGE_FORMAT = ${goJsonString(v.statsdGaugeFormat)};
        var STATSD_INTERVAL =  ${Math.floor(v.statsdInterval / 1000)} ;
        var STATSD_PREFIX = ${goJsonString(v.statsdPrefix)};
        var NSQLOOKUPD = [${v.lookupds.map((a) => `${goJsonString(a)},`).join('')}];
        var IS_ADMIN =  ${v.isAdmin} ;
        var BASE_PATH = ${goJsonString(v.basePath)};
        var NSQTS = ${JSON.stringify(v.extras).replace(/</g, '\\u003c')};
    </script>
</head>
<body>
    <div id="container">${built ? '' : '<p>The nsqadmin UI is not built: run <code>npm run build</code>.</p>'}</div>
    <script src="${bp('/static/main.js')}"></script>
</body>
</html>
`;
  return { status: 200, headers: [['Content-Type', 'text/html']], body: html };
}

/** Go's gzip/deflate handler: the first Accept-Encoding token that is gzip or deflate wins */
export function compress(req: HttpRequest, res: HttpResponse): HttpResponse {
  const first = (req.header('accept-encoding') ?? '')
    .split(',')
    .map((s) => s.trim())
    .find((s) => s === 'gzip' || s === 'deflate');
  if (first === undefined || res.body.length === 0) return res;
  const body = first === 'gzip' ? gzipSync(res.body) : deflateSync(res.body);
  return {
    status: res.status,
    headers: [...res.headers, ['Content-Encoding', first], ['Vary', 'Accept-Encoding']],
    body,
  };
}
