/**
 * The V2 session alone, behind a recording connection port and two recording shard links: replies
 * keep command order when a shard answers one command and the io thread the next, and when
 * commands go to two shards; a full ring stalls the session until it has room; the state machine
 * (IDENTIFY, SUB, RDY, FIN, CLS) and what each transition sends where.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Logger } from '../../src/log.js';
import { PREACKED, type ShardLink } from '../../src/nsqd/contract/shard.js';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import { onCommandBody, onCommandLine } from '../../src/nsqd/router/commands/dispatch.js';
import type { ServerContext } from '../../src/nsqd/router/context.js';
import {
  type ConnectionPort,
  Session,
  STATE_CLOSING,
  STATE_SUBSCRIBED,
} from '../../src/nsqd/router/session.js';
import { shardIndexOf } from '../../src/nsqd/router/shard-map.js';
import { encodeMpubBody, FrameReader } from '../../src/wire/encode.js';
import { errorFrameData, type ProtocolError, protocolError } from '../../src/wire/errors.js';
import { makeBodyRules } from '../../src/wire/parser.js';

/** what the connection was asked to do, in order */
class Port implements ConnectionPort {
  readonly id = 7;
  readonly remoteAddress = '127.0.0.1';
  readonly remoteHostPort = '127.0.0.1:5555';
  log: string[] = [];
  paused = false;
  writeFrame(frame: Buffer): void {
    for (const f of new FrameReader().push(frame)) this.log.push(f.data.toString());
  }
  writeError(err: ProtocolError): void {
    this.log.push(`error ${errorFrameData(err)}`);
  }
  setOutputBuffer(size: number, timeoutMs: number): void {
    this.log.push(`output buffer ${size} ${timeoutMs}`);
  }
  pauseInput(): void {
    this.paused = true;
  }
  resumeInput(): void {
    this.paused = false;
  }
  fail(err: ProtocolError): void {
    this.log.push(`fail ${errorFrameData(err)}`);
  }
  close(): void {
    this.log.push('close');
  }
  heartbeatChanged(): void {
    this.log.push('heartbeat changed');
  }
  take(): string[] {
    const l = this.log;
    this.log = [];
    return l;
  }
}

/** a shard link that records commands; `full` refuses them as a full ring does */
class Link implements ShardLink {
  readonly index: number;
  sent: string[] = [];
  full = false;
  /** as a healthy worker shard's link without --sync-publish */
  preAcks = false;
  /** the conn of each publish taken (PREACKED = 0: answered by the session) */
  pubConns: number[] = [];
  constructor(index: number) {
    this.index = index;
  }
  private take(what: string): boolean {
    if (this.full) return false;
    this.sent.push(what);
    return true;
  }
  publishOne(
    conn: number,
    kind: number,
    topic: string,
    deferMs: number,
    buf: Buffer,
    s: number,
    e: number,
  ): boolean {
    return this.takePub(conn, `pub ${kind} ${topic} ${deferMs} ${buf.toString('latin1', s, e)}`);
  }
  publishBatch(conn: number, topic: string, _buf: Buffer, s: number, e: number, count: number): boolean {
    return this.takePub(conn, `mpub ${topic} ${count} ${e - s}`);
  }
  private takePub(conn: number, what: string): boolean {
    if (!this.take(what)) return false;
    this.pubConns.push(conn);
    return true;
  }
  subscribe(_conn: number, topic: string, channel: string, msgTimeout: number, sampleRate: number): boolean {
    return this.take(`sub ${topic} ${channel} ${msgTimeout} ${sampleRate}`);
  }
  ready(_conn: number, count: number): boolean {
    return this.take(`rdy ${count}`);
  }
  finish(_conn: number, buf: Buffer, at: number): boolean {
    return this.take(`fin ${buf.toString('latin1', at, at + 16)}`);
  }
  requeue(_conn: number, buf: Buffer, at: number, delayMs: number): boolean {
    return this.take(`req ${buf.toString('latin1', at, at + 16)} ${delayMs}`);
  }
  touch(_conn: number, buf: Buffer, at: number): boolean {
    return this.take(`touch ${buf.toString('latin1', at, at + 16)}`);
  }
  startClose(): boolean {
    return this.take('cls');
  }
  disconnect(): void {
    this.sent.push('gone');
  }
}

/** a topic name that the two-shard map sends to shard `k` */
function topicOn(k: number): string {
  for (let i = 0; ; i++) if (shardIndexOf(`t${i}`, 2) === k) return `t${i}`;
}

function setup() {
  const options = defaultOptions();
  const links = [new Link(0), new Link(1)];
  const ctx: ServerContext = {
    options,
    links,
    rules: makeBodyRules(options),
    log: Logger.silent(),
    auth: null,
  };
  const port = new Port();
  const s = new Session(port, ctx);
  /** a command line; then its body, if it announced one */
  const send = (text: string, body?: Buffer): void => {
    assert.equal(port.paused, false, `"${text}" sent while input is paused`);
    const line = Buffer.from(text);
    const rule = onCommandLine(s, line, 0, line.length);
    if (body !== undefined) {
      assert.ok(rule !== null, `"${text}" announces a body`);
      onCommandBody(s, body, 0, body.length);
    }
  };
  return { s, port, links, send };
}

