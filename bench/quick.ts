/**
 * Quick pub/sub throughput check (`npm run bench:quick`): spawns our nsqd as a child process per
 * `--workers` setting and drives it from this one event loop the way NSQ's bench_writer (MPUB, one in
 * flight per connection) and bench_reader (RDY window, FINs flushed in batches) do. Scenarios: PUB into
 * a topic whose channel exists, SUB draining that backlog, then PUBSUB at once on a fresh topic.
 * Every phase is bounded by time and by count; a hard deadline kills everything. 127.0.0.1 only.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeCommand, encodeMpubBody, FRAME_MESSAGE, FRAME_RESPONSE } from '../src/frame/encode.js';

let child: ChildProcess | null = null; // the server we spawned, if running
let stopping = false;
let dataDir: string | null = null;

const KNOWN = ['seconds', 'size', 'batch', 'conns', 'rdy', 'workers-list', 'mem-queue-size', 'max-msgs'];
const ARGS = new Map(process.argv.slice(2).map((a) => [a.replace(/=.*$/s, ''), a.replace(/^[^=]*=?/, '')]));
for (const k of ARGS.keys()) {
  if (!['--json', '--profile', ...KNOWN.map((n) => `--${n}`)].includes(k)) fatal(`unknown flag ${k}`);
}
function num(name: string, def: number, min = 1): number {
  const n = Number(ARGS.get(`--${name}`) ?? def);
  if (!Number.isInteger(n) || n < min) fatal(`--${name} must be an integer >= ${min}`);
  return n;
}
const SECONDS = num('seconds', 5);
const SIZE = num('size', 200);
const BATCH = num('batch', 200);
const CONNS = num('conns', 2);
const RDY = num('rdy', 2500);
const MEM_QUEUE = num('mem-queue-size', 10_000_000, 0);
const MAX_MSGS = num('max-msgs', 10_000_000);
const WORKERS = (ARGS.get('--workers-list') ?? '0,1').split(',').map(Number);
if (WORKERS.some((w) => !Number.isInteger(w) || w < 0)) fatal('--workers-list must be like 0,1,3');
const JSON_OUT = ARGS.has('--json');
const PROFILE = ARGS.has('--profile');
const MAIN_JS = fileURLToPath(new URL('../src/main.js', import.meta.url));
const PROF_ROOT = '/tmp/nsqprof';

const MAGIC = Buffer.from('  V2', 'latin1');
const IDENTIFY = encodeCommand('IDENTIFY', Buffer.from('{}'));
const FIN_LINE = 21; // "FIN " + 16-byte id + "\n"

// ---- the child server, and the exits that must take it down ----
function fatal(msg: string): never {
  process.stderr.write(`bench/quick: ${msg}\n`);
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir !== null) fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(workers: number, profDir: string | null): Promise<number> {
  const port = await freePort();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-ts-quick-'));
  const prof = profDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
  const args = [...prof, MAIN_JS, `--tcp-address=127.0.0.1:${port}`, `--data-path=${dataDir}`];
  args.push(`--workers=${workers}`, `--mem-queue-size=${MEM_QUEUE}`, '--log-level=warn');
  stopping = false;
  const c = spawn(process.execPath, args, { stdio: ['ignore', 2, 2] }); // its output must not mix with --json
  child = c;
  c.once('exit', (code, sig) => {
    if (!stopping) fatal(`server (workers=${workers}) exited unexpectedly: code ${code} signal ${sig}`);
  });
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(true)).once('error', () => resolve(false));
      s.once('connect', () => s.destroy());
    });
    if (ok) return port;
    await new Promise((r) => setTimeout(r, 50));
  }
  return fatal(`server (workers=${workers}) did not accept on 127.0.0.1:${port} within 10 s`);
}

async function stopServer(): Promise<void> {
  const c = child!;
  stopping = true;
  if (c.exitCode === null && c.signalCode === null) {
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => {
      process.stderr.write('bench/quick: server still running 5 s after SIGTERM, sending SIGKILL\n');
      c.kill('SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(t);
  }
  child = null;
  fs.rmSync(dataDir!, { recursive: true, force: true });
  dataDir = null;
}

// ---- one client connection: frame parsing without per-message allocation, FINs in batches ----
class Client {
  readonly sock: net.Socket;
  readonly ready: Promise<void>; // after `expectOks` OK responses
  readonly closed: Promise<void>; // after close()
  onAck = (): void => {}; // producer: an OK after the handshake (an MPUB's response)
  onMessages = (_n: number): void => {}; // consumer: messages completed by one 'data' chunk
  redelivered = 0;
  private resolveReady!: () => void;
  private resolveClosed!: () => void;
  private oks = 0;
  private pending: Buffer | null = null;
  private out: Buffer;
  private outLen = 0;
  private fins = 0;
  private done = false;

  /** `hello` (magic, IDENTIFY, ...) is written at once */
  constructor(
    port: number,
    hello: Buffer,
    private readonly expectOks: number,
    private readonly finFlushAt: number,
  ) {
    this.out = Buffer.allocUnsafe((finFlushAt + 2) * FIN_LINE);
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.write(hello);
    this.sock.on('data', (chunk: Buffer) => this.onData(chunk));
    this.sock.on('error', (err) => this.done || fatal(`client socket: ${err.message}`));
    this.sock.on('close', () => this.done || fatal('server closed a client connection'));
  }

  close(): void {
    this.done = true;
    this.sock.destroy();
    this.resolveClosed();
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    const end = buf.length;
    let pos = 0;
    let msgs = 0;
    while (end - pos >= 8) {
      const size = buf.readUInt32BE(pos);
      if (size < 4) fatal(`invalid frame size ${size}`);
      if (end - pos - 4 < size) break;
      const type = buf.readUInt32BE(pos + 4);
      const data = pos + 8;
      pos += 4 + size;
      if (type === FRAME_MESSAGE) {
        msgs++;
        if (buf.readUInt16BE(data + 8) > 1) this.redelivered++;
        const o = this.outLen;
        const out = this.out;
        out.writeUInt32BE(0x46494e20, o); // "FIN "
        buf.copy(out, o + 4, data + 10, data + 26); // the 16-byte id, as is
        out[o + 20] = 0x0a;
        this.outLen = o + FIN_LINE;
        if (++this.fins >= this.finFlushAt) this.flush();
      } else if (type === FRAME_RESPONSE) {
        this.onResponse(buf.toString('latin1', data, pos));
      } else {
        fatal(`error frame (type ${type}) from server: ${buf.toString('utf8', data, pos)}`);
      }
    }
    if (pos < end) this.pending = buf.subarray(pos);
    this.flush();
    if (msgs > 0) this.onMessages(msgs);
  }

  private onResponse(text: string): void {
    if (text === '_heartbeat_') {
      this.out.write('NOP\n', this.outLen, 'latin1');
      this.outLen += 4;
    } else if (text !== 'OK') {
      fatal(`unexpected response from server: ${JSON.stringify(text)}`);
    } else if (this.oks < this.expectOks) {
      if (++this.oks === this.expectOks) this.resolveReady();
    } else {
      this.onAck();
    }
  }

  private flush(): void {
    if (this.outLen === 0 || this.done) return;
    this.sock.write(this.out.subarray(0, this.outLen));
    // a write that did not complete synchronously still references the buffer: hand it over
    if (this.sock.writableLength !== 0) this.out = Buffer.allocUnsafe(this.out.length);
    this.outLen = 0;
    this.fins = 0;
  }
}

