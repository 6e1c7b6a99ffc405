/**
 * Graphite, when --graphite-url is given: GET /api/graphite?metric=rate&target=T (the rate of a
 * counter over the last statsd interval, Go's texts) and, with --proxy-graphite, GET /render passed
 * through to graphite's scheme and host with Basic auth from the URL's user:pass. Owns nothing.
 */

import { goJson } from '../go/json.js';
import type { HttpRequest, HttpResponse } from '../http/request.js';
import { v1Error, v1RawJson } from '../http/v1.js';
import type { AdminContext } from './context.js';

export async function graphiteHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  if (req.query.get('metric') !== 'rate') return v1Error(400, 'INVALID_ARG_METRIC');
  const target = req.query.get('target');
  if (target === null) return v1Error(400, 'INVALID_ARG_TARGET');
  const interval = Math.floor(ctx.opts.statsdInterval / 1000);
  // url.Values.Encode: keys sorted
  const params = new URLSearchParams([
    ['format', 'json'],
    ['from', `-${interval * 2}sec`],
    ['target', target],
    ['until', `-${interval}sec`],
  ]);
  const url = `${ctx.opts.graphiteUrl}/render?${params.toString()}`;
  ctx.log.info(`GRAPHITE: ${url}`);
  try {
    const response = (await ctx.upstream.getV1(url)) as { datapoints?: (number | null)[][] }[];
    const rate = response[0]?.datapoints?.[0]?.[0];
    if (typeof rate !== 'number') throw new Error('no datapoint');
    return v1RawJson(goJson({ rate: rate < 0 ? 'N/A' : (rate / interval).toFixed(2) }));
  } catch (err) {
    ctx.log.error(`graphite request failed - ${(err as Error).message}`);
    return v1Error(500, 'INTERNAL_ERROR');
  }
}

/** --proxy-graphite: GET <base>/render → <graphite scheme+host>/render?<query> */
export async function renderProxy(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  const g = new URL(ctx.opts.graphiteUrl);
  const url = `${g.protocol}//${g.host}${req.rawPath}${req.rawQuery === '' ? '' : `?${req.rawQuery}`}`;
  const headers: Record<string, string> = {};
  if (g.username !== '') {
    const auth = `${decodeURIComponent(g.username)}:${decodeURIComponent(g.password)}`;
    headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  }
  try {
    const res = await ctx.upstream.request('GET', url, null, headers);
    return { status: res.status, headers: [], body: res.body };
  } catch (err) {
    ctx.log.error(`http: proxy error: ${(err as Error).message}`);
    return { status: 502, headers: [], body: '' };
  }
}