const A = topicOn(0);
const B = topicOn(1);
const ID = '0123456789abcdef';

describe('session: reply order', () => {
  test('a shard-answered PUB, then an io-thread answer: the OK comes first', () => {
    const { s, port, links, send } = setup();
    send(`PUB ${A}`, Buffer.from('hello'));
    assert.deepEqual(links[0]!.sent, [`pub 0 ${A} 0 hello`]);
    send('IDENTIFY', Buffer.from('{}'));
    assert.deepEqual(port.take(), ['output buffer 16384 250', 'heartbeat changed']);
    assert.equal(port.paused, true, 'the OK of IDENTIFY waits for the PUB answer');
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK', 'OK']);
    assert.equal(port.paused, false);
  });

  test('a fatal error made on the io thread waits for the answers owed before it', () => {
    const { s, port, send } = setup();
    send(`PUB ${A}`, Buffer.from('one'));
    send('BOGUS');
    assert.deepEqual(port.take(), []);
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK', 'fail E_INVALID invalid command BOGUS']);
  });

  test('across two shards: the second shard gets its command only after the first answered', () => {
    const { s, port, links, send } = setup();
    send(`PUB ${A}`, Buffer.from('a1'));
    send(`PUB ${A}`, Buffer.from('a2'));
    assert.deepEqual(links[0]!.sent, [`pub 0 ${A} 0 a1`, `pub 0 ${A} 0 a2`], 'one shard: no wait');
    send(`PUB ${B}`, Buffer.from('b1'));
    assert.deepEqual(links[1]!.sent, [], 'shard 1 waits while shard 0 owes answers');
    assert.equal(port.paused, true);
    s.onShardOk();
    assert.deepEqual(links[1]!.sent, []);
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK', 'OK']);
    assert.deepEqual(links[1]!.sent, [`pub 0 ${B} 0 b1`], 'sent once shard 0 has answered everything');
    assert.equal(port.paused, false);
    send('NOP');
    send(`MPUB ${A}`, encodeMpubBody([Buffer.from('x'), Buffer.from('yz')]));
    assert.deepEqual(links[0]!.sent.slice(2), [], 'back to shard 0: waits for shard 1');
    s.onShardOk();
    assert.deepEqual(links[0]!.sent.slice(2), [`mpub ${A} 2 11`]);
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK', 'OK']);
    assert.equal(s.pubCounts.get(A), 4);
  });

  test('a full ring stalls the command until the link has room, keeping order', () => {
    const { s, port, links, send } = setup();
    links[0]!.full = true;
    send(`DPUB ${A} 1500`, Buffer.from('later'));
    assert.equal(port.paused, true);
    s.retryStalled();
    assert.equal(port.paused, true, 'still full');
    links[0]!.full = false;
    s.retryStalled();
    assert.equal(port.paused, false);
    assert.deepEqual(links[0]!.sent, [`pub 2 ${A} 1500 later`]);
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK']);
  });

  test('a fatal shard error answers its command and closes; a non-fatal one is written as it is', () => {
    const { s, port, send } = setup();
    send(`PUB ${A}`, Buffer.from('x'));
    s.onShardError(protocolError('E_PUB_FAILED', 'PUB failed exiting'));
    assert.deepEqual(port.take(), ['fail E_PUB_FAILED PUB failed exiting']);
    assert.equal(s.pending, 0);
    s.onShardError(protocolError('E_FIN_FAILED', `FIN ${ID} failed ID not in flight`));
    assert.deepEqual(port.take(), [`error E_FIN_FAILED FIN ${ID} failed ID not in flight`]);
  });
});