function producers(port: number): Client[] {
  return Array.from({ length: CONNS }, () => new Client(port, Buffer.concat([MAGIC, IDENTIFY]), 1, 1));
}
function consumers(port: number, topic: string, rdy: number, n = CONNS): Client[] {
  const sub = encodeCommand(`SUB ${topic} ch`);
  const hello = Buffer.concat([MAGIC, IDENTIFY, sub, encodeCommand(`RDY ${rdy}`)]);
  return Array.from({ length: n }, () => new Client(port, hello, 2, Math.max(1, Math.floor(RDY * 0.75))));
}

type Rate = ReturnType<typeof rate>;
function rate(msgs: number, t0: number, t1: number, redelivered = 0) {
  const secs = Math.max(t1 - t0, 1) / 1000;
  return { msgs, secs: Number(secs.toFixed(3)), msgsPerSec: Math.round(msgs / secs), redelivered };
}

/** MPUB loop on every producer (already handshaken) until `end` or MAX_MSGS; resolves at the last ack. */
async function publish(clients: Client[], topic: string, end: number): Promise<Rate> {
  const body = Buffer.alloc(SIZE, 0x61);
  const mpub = encodeCommand(`MPUB ${topic}`, encodeMpubBody(Array.from({ length: BATCH }, () => body)));
  const t0 = performance.now();
  let sent = 0;
  let acked = 0;
  const next = (c: Client): void => {
    if (performance.now() >= end || sent >= MAX_MSGS) {
      c.close();
    } else {
      sent += BATCH;
      c.sock.write(mpub); // the same Buffer every time; never mutated
    }
  };
  for (const c of clients) {
    c.onAck = () => {
      acked += BATCH;
      next(c);
    };
    next(c);
  }
  await Promise.all(clients.map((c) => c.closed));
  return rate(acked, t0, performance.now());
}

