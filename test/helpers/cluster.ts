/**
 * A cluster of real processes for the tests that run nsq-ts as an operator does: nsqlookupd and
 * nsqd children on 127.0.0.1 port 0, each ready once it has logged both listening lines, stopped
 * with SIGTERM (SIGKILL past a bound); and the polling the tests use to watch a lookupd's view
 * settle. Under `npm run test:no-addons` the children run without addons too.
 */

import type { ChildProcess } from 'node:child_process';
import { NSQD_MAIN, NSQLOOKUPD_MAIN, startProgram as startChild } from './process.js';

export { NSQLOOKUPD_MAIN };

export interface Program {
  readonly proc: ChildProcess;
  readonly tcpPort: number;
  readonly httpPort: number;
  /** `127.0.0.1:<tcp port>` */
  readonly tcpAddress: string;
  /** `http://127.0.0.1:<http port>` */
  readonly http: string;
  /** stderr so far */
  stderr(): string;
  /** SIGTERM, then SIGKILL past a bound; resolves once it exited */
  stop(): Promise<void>;
}

/** starts `node <main> <args>` (./process.ts) and resolves once it logged where TCP and HTTP listen */
export async function startProgram(main: string, args: string[]): Promise<Program> {
  const p = await startChild(main, args, [], process.env, true);
  return {
    proc: p.proc,
    tcpPort: p.port,
    httpPort: p.httpPort,
    tcpAddress: `127.0.0.1:${p.port}`,
    http: `http://127.0.0.1:${p.httpPort}`,
    stderr: p.stderr,
    async stop() {
      await p.stop();
    },
  };
}

/** our nsqlookupd with `extra` flags; port 0 picks a free port */
export function startLookupd(tcpPort = 0, httpPort = 0, extra: string[] = []): Promise<Program> {
  return startProgram(NSQLOOKUPD_MAIN, [
    `--tcp-address=127.0.0.1:${tcpPort}`,
    `--http-address=127.0.0.1:${httpPort}`,
    '--broadcast-address=127.0.0.1',
    ...extra,
  ]);
}

/** our nsqd registering with `lookupds`, broadcasting 127.0.0.1 */
export function startNsqdNode(
  lookupds: readonly Program[],
  dataPath: string,
  extra: string[] = [],
): Promise<Program> {
  return startProgram(NSQD_MAIN, [
    '--tcp-address=127.0.0.1:0',
    '--http-address=127.0.0.1:0',
    '--broadcast-address=127.0.0.1',
    `--data-path=${dataPath}`,
    ...lookupds.map((l) => `--lookupd-tcp-address=${l.tcpAddress}`),
    ...extra,
  ]);
}

/** one nsqlookupd and two nsqd registering with it, with data in `dataPaths` and `extra` flags each */
export async function startTwoNodeCluster(
  dataPaths: readonly [string, string],
  extra: string[] = [],
): Promise<[lookupd: Program, a: Program, b: Program]> {
  const lookupd = await startLookupd();
  try {
    const [a, b] = await Promise.all(dataPaths.map((d) => startNsqdNode([lookupd], d, extra)));
    return [lookupd, a!, b!];
  } catch (err) {
    await lookupd.stop();
    throw err;
  }
}

/** stops the nsqd nodes together, then the lookupd (any of them may never have started) */
export async function stopCluster(
  lookupd: Program | undefined,
  ...nodes: (Program | undefined)[]
): Promise<void> {
  await Promise.all(nodes.map((n) => n?.stop()));
  await lookupd?.stop();
}

/** `127.0.0.1:<http port>`: the node name nsqadmin and a lookupd's /nodes give an nsqd */
export const nodeName = (p: Program): string => `127.0.0.1:${p.httpPort}`;

/** a JSON document as the tests read it (field by field, as the golden shapes name them) */
// biome-ignore lint/suspicious/noExplicitAny: documents are checked by the assertions themselves
export type Doc = any;

/** one topic of an nsqd's /stats?format=json (undefined when the nsqd has no such topic) */
export async function nsqdTopic(p: Program, topic: string): Promise<Doc> {
  const s = (await httpJson(`${p.http}/stats?format=json&topic=${encodeURIComponent(topic)}`)) as Doc;
  return (s.topics ?? []).find((t: Doc) => t.topic_name === topic);
}

/** POST /pub of one message to an nsqd; rejects unless it answers 2xx */
export async function nsqdPub(p: Program, topic: string, body: string): Promise<void> {
  await httpText(`${p.http}/pub?topic=${encodeURIComponent(topic)}`, 'POST', body);
}

/** an HTTP call's body as text; rejects on a non-2xx status */
export async function httpText(url: string, method = 'GET', body?: string): Promise<string> {
  const res = await fetch(url, { method, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text;
}

/** an HTTP call's body parsed as JSON (null when empty); rejects on a non-2xx status */
export async function httpJson(url: string, method = 'GET', body?: string): Promise<unknown> {
  const text = await httpText(url, method, body);
  return text === '' ? null : JSON.parse(text);
}

/** POST with no body, as nsqadmin calls the admin endpoints */
export async function httpPost(url: string): Promise<void> {
  await httpText(url, 'POST');
}

/**
 * Polls `probe` every 50 ms until it returns something other than undefined, and returns that;
 * rejects after `timeoutMs` with the last value seen, so a failure says what the cluster showed.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** a lookupd's /nodes as `<tcp port> → sorted topics` */
export async function nodesOf(lookupd: Program): Promise<Map<number, string[]>> {
  const r = (await httpJson(`${lookupd.http}/nodes`)) as {
    producers: { tcp_port: number; topics: string[] }[];
  };
  return new Map(r.producers.map((p) => [p.tcp_port, [...p.topics].sort()]));
}

/** a lookupd's /lookup?topic= as sorted producer TCP ports ([] for TOPIC_NOT_FOUND) and sorted channels */
export async function lookupOf(
  lookupd: Program,
  topic: string,
): Promise<{ ports: number[]; channels: string[] }> {
  const res = await fetch(`${lookupd.http}/lookup?topic=${encodeURIComponent(topic)}`);
  if (res.status === 404) return { ports: [], channels: [] };
  const r = (await res.json()) as { producers: { tcp_port: number }[]; channels: string[] };
  return {
    ports: r.producers.map((p) => p.tcp_port).sort((a, b) => a - b),
    channels: [...r.channels].sort(),
  };
}

/** a lookupd's /channels?topic= sorted */
export async function channelsOf(lookupd: Program, topic: string): Promise<string[]> {
  const r = (await httpJson(`${lookupd.http}/channels?topic=${encodeURIComponent(topic)}`)) as {
    channels: string[];
  };
  return [...r.channels].sort();
}
