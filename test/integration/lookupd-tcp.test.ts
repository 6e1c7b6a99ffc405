/**
 * nsqlookupd's TCP protocol V1 over a real socket, as Go's lookup_protocol_v1.go answers it (texts
 * checked against Go nsqlookupd 1.3.0 by hand): the magic, PING, IDENTIFY and its reply, REGISTER
 * and UNREGISTER, every error and its text (each fatal: answered, then closed), the nsq-ts bounds
 * (line and body sizes, the IDENTIFY deadline, the idle timeout), and a disconnect removing the
 * peer's registrations.
 */

import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import {
  getJson,
  identifyCommand,
  nsqdPeer,
  sleep,
  startLookupd,
  type TestLookupd,
  u32,
  V1Client,
} from '../helpers/lookupd.js';

const ok = nsqdPeer('n1');

describe('nsqlookupd TCP V1', () => {
  let l: TestLookupd;
  before(async () => {
    l = await startLookupd();
  });
  after(() => l.close());

  it('IDENTIFY replies with the lookupd (broadcast address, hostname, bound ports, version), keys sorted', async () => {
    const c = await V1Client.connect(l.tcpPort);
    c.write(identifyCommand(ok));
    const httpPort = Number(new URL(l.http).port);
    assert.equal(
      await c.response(),
      `{"broadcast_address":"lookupd.test","hostname":${JSON.stringify(os.hostname())},"http_port":${httpPort},"tcp_port":${l.tcpPort},"version":"1.3.0"}`,
    );
    assert.equal(await c.cmd('PING'), 'OK');
    assert.equal(await c.cmd('REGISTER t c'), 'OK');
    assert.equal(await c.cmd('REGISTER t c extra'), 'OK'); // params after the channel are ignored
    assert.equal(await c.cmd('UNREGISTER t c'), 'OK');
    assert.equal(await c.cmd('UNREGISTER t'), 'OK');
    assert.equal(await c.cmd('UNREGISTER never'), 'OK');
    assert.equal(await c.cmd(' \tPING \r'), 'OK'); // TrimSpace
    c.close();
  });

  const cases: [string, (Buffer | string)[], string[], boolean][] = [
    ['a bad magic', ['  V2PING\n'], ['E_BAD_PROTOCOL'], true],
    ['PING before IDENTIFY', ['  V1PING\n'], ['OK'], false],
    ['an empty line', ['  V1\n'], ['E_INVALID invalid command '], true],
    ['an unknown command', ['  V1FOO bar\n'], ['E_INVALID invalid command FOO'], true],
    ['a lowercase command', ['  V1ping\n'], ['E_INVALID invalid command ping'], true],
    ['REGISTER before IDENTIFY', ['  V1REGISTER t\n'], ['E_INVALID client must IDENTIFY'], true],
    ['UNREGISTER before IDENTIFY', ['  V1UNREGISTER t\n'], ['E_INVALID client must IDENTIFY'], true],
    [
      'IDENTIFY twice',
      ['  V1', identifyCommand(ok), identifyCommand(ok)],
      ['<reply>', 'E_INVALID cannot IDENTIFY again'],
      true,
    ],
    [
      'IDENTIFY without version',
      ['  V1', identifyCommand({ broadcast_address: 'h', tcp_port: 1, http_port: 2 })],
      ['E_BAD_BODY IDENTIFY missing fields'],
      true,
    ],
    [
      'IDENTIFY with tcp_port 0',
      ['  V1', identifyCommand({ ...ok, tcp_port: 0 })],
      ['E_BAD_BODY IDENTIFY missing fields'],
      true,
    ],
    [
      'IDENTIFY with a null body',
      ['  V1', identifyCommand('null')],
      ['E_BAD_BODY IDENTIFY missing fields'],
      true,
    ],
    [
      'IDENTIFY with bad JSON',
      ['  V1', identifyCommand('{x}')],
      ['E_BAD_BODY IDENTIFY failed to decode JSON body'],
      true,
    ],
    [
      'IDENTIFY with a string port',
      ['  V1', identifyCommand({ ...ok, tcp_port: '4150' })],
      ['E_BAD_BODY IDENTIFY failed to decode JSON body'],
      true,
    ],
    [
      'IDENTIFY with a fractional port',
      ['  V1', identifyCommand({ ...ok, tcp_port: 4150.5 })],
      ['E_BAD_BODY IDENTIFY failed to decode JSON body'],
      true,
    ],
    [
      'IDENTIFY with keys in any case (Go folds them)',
      ['  V1', identifyCommand({ BROADCAST_ADDRESS: 'h', Tcp_Port: 1, http_port: 2, VERSION: 'x' })],
      ['<reply>'],
      false,
    ],
    [
      'REGISTER without params',
      ['  V1', identifyCommand(ok), 'REGISTER\n'],
      ['<reply>', 'E_INVALID REGISTER insufficient number of params'],
      true,
    ],
    [
      'UNREGISTER without params',
      ['  V1', identifyCommand(ok), 'UNREGISTER\n'],
      ['<reply>', 'E_INVALID UNREGISTER insufficient number of params'],
      true,
    ],
    [
      'REGISTER a bad topic',
      ['  V1', identifyCommand(ok), 'REGISTER b@d\n'],
      ['<reply>', "E_BAD_TOPIC REGISTER topic name 'b@d' is not valid"],
      true,
    ],
    [
      'REGISTER a bad channel',
      ['  V1', identifyCommand(ok), 'REGISTER t c@h\n'],
      ['<reply>', "E_BAD_CHANNEL REGISTER channel name 'c@h' is not valid"],
      true,
    ],
    [
      'UNREGISTER a bad channel',
      ['  V1', identifyCommand(ok), 'UNREGISTER t c@h\n'],
      ['<reply>', "E_BAD_CHANNEL UNREGISTER channel name 'c@h' is not valid"],
      true,
    ],
    [
      'REGISTER with two spaces (an empty topic)',
      ['  V1', identifyCommand(ok), 'REGISTER  t\n'],
      ['<reply>', "E_BAD_TOPIC REGISTER topic name '' is not valid"],
      true,
    ],
    [
      'REGISTER a non-ASCII topic (its bytes echoed as sent)',
      ['  V1', identifyCommand(ok), Buffer.from('REGISTER t\xc3\xa9\n', 'latin1')],
      ['<reply>', "E_BAD_TOPIC REGISTER topic name 't\xc3\xa9' is not valid"],
      true,
    ],
    [
      'EOF inside the body size',
      ['  V1IDENTIFY\n\0\0'],
      ['E_BAD_BODY IDENTIFY failed to read body size'],
      true,
    ],
    [
      'EOF inside the body',
      ['  V1IDENTIFY\n', u32(10), '{"a"'],
      ['E_BAD_BODY IDENTIFY failed to read body'],
      true,
    ],
    // nsq-ts bounds (Go allocates whatever it is told): nsqd's texts
    ['a negative body size', ['  V1IDENTIFY\n', u32(-5)], ['E_BAD_BODY IDENTIFY invalid body size -5'], true],
    [
      'a body over 64 KiB',
      ['  V1IDENTIFY\n', u32(65537)],
      ['E_BAD_BODY IDENTIFY body too big 65537 > 65536'],
      true,
    ],
    [
      'a line over 4 KiB',
      [`  V1${'P'.repeat(5000)}`],
      ['E_INVALID command line longer than 4096 bytes'],
      true,
    ],
  ];
  for (const [label, parts, want, closes] of cases) {
    it(`${label} → ${want.at(-1)}${closes ? ', then close' : ''}`, async () => {
      const eof = label.startsWith('EOF');
      const c = await V1Client.connect(l.tcpPort, false);
      for (const p of parts) c.write(p);
      if (eof) c.socket.end();
      const got: string[] = [];
      for (const w of want) {
        const r = await c.response();
        got.push(w === '<reply>' && r.startsWith('{"broadcast_address":') ? '<reply>' : r);
      }
      assert.deepEqual(got, want);
      if (closes) await c.closedByServer();
      else assert.equal(await c.cmd('PING'), 'OK');
      c.close();
    });
  }

  it('the same conversation split at every byte gives the same answers', async () => {
    const input = Buffer.concat([
      Buffer.from('  V1PING\n'),
      identifyCommand(nsqdPeer('split')),
      Buffer.from('REGISTER s1 c1\nREGISTER s1\nPING\n'),
    ]);
    const c = await V1Client.connect(l.tcpPort, false);
    for (const b of input) {
      c.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await c.response(), 'OK');
    assert.match(await c.response(), /^\{"broadcast_address":"lookupd\.test"/);
    assert.deepEqual([await c.response(), await c.response(), await c.response()], ['OK', 'OK', 'OK']);
    const found = await getJson<{ producers: { broadcast_address: string }[] }>(`${l.http}/lookup?topic=s1`);
    assert.deepEqual(
      found.producers.map((p) => p.broadcast_address),
      ['split'],
    );
    c.close();
  });

  it('a disconnect removes every registration of the peer; the keys stay', async () => {
    const c = await V1Client.identified(l.tcpPort, nsqdPeer('gone'));
    assert.equal(await c.cmd('REGISTER gone-t gone-c'), 'OK');
    const debug = async (): Promise<string[]> => Object.keys(await getJson<object>(`${l.http}/debug`));
    assert.ok((await debug()).includes('channel:gone-t:gone-c'));
    c.close();
    for (let i = 0; i < 50 && (await debug()).includes('topic:gone-t:'); i++) await sleep(20);
    assert.ok(!(await debug()).includes('topic:gone-t:'));
    const topics = await getJson<{ topics: string[] }>(`${l.http}/topics`);
    assert.ok(topics.topics.includes('gone-t'));
    assert.deepEqual(await getJson(`${l.http}/lookup?topic=gone-t`), { channels: ['gone-c'], producers: [] });
  });
});

describe('nsqlookupd TCP waits', () => {
  let l: TestLookupd;
  before(async () => {
    l = await startLookupd({ clientTimeout: 1000, inactiveProducerTimeout: 100 });
  });
  after(() => l.close());

  it('a connection that does not IDENTIFY within the client timeout is closed, PINGs or not', async () => {
    const c = await V1Client.connect(l.tcpPort);
    const t0 = performance.now();
    assert.equal(await c.cmd('PING'), 'OK');
    await sleep(100);
    assert.equal(await c.cmd('PING'), 'OK');
    await c.closedByServer();
    const took = performance.now() - t0;
    assert.ok(took >= 900 && took < 5000, `closed after ${took} ms`);
  });

  it('an identified peer stays while it PINGs and is dropped (registrations removed) once silent', async () => {
    const c = await V1Client.identified(l.tcpPort, nsqdPeer('idle'));
    assert.equal(await c.cmd('REGISTER idle-t'), 'OK');
    for (let i = 0; i < 6; i++) {
      await sleep(250);
      assert.equal(await c.cmd('PING'), 'OK');
    }
    assert.equal(c.closed, false);
    await c.closedByServer();
    for (let i = 0; i < 50 && JSON.stringify(await getJson(`${l.http}/debug`)).includes('idle-t'); i++)
      await sleep(20);
    assert.equal(JSON.stringify(await getJson(`${l.http}/debug`)).includes('idle-t'), false);
    assert.ok(l.logs.some((line) => line.includes('timed out waiting for')));
  });
});
