/**
 * What a real broker logs, line by line as Go nsqd 1.3.0 does, with one inline shard and with a
 * worker shard (whose lines cross to the io thread): a client's connect, magic, IDENTIFY, protocol
 * errors and exit at info; topic and channel create/delete and the HTTP request line (pause is one);
 * each command and delivery at debug; a level change (PUT /config/log_level) reaching the shards;
 * and a shutdown with queued, in-flight and deferred messages, with its counts and time.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeMpubBody } from '../../src/wire/encode.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

/** uWebSockets.js gives the client's address without its port */
const REMOTE = String.raw`\(127\.0\.0\.1(:\d+)?\)`;
/** a Go time.Duration as String() prints one */
const DURATION = String.raw`[\d.]+(ns|µs|ms|s)`;

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `pattern` at `level`, as the whole message of a line */
function line(level: string, pattern: string): RegExp {
  return new RegExp(String.raw` ${level}: ${pattern}\n$`);
}

async function http(b: TestBroker, method: string, path: string, body?: string): Promise<number> {
  const init: RequestInit = { method };
  if (body !== undefined) init.body = body;
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}${path}`, init);
  await r.arrayBuffer();
  return r.status;
}

/** the lines since `from`, without prefix and timestamp */
function messages(b: TestBroker, from: number): string[] {
  return b.logs.slice(from).map((l) => l.slice(34, -1));
}

for (const workers of [0, 1]) {
  describe(`logging at info (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers, logLevel: 'info' });
    });
    after(() => b.close());

    it('a client: connect, magic, IDENTIFY, exit; nothing at debug', async () => {
      const from = b.logs.length;
      const c = await WireClient.connect(b.port);
      const me = `127.0.0.1:${c.socket.localPort}`;
      c.identify({ client_id: 'cid', hostname: 'host', heartbeat_interval: 1000, user_agent: 'test/1' });
      assert.equal(await c.response(), 'OK');
      c.close();
      await b.waitForLog(line('INFO', esc(`PROTOCOL(V2): [${me}] exiting messagePump`)), from);
      const mine = messages(b, from).filter((m) => m.includes(me));
      assert.deepEqual(mine, [
        `INFO: TCP: new client(${me})`,
        `INFO: CLIENT(${me}): desired protocol magic '  V2'`,
        `INFO: [${me}] IDENTIFY: {ClientID:cid Hostname:host HeartbeatInterval:1000 OutputBufferSize:0 ` +
          'OutputBufferTimeout:0 FeatureNegotiation:false TLSv1:false Deflate:false DeflateLevel:0 Snappy:false ' +
          'SampleRate:0 UserAgent:test/1 MsgTimeout:0 TopologyRegion: TopologyZone:}',
        `INFO: PROTOCOL(V2): [${me}] exiting ioloop`,
        `INFO: PROTOCOL(V2): [${me}] exiting messagePump`,
      ]);
      assert.equal(
        b.logs.some((l) => l.includes(' DEBUG: ')),
        false,
      );
    });

    it('protocol errors: fatal ones twice (the command, then the exit), non-fatal ones once', async () => {
      const from = b.logs.length;
      const c = await WireClient.connect(b.port);
      const me = `127.0.0.1:${c.socket.localPort}`;
      c.write('FOO bar\n');
      assert.equal(await c.error(), 'E_INVALID invalid command FOO');
      await c.waitClosed();
      await b.waitForLog(line('INFO', esc(`PROTOCOL(V2): [${me}] exiting messagePump`)), from);
      const mine = messages(b, from).filter((m) => m.includes(me));
      assert.deepEqual(mine.slice(2), [
        `ERROR: [${me}] - E_INVALID invalid command FOO`,
        `INFO: PROTOCOL(V2): [${me}] exiting ioloop`,
        `ERROR: client(${me}) - E_INVALID invalid command FOO`,
        `INFO: PROTOCOL(V2): [${me}] exiting messagePump`,
      ]);

      const s = await subscriber(b.port, freshTopic('err'), 'ch', 0);
      const sub = `127.0.0.1:${s.socket.localPort}`;
      s.cmd('FIN 0123456789abcdef');
      assert.equal(await s.error(), 'E_FIN_FAILED FIN 0123456789abcdef failed ID not in flight');
      await b.waitForLog(
        line('ERROR', esc(`[${sub}] - E_FIN_FAILED FIN 0123456789abcdef failed ID not in flight`)),
        from,
      );
      s.close();
    });

    it('a bad magic, and a client that leaves before sending one', async () => {
      const from = b.logs.length;
      const c = await WireClient.connect(b.port, { magic: false });
      const me = `127.0.0.1:${c.socket.localPort}`;
      c.write('  V1');
      assert.equal(await c.error(), 'E_BAD_PROTOCOL');
      await b.waitForLog(line('ERROR', esc(`client(${me}) bad protocol magic '  V1'`)), from);
      assert.ok(
        b.logs.slice(from).some((l) => l.endsWith(`INFO: CLIENT(${me}): desired protocol magic '  V1'\n`)),
      );
      c.close();

      const quiet = await WireClient.connect(b.port, { magic: false });
      quiet.close();
      await b.waitForLog(line('ERROR', 'failed to read protocol version - EOF'), from);
    });

    it("a client that resets its connection: nsqd's read error names both ends of the tcp socket", async () => {
      const from = b.logs.length;
      const c = await WireClient.connect(b.port);
      const me = `127.0.0.1:${c.socket.localPort}`;
      c.write('NOP\n');
      await sleep(50);
      c.socket.resetAndDestroy();
      const reset = esc(`read tcp 127.0.0.1:${b.port}->${me}: connection reset by peer`);
      await b.waitForLog(line('ERROR', esc(`client(${me}) - failed to read command - `) + reset), from);
    });
    it('topics and channels: created (by SUB and over HTTP), paused, deleted; the HTTP request lines', async () => {
      const t = freshTopic('life');
      const from = b.logs.length;
      assert.equal(await http(b, 'POST', `/topic/create?topic=${t}`), 200);
      assert.equal(await http(b, 'POST', `/channel/create?topic=${t}&channel=one`), 200);
      assert.equal(await http(b, 'POST', `/channel/pause?topic=${t}&channel=one`), 200);
      assert.equal(await http(b, 'POST', `/topic/pause?topic=${t}`), 200);
      assert.equal(await http(b, 'POST', `/pub?topic=${t}`, 'not logged, as nsqd'), 200);
      assert.equal(await http(b, 'GET', '/nope'), 404);
      const s = await subscriber(b.port, t, 'two', 0);
      assert.equal(await http(b, 'POST', `/channel/delete?topic=${t}&channel=one`), 200);
      assert.equal(await http(b, 'POST', `/topic/delete?topic=${t}`), 200);
      await s.waitClosed();
      await b.waitForLog(line('INFO', `200 POST /topic/delete\\?topic=${t} ${REMOTE} ${DURATION}`), from);
      const got = messages(b, from).filter(
        (m) =>
          !m.includes('DISKQUEUE') && (m.includes(t) || /TOPIC|CHANNEL\((one|two)\)|\/nope|\/pub/.test(m)),
      );
      const expected = [
        `INFO: TOPIC\\(${t}\\): created`,
        `INFO: 200 POST /topic/create\\?topic=${t} ${REMOTE} ${DURATION}`,
        `INFO: TOPIC\\(${t}\\): new channel\\(one\\)`,
        `INFO: 200 POST /channel/create\\?topic=${t}&channel=one ${REMOTE} ${DURATION}`,
        `INFO: 200 POST /channel/pause\\?topic=${t}&channel=one ${REMOTE} ${DURATION}`,
        `INFO: 200 POST /topic/pause\\?topic=${t} ${REMOTE} ${DURATION}`,
        `INFO: 404 GET /nope ${REMOTE} ${DURATION}`,
        `INFO: TOPIC\\(${t}\\): new channel\\(two\\)`,
        `INFO: TOPIC\\(${t}\\): deleting channel one`,
        'INFO: CHANNEL\\(one\\): deleting',
        `INFO: 200 POST /channel/delete\\?topic=${t}&channel=one ${REMOTE} ${DURATION}`,
        `INFO: TOPIC\\(${t}\\): deleting`,
        `INFO: TOPIC\\(${t}\\): closing \\.\\.\\. messagePump`,
        'INFO: CHANNEL\\(two\\): deleting',
        `INFO: 200 POST /topic/delete\\?topic=${t} ${REMOTE} ${DURATION}`,
      ];
      assert.equal(got.length, expected.length, got.join('\n'));
      for (const [i, p] of expected.entries()) assert.match(got[i]!, new RegExp(`^${p}$`));
    });

    it('topics and channels loaded from nsqd.dat are logged as created', async () => {
      const t = freshTopic('dat');
      const first = await startBroker({ workers, logLevel: 'info' });
      try {
        assert.equal(await http(first, 'POST', `/topic/create?topic=${t}`), 200);
        assert.equal(await http(first, 'POST', `/channel/create?topic=${t}&channel=kept`), 200);
      } finally {
        await first.broker.close();
      }
      const again = await startBroker({ workers, logLevel: 'info', dataPath: first.dataPath });
      try {
        const at = again.logs.findIndex((l) => l.includes(`TOPIC(${t}): created`));
        assert.ok(at >= 0, again.logs.join(''));
        assert.match(again.logs[at + 1]!, line('INFO', esc(`TOPIC(${t}): new channel(kept)`)));
      } finally {
        await again.close();
        await first.close();
      }
    });
  });

  describe(`logging at debug, and level changes (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers, logLevel: 'debug' });
    });
    after(() => b.close());

    it('each command, the IDENTIFY data, and each message written to a client', async () => {
      const t = freshTopic('dbg');
      const from = b.logs.length;
      const s = await subscriber(b.port, t, 'c', 1, { client_id: 'sub' });
      const me = `127.0.0.1:${s.socket.localPort}`;
      const p = await WireClient.connect(b.port);
      p.pub(t, 'hello');
      assert.equal(await p.response(), 'OK');
      const m = await s.message();
      const id = m.id.toString();
      await b.waitForLog(
        line('DEBUG', esc(`PROTOCOL(V2): writing msg(${id}) to client(${me}) - hello`)),
        from,
      );
      const mine = messages(b, from).filter((x) => x.startsWith('DEBUG') && x.includes(me));
      assert.equal(mine[0], `DEBUG: PROTOCOL(V2): [${me}] [IDENTIFY]`);
      assert.match(
        mine[1]!,
        new RegExp(`^DEBUG: PROTOCOL\\(V2\\): \\[${esc(me)}\\] \\{ClientID:sub Hostname: `),
      );
      assert.equal(mine[2], `DEBUG: PROTOCOL(V2): [${me}] [SUB ${t} c]`);
      assert.equal(mine[3], `DEBUG: PROTOCOL(V2): [${me}] [RDY 1]`);
      s.close();
      p.close();
    });

    it('PUT /config/log_level filters the io thread and the shards alike', async () => {
      assert.equal(await http(b, 'PUT', '/config/log_level', 'warn'), 200);
      try {
        const t = freshTopic('quiet');
        const from = b.logs.length;
        const c = await WireClient.connect(b.port);
        c.cmd(`MPUB ${t}`, encodeMpubBody([Buffer.from('a'), Buffer.from('b')]));
        assert.equal(await c.response(), 'OK');
        assert.equal(await http(b, 'POST', `/channel/create?topic=${t}&channel=c`), 200);
        c.close();
        await sleep(100);
        assert.deepEqual(b.logs.slice(from), []);
      } finally {
        assert.equal(await http(b, 'PUT', '/config/log_level', 'debug'), 200);
      }
    });
  });

  describe(`logging a shutdown (--workers=${workers})`, () => {
    it("nsqd's lines in nsqd's order, each channel's and topic's counts, this shard's total and the time", async () => {
      const b = await startBroker({ workers, logLevel: 'info', maxReqTimeout: 60000 });
      const t = freshTopic('down');
      const waiting = freshTopic('wait');
      const c = await WireClient.connect(b.port);
      c.cmd(`MPUB ${waiting}`, encodeMpubBody(Array.from({ length: 10 }, () => Buffer.from('w'))));
      assert.equal(await c.response(), 'OK');
      const s = await subscriber(b.port, t, 'ch', 5);
      c.cmd(`MPUB ${t}`, encodeMpubBody(Array.from({ length: 100 }, (_, i) => Buffer.from(`m${i}`))));
      assert.equal(await c.response(), 'OK');
      for (let i = 0; i < 3; i++) {
        c.cmd(`DPUB ${t} 60000`, Buffer.from(`d${i}`));
        assert.equal(await c.response(), 'OK');
      }
      for (let i = 0; i < 5; i++) await s.message();
      const from = b.logs.length;
      await b.close();
      const got = messages(b, from).filter((m) => !/PROTOCOL\(V2\)|DISKQUEUE/.test(m));
      const tcp = `127.0.0.1:${b.port}`;
      const expected = [
        `INFO: TCP: closing ${esc(tcp)}`,
        `INFO: HTTP: closing 127\\.0\\.0\\.1:${b.broker.httpPort}`,
        `INFO: NSQ: persisting topic/channel metadata to ${esc(b.dataPath)}/nsqd\\.dat`,
        'INFO: NSQ: closing topics',
      ];
      for (const [i, p] of expected.entries()) assert.match(got[i]!, new RegExp(`^${p}$`), got.join('\n'));
      const rest = got.slice(expected.length);
      const order = (m: string): number => rest.indexOf(m);
      assert.ok(order(`INFO: TOPIC(${t}): closing`) >= 0, rest.join('\n'));
      assert.ok(order('INFO: CHANNEL(ch): closing') > order(`INFO: TOPIC(${t}): closing`));
      assert.ok(
        order('INFO: CHANNEL(ch): flushing 95 memory 5 in-flight 3 deferred messages to backend') >
          order('INFO: CHANNEL(ch): closing'),
        rest.join('\n'),
      );
      assert.ok(
        order(`INFO: TOPIC(${waiting}): flushing 10 memory messages to backend`) >= 0,
        rest.join('\n'),
      );
      const total = rest.findIndex((m) =>
        new RegExp(
          `^INFO: SHARD\\(0\\): wrote 113 messages of 2 topic\\(s\\), 1 channel\\(s\\) to disk in ${DURATION}$`,
        ).test(m),
      );
      assert.ok(total >= 0, rest.join('\n'));
      // the lookup loop ends after the stop, as nsqd's (which logs its line even with no lookupd)
      const tail = rest.slice(-4);
      assert.equal(tail[0], 'INFO: NSQ: stopping subsystems');
      assert.equal(tail[1], 'INFO: LOOKUP: closing');
      assert.match(tail[2]!, new RegExp(`^INFO: NSQ: shutdown took ${DURATION}$`));
      assert.equal(tail[3], 'INFO: NSQ: bye');
      assert.ok(total < rest.length - 4);
      s.close();
      c.close();
    });
  });
}
