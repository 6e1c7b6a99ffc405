/**
 * `npm run bench:lookupd`: nsqlookupd under discovery load — P producers (V1 connections, each
 * IDENTIFYing as its own nsqd and REGISTERing T topics with one channel each), then GET
 * /lookup?topic=… round robin over the topics from C keep-alive connections, one request in flight
 * each (closed loop), for a bounded time: req/s, p50/p99 latency, and the server's RSS after the
 * load. Ours, and with --compare another nsqlookupd (Go's) the same way, in turn. Owns only the
 * processes and sockets it opens.
 */

import { connect, type Socket } from 'node:net';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { type Server, startCommand, startOurLookupd, stopServer, treeRssBytes } from './server.js';

const USAGE = `usage: npm run bench:lookupd -- [flags]

  --producers=500   registered nsqd (one V1 connection each)
  --topics=200      topics each producer registers (each with channel "ch")
  --seconds=10      duration of the /lookup load per server
  --conns=4         HTTP keep-alive connections, one request in flight each
  --node-flags=F    also measure ours run as \`node F main.js\` (space-separated), e.g. --node-flags=--max-semi-space-size=1
  --compare="CMD"   also measure the nsqlookupd CMD starts (sh -c; {port} and {http_port} replaced), e.g.
                    --compare="nsqlookupd --tcp-address=127.0.0.1:{port} --http-address=127.0.0.1:{http_port} --log-level=warn"
  --json            print the results as JSON
`;

const MAX_SAMPLES = 2_000_000;

interface Row {
  server: string;
  producers: number;
  topics: number;
  registerMs: number;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** RSS once everything is registered, before the load */
  rssIdleMb: number;
  /** RSS after the load */
  rssMb: number;
  /** bytes of one /lookup answer (every producer listed) */
  responseBytes: number;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** one registered nsqd: IDENTIFY + REGISTER every topic; resolves once every answer came */
function registerProducer(port: number, i: number, topics: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const body = Buffer.from(
      JSON.stringify({
        version: '1.3.0',
        tcp_port: 4150,
        http_port: 4151,
        hostname: `bench-${i}.host`,
        broadcast_address: `bench-${i}`,
        topology_zone: '',
        topology_region: '',
      }),
    );
    const lines: string[] = [];
    for (let t = 0; t < topics; t++) lines.push(`REGISTER topic-${t} ch\n`);
    const want = 1 + topics;
    let got = 0;
    let buf: Buffer = Buffer.alloc(0);
    s.on('connect', () => {
      s.write(
        Buffer.concat([Buffer.from('  V1IDENTIFY\n'), u32(body.length), body, Buffer.from(lines.join(''))]),
      );
    });
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const n = buf.readInt32BE(0);
        if (buf.subarray(4, 6).toString() === 'E_') reject(new Error(buf.subarray(4, 4 + n).toString()));
        buf = buf.subarray(4 + n);
        if (++got === want) {
          s.removeAllListeners('data');
          resolve(s);
        }
      }
    });
    s.on('error', reject);
  });
}

