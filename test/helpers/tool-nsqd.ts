/**
 * For the tools' end-to-end tests: an nsqd on 127.0.0.1 port 0 whose TCP and HTTP addresses are
 * known, HTTP calls to it, and publishing over its /mpub.
 */

import { request } from 'node:http';
import { NSQD_MAIN, startProgram } from './process.js';

export interface ToolNsqd {
  /** `127.0.0.1:<tcp port>` */
  tcp: string;
  /** `127.0.0.1:<http port>` */
  http: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** an nsqd with `dataPath` on 127.0.0.1 port 0, ready once both listening lines are logged */
export async function startToolNsqd(dataPath: string, extra: string[] = []): Promise<ToolNsqd> {
  const n = await startProgram(
    NSQD_MAIN,
    ['--tcp-address=127.0.0.1:0', '--http-address=127.0.0.1:0', `--data-path=${dataPath}`, ...extra],
    [],
    process.env,
    true,
  );
  return {
    tcp: `127.0.0.1:${n.port}`,
    http: `127.0.0.1:${n.httpPort}`,
    stderr: n.stderr,
    stop: async () => {
      await n.stop();
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