/** Counts messages on `clients` until `target` (if any) arrived or `end`; closes them. */
function consume(clients: Client[], t0: number, end: number, target: () => number): Promise<Rate> {
  let got = 0;
  return new Promise((resolve) => {
    const finish = (t1: number): void => {
      clearTimeout(timer);
      for (const c of clients) c.close();
      const redelivered = clients.reduce((n, c) => n + c.redelivered, 0);
      resolve(rate(got, t0, t1, redelivered));
    };
    const timer = setTimeout(() => finish(performance.now()), Math.max(0, end - performance.now()));
    for (const c of clients) {
      c.onMessages = (n) => {
        got += n;
        if (got >= target()) finish(performance.now());
      };
    }
  });
}

async function runOne(workers: number, profDir: string | null) {
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const port = await startServer(workers, profDir);
  const ms = SECONDS * 1000;
  // 1. PUB into a topic whose channel exists (a RDY 0 subscriber creates it and stays until 2 ends)
  const holder = consumers(port, 'quick', 0, 1);
  const prod = producers(port);
  await Promise.all([...holder, ...prod].map((c) => c.ready));
  const pub = await publish(prod, 'quick', performance.now() + ms);
  // 2. SUB: drain the backlog
  const t0 = performance.now();
  const subs = consumers(port, 'quick', RDY);
  const sub = await consume(subs, t0, t0 + ms, () => pub.msgs);
  holder[0]!.close();
  // 3. PUBSUB on a fresh topic: consumers subscribed first, then both sides for SECONDS
  const cons = consumers(port, 'quick_pubsub', RDY);
  const prod3 = producers(port);
  await Promise.all([...cons, ...prod3].map((c) => c.ready));
  const t3 = performance.now();
  const [pubsubPub, pubsubSub] = await Promise.all([
    publish(prod3, 'quick_pubsub', t3 + ms),
    consume(cons, t3, t3 + ms, () => Number.POSITIVE_INFINITY),
  ]);
  const cpu = process.cpuUsage(cpu0);
  const benchCpu = Math.round((cpu.user + cpu.system) / 10 / (performance.now() - w0)); // % of one core
  await stopServer();
  const mbPerSec = Number(((pub.msgsPerSec * SIZE) / 1e6).toFixed(1));
  const res = { pub: { ...pub, mbPerSec }, sub: { ...sub, target: pub.msgs }, pubsubPub, pubsubSub };
  return { workers, ...res, benchCpuPercent: benchCpu };
}

