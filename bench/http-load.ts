/**
 * A light HTTP/1.1 load generator for the matrix's HTTP publish rows: keep-alive connections on
 * 127.0.0.1, each with a fixed number of pipelined `POST /pub` requests in flight (closed loop),
 * counting `200 OK` answers by their `\r\n\r\nOK` ending. Raw sockets keep the generator cheap, so
 * the server is what is measured. Bounded by time; stops by itself.
 */

import { connect, type Socket } from 'node:net';

export interface HttpLoadResult {
  acked: number;
  elapsedMs: number;
  errors: number;
}

const OK_END = Buffer.from('\r\n\r\nOK');

export function httpPubLoad(
  port: number,
  topic: string,
  size: number,
  conns: number,
  inFlight: number,
  durationMs: number,
): Promise<HttpLoadResult> {
  const body = Buffer.alloc(size, 0x61);
  const head = Buffer.from(
    `POST /pub?topic=${topic} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${size}\r\n\r\n`,
    'latin1',
  );
  const request = Buffer.concat([head, body]);
  const burst = Buffer.concat(Array.from({ length: inFlight }, () => request));
  let acked = 0;
  let errors = 0;
  const t0 = performance.now();
  const endAt = t0 + durationMs;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s: Socket = connect(port, '127.0.0.1');
      s.setNoDelay(true);
      let outstanding = 0;
      let tail = Buffer.alloc(0);
      const send = (n: number): void => {
        s.write(n === inFlight ? burst : burst.subarray(0, n * request.length));
        outstanding += n;
      };
      s.on('connect', () => send(inFlight));
      s.on('data', (chunk: Buffer) => {
        const buf = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        let got = 0;
        let at = buf.indexOf(OK_END);
        let last = 0;
        while (at >= 0) {
          got++;
          last = at + OK_END.length;
          at = buf.indexOf(OK_END, last);
        }
        tail = Buffer.from(buf.subarray(Math.max(last, buf.length - OK_END.length + 1)));
        if (buf.includes('HTTP/1.1 5') || buf.includes('HTTP/1.1 4')) errors++;
        acked += got;
        outstanding -= got;
        if (performance.now() < endAt) {
          if (got > 0) send(got);
        } else if (outstanding === 0) s.end();
      });
      s.on('error', () => {
        errors++;
        resolve();
      });
      s.on('close', () => resolve());
      setTimeout(() => s.destroy(), durationMs + 2000).unref();
    });
  return Promise.all(Array.from({ length: conns }, one)).then(() => ({
    acked,
    errors,
    elapsedMs: performance.now() - t0,
  }));
}
