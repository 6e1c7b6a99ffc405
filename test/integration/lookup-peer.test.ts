/**
 * nsqd's side of the lookupd conversation over a real socket, against a scripted lookupd that
 * records every command and answers as told (or not at all): the exact IDENTIFY nsqd 1.3.0 sends,
 * the registrations sent on connect, and what nsqd does when a lookupd hangs, answers too much or
 * refuses IDENTIFY — it logs Go's line, dials again, and keeps publishing meanwhile.
 */

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { after, describe, it } from 'node:test';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { eventually } from '../helpers/cluster.js';
import { WireClient } from '../helpers/wire.js';

type Answer = (cmd: string, body: Buffer | null) => string | null;

/** a lookupd of the test's making: each connection's commands, answered by `answer` (null: silence) */
class ScriptedLookupd {
  readonly server: Server;
  /** per connection, its commands as text (`IDENTIFY <body>` for IDENTIFY) */
  readonly conns: string[][] = [];
  answer: Answer;
  private readonly sockets = new Set<Socket>();

  private constructor(answer: Answer) {
    this.answer = answer;
    this.server = createServer((s) => this.serve(s));
  }

  static async start(answer: Answer): Promise<ScriptedLookupd> {
    const l = new ScriptedLookupd(answer);
    await new Promise<void>((r) => l.server.listen(0, '127.0.0.1', r));
    return l;
  }

  get address(): string {
    const a = this.server.address() as { port: number };
    return `127.0.0.1:${a.port}`;
  }