/** Top 15 self-time functions of each .cpuprofile in `dir` (one per thread of the server). */
function summarizeProfiles(dir: string): string[] {
  type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
  const lines: string[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };
    const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    const self = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < p.samples.length; i++) {
      const cf = byId.get(p.samples[i]!)!;
      const dt = p.timeDeltas[i] ?? 0;
      total += dt;
      const where = cf.url === '' ? '' : ` ${path.basename(cf.url)}:${cf.lineNumber + 1}`;
      const key = `${cf.functionName || '(anonymous)'}${where}`;
      self.set(key, (self.get(key) ?? 0) + dt);
    }
    lines.push(`${path.join(dir, f)}: ${(total / 1e6).toFixed(2)} s sampled`);
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      const pct = ((100 * us) / total).toFixed(1);
      lines.push(`  ${pct.padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const hardMs = (SECONDS * 6 + 30) * 1000 * Math.max(1, Math.ceil(WORKERS.length / 2));
  const hard = setTimeout(() => fatal(`hard deadline of ${hardMs / 1000} s reached`), hardMs);
  const runs: Awaited<ReturnType<typeof runOne>>[] = [];
  const profiles: string[] = [];
  for (const w of WORKERS) {
    let profDir: string | null = null;
    if (PROFILE) {
      profDir = path.join(PROF_ROOT, `workers${w}-${Date.now()}`);
      fs.mkdirSync(profDir, { recursive: true });
    }
    runs.push(await runOne(w, profDir));
    if (profDir !== null) profiles.push(`-- server profile, workers=${w}`, ...summarizeProfiles(profDir));
  }
  clearTimeout(hard);
  const head = { node: process.version, cpus: os.cpus().length, size: SIZE, batch: BATCH, conns: CONNS };
  if (JSON_OUT) {
    const out = { ...head, rdy: RDY, seconds: SECONDS, memQueueSize: MEM_QUEUE, maxMsgs: MAX_MSGS, runs };
    process.stdout.write(`${JSON.stringify(profiles.length > 0 ? { ...out, profiles } : out, null, 2)}\n`);
    return;
  }
  const lines = [
    `nsq-ts quick bench: node ${head.node}, ${head.cpus} CPUs (os.cpus), server is a separate process`,
    `message size ${SIZE} B, MPUB batch ${BATCH}, ${CONNS} producer + ${CONNS} consumer connections, RDY ${RDY}`,
    `${SECONDS} s per scenario (max ${MAX_MSGS} messages), --mem-queue-size=${MEM_QUEUE}`,
    '',
  ];
  const cols = ['workers', 'pub msgs/s', 'sub msgs/s', 'pubsub pub msgs/s', 'pubsub sub msgs/s', 'pub MB/s'];
  lines.push(cols.join(' | '));
  for (const r of runs) {
    const cells = [r.workers, r.pub.msgsPerSec, r.sub.msgsPerSec, r.pubsubPub.msgsPerSec];
    cells.push(r.pubsubSub.msgsPerSec, r.pub.mbPerSec);
    lines.push(cells.map((v, i) => String(v).padStart(cols[i]!.length)).join(' | '));
  }
  lines.push('');
  for (const r of runs) {
    const notes = [
      `pub ${r.pub.msgs} in ${r.pub.secs} s`,
      `sub ${r.sub.msgs}/${r.sub.target} in ${r.sub.secs} s`,
    ];
    notes.push(`pubsub pub ${r.pubsubPub.msgs} / sub ${r.pubsubSub.msgs} in ${r.pubsubSub.secs} s`);
    notes.push(`this process used ${r.benchCpuPercent}% of a core`);
    const redelivered = r.sub.redelivered + r.pubsubSub.redelivered;
    if (redelivered > 0) notes.push(`${redelivered} redelivered (attempts > 1)`);
    lines.push(`workers=${r.workers}: ${notes.join('; ')}`);
  }
  process.stdout.write(`${[...lines, ...profiles].join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => fatal(`${(err as Error).stack ?? String(err)}`),
);
