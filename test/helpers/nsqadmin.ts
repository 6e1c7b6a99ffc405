/**
 * nsqadmin for the tests: our nsqadmin as a child process on 127.0.0.1 port 0 (ready once it logs
 * where HTTP listens), a V1-aware JSON caller, a notification endpoint that records the POSTs it
 * gets, and a minimal V2 consumer (IDENTIFY, SUB, RDY) to give a channel a client.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { encodeCommand } from '../../src/wire/encode.js';
import type { Doc } from './cluster.js';
import { LANE_ARGS } from './nsqd-process.js';

export const NSQADMIN_MAIN = fileURLToPath(new URL('../../src/nsqadmin/main.js', import.meta.url));

export interface Admin {
  proc: ChildProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

export function startAdmin(args: string[]): Promise<Admin> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [...LANE_ARGS, NSQADMIN_MAIN, '--http-address=127.0.0.1:0', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    let exited = false;
    const exit = new Promise<void>((res) =>
      proc.on('exit', () => {
        exited = true;
        res();
      }),
    );
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`nsqadmin: no listening line: ${stderr}`));
    }, 15_000);
    proc.on('exit', () => {
      clearTimeout(t);
      reject(new Error(`nsqadmin exited early: ${stderr}`));
    });
    proc.stderr!.on('data', (d) => {
      stderr += d;
      const m = /HTTP: listening on \S*:(\d+)/.exec(stderr);
      if (m === null) return;
      clearTimeout(t);
      const port = Number(m[1]);
      resolve({
        proc,
        port,
        url: `http://127.0.0.1:${port}`,
        stderr: () => stderr,
        async stop() {
          if (exited) return;
          proc.kill('SIGTERM');
          const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
          await exit;
          clearTimeout(kill);
        },
      });
    });
  });
}

export type { Doc };

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Doc;
}

/** one request; the body parsed as JSON when it is */
export async function call(
  url: string,
  method = 'GET',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    redirect: 'manual',
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** an HTTP server that records every POST body (as parsed JSON) */
export async function notificationSink(): Promise<{ url: string; got: Doc[]; close(): Promise<void> }> {
  const got: Doc[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ ...JSON.parse(body), _headers: req.headers });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** a V2 consumer on topic/channel with `rdy` in flight (it never finishes a message) */
export async function subscribe(
  tcpPort: number,
  topic: string,
  channel: string,
  rdy = 0,
): Promise<net.Socket> {
  const sock = net.connect(tcpPort, '127.0.0.1');
  await new Promise<void>((r, j) => {
    sock.once('connect', r);
    sock.once('error', j);
  });
  sock.on('error', () => {});
  sock.on('data', () => {});
  sock.write('  V2');
  const identify = JSON.stringify({
    client_id: 'tester',
    hostname: 'tester.local',
    user_agent: 'nsqadmin-test/1.0',
  });
  sock.write(encodeCommand('IDENTIFY', Buffer.from(identify)));
  sock.write(encodeCommand(`SUB ${topic} ${channel}`));
  sock.write(encodeCommand(`RDY ${rdy}`));
  return sock;
}