  private serve(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    const log: string[] = [];
    this.conns.push(log);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (log.length === 0) {
        if (buf.length < 4) return;
        log.push(`magic ${JSON.stringify(buf.subarray(0, 4).toString())}`);
        buf = buf.subarray(4);
      }
      for (;;) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) return;
        const line = buf.subarray(0, nl).toString();
        let body: Buffer | null = null;
        if (line === 'IDENTIFY') {
          if (buf.length < nl + 5) return;
          const size = buf.readUInt32BE(nl + 1);
          if (buf.length < nl + 5 + size) return;
          body = buf.subarray(nl + 5, nl + 5 + size);
          buf = buf.subarray(nl + 5 + size);
        } else buf = buf.subarray(nl + 1);
        log.push(body === null ? line : `${line} ${body.toString()}`);
        const reply = this.answer(line, body);
        if (reply !== null) {
          const head = Buffer.alloc(4);
          head.writeInt32BE(Buffer.byteLength(reply), 0);
          s.write(Buffer.concat([head, Buffer.from(reply)]));
        }
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

const LOOKUPD_INFO =
  '{"broadcast_address":"127.0.0.1","hostname":"lk","http_port":1,"tcp_port":2,"version":"1.3.0"}';
const answerAll: Answer = (cmd) => (cmd === 'IDENTIFY' ? LOOKUPD_INFO : 'OK');

describe('nsqd ↔ a lookupd, over a real socket', () => {
  const started: (TestBroker | ScriptedLookupd)[] = [];
  after(async () => {
    for (const x of started.reverse()) await x.close();
  });

  it('sends the magic, IDENTIFY as nsqd 1.3.0 (sorted keys, listened ports), then REGISTERs what exists', async () => {
    const b = await startBroker({
      workers: 1,
      broadcastAddress: 'node-1.test',
      topologyZone: 'z1',
      topologyRegion: 'r1',
    });
    started.push(b);
    const api = b.broker.api;
    await api.createTopic('bare');
    await api.createTopic('fed');
    await api.createChannel('fed', 'one');
    await api.createChannel('fed', 'two#ephemeral');
    // the lookupd is added live, so it meets topics that exist already
    const l = await ScriptedLookupd.start(answerAll);
    started.push(l);
    api.setLookupdTcpAddresses([l.address]);
    await eventually('registrations', async () => ((l.conns[0]?.length ?? 0) >= 5 ? true : undefined));
    const identify = JSON.stringify({
      broadcast_address: 'node-1.test',
      hostname: hostname(),
      http_port: b.broker.httpPort,
      tcp_port: b.port,
      topology_region: 'r1',
      topology_zone: 'z1',
      version: '1.3.0',
    });
    assert.deepEqual(l.conns[0], [
      'magic "  V1"',
      `IDENTIFY ${identify}`,
      'REGISTER bare',
      'REGISTER fed one',
      'REGISTER fed two#ephemeral',
    ]);
    // then changes as they happen, and the lookupd's HTTP address from its reply
    await api.deleteChannel('fed', 'one');
    await eventually('UNREGISTER', async () =>
      l.conns[0]!.includes('UNREGISTER fed one') ? true : undefined,
    );
    assert.deepEqual(b.broker.registrar.httpAddresses(), ['127.0.0.1:1']);
  });

  it('a crashed shard: its ephemeral names are unregistered, its durable ones stay registered', async () => {
    const l = await ScriptedLookupd.start(answerAll);
    started.push(l);
    const b = await startBroker({ workers: 1, lookupdTcpAddresses: [l.address] });
    started.push(b);
    await eventually('identified', async () =>
      b.broker.registrar.httpAddresses().length > 0 ? true : undefined,
    );
    const c = await WireClient.connect(b.port);
    c.cmd('SUB durable watch#ephemeral');
    assert.equal(await c.response(), 'OK');
    await eventually('registered', async () =>
      l.conns[0]!.includes('REGISTER durable watch#ephemeral') ? true : undefined,
    );
    b.broker.crashShard(0);
    await eventually('unregistered', async () =>
      l.conns[0]!.includes('UNREGISTER durable watch#ephemeral') ? true : undefined,
    );
    assert.ok(!l.conns[0]!.includes('UNREGISTER durable'), 'the durable topic stays registered');
    c.close();
  });

  it('a lookupd that never answers: Go’s timeout line, a new dial, and publishing carries on', async () => {
    const l = await ScriptedLookupd.start(() => null);
    started.push(l);
    const b = await startBroker({ workers: 1, lookupdTcpAddresses: [l.address], logLevel: 'info' });
    started.push(b);
    const c = await WireClient.connect(b.port);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      c.pub('hung', `m${i}`);
      assert.equal(await c.response(), 'OK');
    }
    assert.ok(performance.now() - t0 < 900, 'publishes do not wait for the lookupd');
    c.close();
    const line = await b.waitForLog(
      /ERROR: LOOKUPD\(127\.0\.0\.1:\d+\): IDENTIFY - read tcp .*: i\/o timeout/,
      0,
      4000,
    );
    assert.ok(line.includes(l.address), line);
    await eventually('dialled again', async () => (l.conns.length >= 2 ? true : undefined), 5000);
  });

  it('a response over --max-body-size is refused with readResponseBounded’s text', async () => {
    const l = await ScriptedLookupd.start((cmd) => (cmd === 'IDENTIFY' ? LOOKUPD_INFO.padEnd(200) : 'OK'));
    started.push(l);
    const b = await startBroker({
      workers: 1,
      lookupdTcpAddresses: [l.address],
      maxBodySize: 100,
      logLevel: 'info',
    });
    started.push(b);
    await b.waitForLog(
      /ERROR: LOOKUPD\(.*\): IDENTIFY - response body size \(200\) is greater than limit \(100\)/,
    );
  });

  it('IDENTIFY answered E_INVALID: nsqd says so and closes; a reply it cannot parse is an error', async () => {
    let reply = 'E_INVALID';
    const l = await ScriptedLookupd.start((cmd) => (cmd === 'IDENTIFY' ? reply : 'OK'));
    started.push(l);
    const b = await startBroker({ workers: 1, lookupdTcpAddresses: [l.address], logLevel: 'info' });
    started.push(b);
    await b.waitForLog(/INFO: LOOKUPD\(.*\): lookupd returned E_INVALID/);
    reply = 'E_BAD_BODY IDENTIFY missing fields';
    await b.waitForLog(
      /ERROR: LOOKUPD\(.*\): parsing response - E_BAD_BODY IDENTIFY missing fields/,
      0,
      5000,
    );
    assert.deepEqual(b.broker.registrar.httpAddresses(), []);
  });
});
