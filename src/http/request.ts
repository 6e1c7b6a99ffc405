/**
 * A request and a response as every program's handlers see them: what a server parsed off the wire
 * (Go's URL.Path and ParseQuery semantics), and the status, headers and body to write back. No I/O.
 */

import { decodePath, parseQuery } from './router.js';

export interface HttpRequest {
  method: string;
  /** the path as sent, before decoding */
  rawPath: string;
  /** the percent-decoded path (Go's URL.Path) */
  path: string;
  /** the query string as sent, without '?' */
  rawQuery: string;
  /** Go's url.ParseQuery of rawQuery (first value wins with .get()); null where Go fails to parse it */
  query: URLSearchParams | null;
  /** the values of the route's `:name` segments, in order (set by the route table on dispatch) */
  params: readonly string[];
  /** the body, cut at the plan's `limit` bytes */
  body: Buffer;
  /** the Content-Length header, null when absent (chunked) */
  contentLength: number | null;
  header(name: string): string | undefined;
  /** the client as Go's Request.RemoteAddr (`ip:port`; the ip alone where the server gives no port) */
  remoteAddr(): string;
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: Buffer | string;
}

/** Builds the request object a route table dispatches from what a server parsed off the wire. */
export function newRequest(
  method: string,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  contentLength: number | null,
  header: (name: string) => string | undefined,
  remoteAddr: () => string = noRemote,
): HttpRequest {
  return {
    method,
    rawPath,
    path: decodePath(rawPath),
    rawQuery,
    query: parseQuery(rawQuery),
    params: [],
    body,
    contentLength,
    header,
    remoteAddr,
  };
}

function noRemote(): string {
  return '';
}
