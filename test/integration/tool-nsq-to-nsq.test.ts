/**
 * nsq_to_nsq as a process between two real nsqd: a plain relay to the same topic on the destination,
 * and the spec's JSON filter case (required field and value, whitelist with sorted keys and 4.0 → 4,
 * a non-JSON body dropped, a missing field REQ'd with backoff); validation texts; SIGINT → exit 0.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../../src/client/consumer.js';
import { tempDirs } from '../helpers/tmp.js';
import { httpCall, publish, startToolNsqd, type ToolNsqd } from '../helpers/tool-nsqd.js';
import { runTool, startTool } from '../helpers/tool-process.js';

const tmp = tempDirs('tonsq');
const STAMP = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /;

/** the first `count` bodies on `topic` at `n` */
async function take(n: ToolNsqd, topic: string, count: number): Promise<string[]> {
  const c = new Consumer(topic, 'check', { logger: null, maxInFlight: 10 });
  const out: string[] = [];
  const done = new Promise<void>((resolve) => {
    c.addHandler((m) => {
      out.push(m.body.toString());
      if (out.length === count) resolve();
    });
  });
  await c.connectToNSQD(n.tcp);
  const t = setTimeout(() => void c.close(), 10_000);
  await Promise.race([done, c.stopped]);
  clearTimeout(t);
  await c.close();
  return out;
}

describe('nsq_to_nsq', () => {
  let src: ToolNsqd;
  let dst: ToolNsqd;
  before(async () => {
    src = await startToolNsqd(tmp());
    dst = await startToolNsqd(tmp());
  });
  after(async () => {
    await src.stop();
    await dst.stop();
  });

  it('validation in Go order and texts', async () => {
    const cases: [string[], string][] = [
      [[], '--topic and --channel are required'],
      [['--topic=bad topic'], '--topic is invalid'],
      [['--topic=t', '--destination-topic=!'], '--destination-topic is invalid'],
      [['--topic=t', '--channel=a b'], '--channel is invalid'],
      [['--topic=t'], '--nsqd-tcp-address or --lookupd-http-address required'],
      [['--topic=t', '--nsqd-tcp-address=a:1'], '--destination-nsqd-tcp-address required'],
    ];
    for (const [args, text] of cases) {
      const r = await runTool('nsq_to_nsq', args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.replace(STAMP, ''), `${text}\n`);
    }
  });

  it('relays a topic to the destination unchanged', async () => {
    await publish(src, 'relay', ['one', 'two', 'three']);
    const t = startTool('nsq_to_nsq', [
      '--topic=relay',
      `--nsqd-tcp-address=${src.tcp}`,
      `--destination-nsqd-tcp-address=${dst.tcp}`,
    ]);
    assert.deepEqual((await take(dst, 'relay', 3)).sort(), ['one', 'three', 'two']);
    t.proc.kill('SIGINT');
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    // every source message FIN'd
    const stats = JSON.parse((await httpCall(src.http, 'GET', '/stats?format=json&topic=relay')).body);
    assert.equal(stats.topics[0].channels[0].depth, 0);
    assert.equal(stats.topics[0].channels[0].in_flight_count, 0);
  });

  it("the JSON filter: spec's worked example", async () => {
    await publish(src, 'src', [
      '{"type":"click","id":1,"x":1.5,"extra":"drop"}',
      '{"type":"view","id":2}',
      '{"id":3}',
      'not json',
      '{"type":"click","id":4.0}',
    ]);
    const t = startTool('nsq_to_nsq', [
      '--topic=src',
      `--nsqd-tcp-address=${src.tcp}`,
      `--destination-nsqd-tcp-address=${dst.tcp}`,
      '--destination-topic=dst',
      '--require-json-field=type',
      '--require-json-value=click',
      '--whitelist-json-field=id',
      '--whitelist-json-field=x',
      '--status-every=0',
    ]);
    assert.deepEqual(await take(dst, 'dst', 2), ['{"id":1,"x":1.5}', '{"id":4}']);
    await t.waitStderr(/ERROR: Unable to decode json: not json\n/);
    await t.waitStderr(/ERROR: missing field to check required value\n/);
    await t.waitStderr(/Handler returned error \(backoff\) for msg [0-9a-f]{16}\n/);
    t.proc.kill('SIGINT');
    assert.equal((await t.exit()).code, 0);
    const stats = JSON.parse((await httpCall(src.http, 'GET', '/stats?format=json&topic=src')).body);
    const ch = stats.topics[0].channels[0];
    assert.equal(ch.message_count, 5);
    assert.equal(ch.requeue_count, 1);
    assert.equal(ch.deferred_count, 1);
  });
});