describe('session: publishes answered on the io thread (pre-ack)', () => {
  test('a link that pre-acks gets PUB and MPUB with conn PREACKED, and OK is written at once', () => {
    const { s, port, links, send } = setup();
    links[0]!.preAcks = true;
    send(`PUB ${A}`, Buffer.from('a1'));
    send(`MPUB ${A}`, encodeMpubBody([Buffer.from('x'), Buffer.from('yz')]));
    assert.deepEqual(port.take(), ['OK', 'OK']);
    assert.deepEqual(links[0]!.pubConns, [PREACKED, PREACKED]);
    assert.equal(s.pending, 0);
    assert.equal(port.paused, false);
  });

  test('an answer still owed before it: the publish waits for the shard, in order', () => {
    const { s, port, links, send } = setup();
    links[0]!.preAcks = true;
    send(`SUB ${A} ch`);
    send(`PUB ${A}`, Buffer.from('a1'));
    assert.deepEqual(port.take(), [], 'no OK for the PUB before the SUB is answered');
    assert.deepEqual(links[0]!.pubConns, [7], 'sent as the connection, for the shard to answer');
    s.onShardOk();
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK', 'OK']);
    send(`PUB ${A}`, Buffer.from('a2'));
    assert.deepEqual(port.take(), ['OK']);
    assert.deepEqual(links[0]!.pubConns, [7, PREACKED]);
  });

  test('a full ring: the publish stalls, then goes the answered way; a link that stops pre-acking is answered by its shard', () => {
    const { s, port, links, send } = setup();
    links[0]!.preAcks = true;
    links[0]!.full = true;
    send(`PUB ${A}`, Buffer.from('a1'));
    assert.equal(port.paused, true);
    assert.deepEqual(port.take(), []);
    links[0]!.full = false;
    s.retryStalled();
    assert.deepEqual(links[0]!.pubConns, [7]);
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK']);
    links[0]!.preAcks = false; // the shard reported a failed write
    send(`PUB ${A}`, Buffer.from('a2'));
    assert.deepEqual(port.take(), [], 'waits for the shard');
    s.onShardError(protocolError('E_PUB_FAILED', 'PUB failed disk full'));
    assert.deepEqual(port.take(), ['fail E_PUB_FAILED PUB failed disk full']);
  });
});

describe('session: the V2 state machine', () => {
  test('SUB goes to the topic shard and subscribes; RDY, FIN, REQ, TOUCH follow it there', () => {
    const { s, port, links, send } = setup();
    send(`SUB ${B} ch`);
    assert.equal(s.state, STATE_SUBSCRIBED);
    assert.equal(s.subShard, 1);
    assert.deepEqual(links[1]!.sent, [`sub ${B} ch 60000 0`]);
    send('RDY 10');
    send(`FIN ${ID}`);
    send(`REQ ${ID} 2000`);
    send(`TOUCH ${ID}`);
    assert.deepEqual(links[1]!.sent.slice(1), ['rdy 10', `fin ${ID}`, `req ${ID} 2000`, `touch ${ID}`]);
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK']);
    send(`SUB ${A} ch`);
    assert.deepEqual(port.take(), ['fail E_INVALID cannot SUB in current state']);
  });

  test('CLS: closing at once, CLOSE_WAIT only after the SUB answer; RDY ignored after it', () => {
    const { s, port, links, send } = setup();
    send(`SUB ${A} ch`);
    send('CLS');
    assert.equal(s.state, STATE_CLOSING);
    assert.deepEqual(links[0]!.sent.slice(1), ['cls']);
    assert.deepEqual(port.take(), []);
    s.onShardOk();
    assert.deepEqual(port.take(), ['OK', 'CLOSE_WAIT']);
    send('RDY 5');
    assert.deepEqual(links[0]!.sent.slice(2), [], 'nsqd ignores RDY after CLS');
    send(`FIN ${ID}`);
    assert.deepEqual(links[0]!.sent.slice(2), [`fin ${ID}`]);
  });

  test('IDENTIFY applies its settings through the session and answers the negotiated values', () => {
    const { s, port, send } = setup();
    const settings = {
      client_id: 'c',
      heartbeat_interval: 5000,
      output_buffer_size: 4096,
      output_buffer_timeout: 100,
      sample_rate: 20,
      msg_timeout: 30000,
      feature_negotiation: true,
    };
    send('IDENTIFY', Buffer.from(JSON.stringify(settings)));
    const [buffer, heartbeat, json] = port.take();
    assert.deepEqual([buffer, heartbeat], ['output buffer 4096 100', 'heartbeat changed']);
    const reply = JSON.parse(json!);
    assert.equal(reply.output_buffer_size, 4096);
    assert.equal(reply.output_buffer_timeout, 100);
    assert.equal(reply.sample_rate, 20);
    assert.equal(reply.msg_timeout, 30000);
    assert.deepEqual(
      [s.clientId, s.heartbeatInterval, s.sampleRate, s.msgTimeout, s.identified],
      ['c', 5000, 20, 30000, true],
    );
  });

  test('IDENTIFY with an invalid value is E_BAD_BODY, in order', () => {
    const { s, port, send } = setup();
    send(`PUB ${A}`, Buffer.from('x'));
    send('IDENTIFY', Buffer.from(JSON.stringify({ sample_rate: 100 })));
    s.onShardOk();
    assert.deepEqual(port.take().slice(-2), ['OK', 'fail E_BAD_BODY IDENTIFY sample rate (100) is invalid']);
    assert.equal(s.identified, false);
  });

  test('MPUB is one batch of the message count to the shard', () => {
    const { links, send } = setup();
    send(`MPUB ${A}`, encodeMpubBody([Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')]));
    assert.deepEqual(links[0]!.sent, [`mpub ${A} 3 18`]);
  });
});
