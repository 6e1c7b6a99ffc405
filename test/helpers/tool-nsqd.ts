/**
 * For the tools' end-to-end tests: an nsqd on 127.0.0.1 port 0 whose TCP and HTTP addresses are
 * known, HTTP calls to it, and publishing over its /mpub.
 */

import { request } from 'node:http';
import { type StartedNsqd, startNsqd } from './nsqd-process.js';

export interface ToolNsqd extends StartedNsqd {
  tcp: string;
  http: string;
  stop(): Promise<void>;
}

/** an nsqd with `dataPath`, its `host:port` addresses read from its listening lines */
export async function startToolNsqd(dataPath: string, extra: string[] = []): Promise<ToolNsqd> {
  const n = await startNsqd([
    '--tcp-address=127.0.0.1:0',
    '--http-address=127.0.0.1:0',
    `--data-path=${dataPath}`,
    ...extra,
  ]);
  const deadline = Date.now() + 10_000;
  let m: RegExpExecArray | null = null;
  while ((m = /HTTP: listening on .*:(\d+)/.exec(n.stderr())) === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (m === null) throw new Error(`no HTTP listening line: ${n.stderr()}`);
  return {
    ...n,
    tcp: `127.0.0.1:${n.port}`,
    http: `127.0.0.1:${m[1]}`,
    stop: async () => {
      n.proc.kill('SIGTERM');
      await n.exit;
    },
  };
}

/** an HTTP request to `addr`; resolves with the status and body */
export function httpCall(
  addr: string,
  method: string,
  pathQuery: string,
  body?: string | Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const [host, port] = addr.split(':');
    const req = request({ host, port: Number(port), method, path: pathQuery }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** publishes the bodies to `topic` with one /mpub (newline-separated); throws unless 200 */
export async function publish(n: ToolNsqd, topic: string, bodies: readonly string[]): Promise<void> {
  const r = await httpCall(n.http, 'POST', `/mpub?topic=${encodeURIComponent(topic)}`, bodies.join('\n'));
  if (r.status !== 200) throw new Error(`mpub ${r.status} ${r.body}`);
}