/** closed-loop GET /lookup from one connection until `endAt`; latencies (ms) into `out` */
function lookupLoop(
  port: number,
  topics: number,
  endAt: number,
  out: { lat: Float64Array; n: number; errors: number; bytes: number },
  first: number,
): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    let topic = first;
    let sentAt = 0;
    let buf: Buffer = Buffer.alloc(0);
    let need = -1; // bytes of the current response (headers + body) once known
    let chunked = false; // Go's net/http chunks an answer over 4 KiB; ours sends Content-Length
    const send = (): void => {
      if (performance.now() >= endAt || out.n >= MAX_SAMPLES) {
        s.end();
        resolve();
        return;
      }
      topic = (topic + 1) % topics;
      sentAt = performance.now();
      s.write(`GET /lookup?topic=topic-${topic} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    };
    s.on('connect', send);
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      if (need < 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const m = /content-length:\s*(\d+)/i.exec(head);
        if (!head.startsWith('HTTP/1.1 200')) out.errors++;
        chunked = m === null && /transfer-encoding:\s*chunked/i.test(head);
        need = end + 4 + (m === null ? 0 : Number(m[1]));
      }
      if (chunked) {
        // the last chunk: `0\r\n\r\n` (a JSON body never holds that sequence)
        const last = buf.indexOf('\r\n0\r\n\r\n', need - 2);
        if (last < 0) return;
        need = last + 7;
        chunked = false;
      }
      if (buf.length < need) return;
      out.lat[out.n++] = performance.now() - sentAt;
      out.bytes = need;
      buf = buf.subarray(need);
      need = -1;
      send();
    });
    s.on('error', () => {
      out.errors++;
      resolve();
    });
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** the row, and the producers' sockets (closed by the caller once the server stopped: no EOF noise) */
async function measure(
  s: Server,
  producers: number,
  topics: number,
  seconds: number,
  conns: number,
): Promise<{ row: Row; sockets: Socket[] }> {
  const t0 = performance.now();
  const sockets: Socket[] = [];
  // register in batches: bounded concurrent connects
  for (let i = 0; i < producers; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(producers, i + 50); j++) batch.push(registerProducer(s.port, j, topics));
    sockets.push(...(await Promise.all(batch)));
  }
  const registerMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const rssIdleMb = treeRssBytes(s.pid) / (1024 * 1024);
  // warm-up: one second, not counted
  const warm = { lat: new Float64Array(MAX_SAMPLES), n: 0, errors: 0, bytes: 0 };
  await Promise.all(
    Array.from({ length: conns }, (_, c) =>
      lookupLoop(s.httpPort, topics, performance.now() + 1000, warm, c * 7),
    ),
  );
  const out = { lat: new Float64Array(MAX_SAMPLES), n: 0, errors: 0, bytes: 0 };
  const start = performance.now();
  const endAt = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: conns }, (_, c) => lookupLoop(s.httpPort, topics, endAt, out, c * 13)),
  );
  const elapsed = performance.now() - start;
  const rssMb = treeRssBytes(s.pid) / (1024 * 1024);
  const sorted = out.lat.subarray(0, out.n).sort();
  const row: Row = {
    server: s.name,
    producers,
    topics,
    registerMs: Math.round(registerMs),
    requests: out.n,
    reqPerSec: Math.round((out.n * 1000) / elapsed),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
    errors: out.errors,
    rssIdleMb: Math.round(rssIdleMb * 10) / 10,
    rssMb: Math.round(rssMb * 10) / 10,
    responseBytes: out.bytes,
  };
  return { row, sockets };
}

function table(rows: Row[]): string {
  const head =
    '| server | producers × topics | register | /lookup req/s | p50 ms | p99 ms | max ms | errors | RSS MB registered → after load | answer bytes |';
  const sep = '|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.server} | ${r.producers} × ${r.topics} | ${r.registerMs} ms | ${r.reqPerSec} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.maxMs.toFixed(1)} | ${r.errors} | ${r.rssIdleMb} → ${r.rssMb} | ${r.responseBytes} |`,
  );
  return [head, sep, ...lines].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      producers: { type: 'string', default: '500' },
      topics: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '10' },
      conns: { type: 'string', default: '4' },
      compare: { type: 'string' },
      'node-flags': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const producers = Number(values.producers);
  const topics = Number(values.topics);
  const seconds = Number(values.seconds);
  const conns = Number(values.conns);
  for (const [k, v] of Object.entries({ producers, topics, seconds, conns })) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${k} must be a positive integer`);
  }
  const servers: (() => Promise<Server>)[] = [() => startOurLookupd()];
  const nodeFlags = values['node-flags']?.split(' ').filter((f) => f !== '') ?? [];
  if (nodeFlags.length > 0) servers.push(() => startOurLookupd([], nodeFlags));
  if (values.compare !== undefined) servers.push(() => startCommand('theirs', values.compare!));
  const rows: Row[] = [];
  for (const startServer of servers) {
    const s = await startServer();
    let sockets: Socket[] = [];
    try {
      const m = await measure(s, producers, topics, seconds, conns);
      rows.push(m.row);
      sockets = m.sockets;
    } finally {
      await stopServer(s);
      for (const sock of sockets) sock.destroy();
    }
  }
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ node: process.version, cpus: os.availableParallelism(), rows }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(
    `nsqlookupd /lookup — node ${process.version}, ${os.availableParallelism()} CPUs, ${conns} conns × 1 in flight, ${seconds} s\n`,
  );
  process.stdout.write(`${table(rows)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
