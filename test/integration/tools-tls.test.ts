/**
 * The tools over the client's TLS and compression, as an operator turns them on (Go's tools have no
 * --tls flags: go-nsq's options pass through --producer-opt / --consumer-opt): to_nsq publishing
 * over TLS + snappy, nsq_tail reading over TLS (insecure skip) + deflate, both real processes
 * against a real nsqd with the fixture certificate; a bad tls_* option is a flag error.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { fixture, tlsOptions } from '../helpers/tls.js';
import { runTool, startTool } from '../helpers/tool-process.js';
import { freshTopic } from '../helpers/wire.js';

describe('to_nsq and nsq_tail over TLS, snappy and deflate', () => {
  let b: TestBroker;
  let addr: string;
  before(async () => {
    b = await startBroker({ workers: 0, ...tlsOptions() });
    addr = `127.0.0.1:${b.port}`;
  });
  after(() => b.close());

  it('to_nsq publishes over TLS + snappy and nsq_tail prints over TLS + deflate', async () => {
    const t = freshTopic('tls');
    const tail = startTool('nsq_tail', [
      `--topic=${t}`,
      `--nsqd-tcp-address=${addr}`,
      '--consumer-opt=tls_v1,true',
      '--consumer-opt=tls_insecure_skip_verify,true',
      '--consumer-opt=deflate,true',
      '-n',
      '3',
    ]);
    try {
      await tail.waitStderr(/upgrading to Deflate/);
      // the channel exists once the tail's SUB is in: wait for it so no message goes before it
      const deadline = Date.now() + 5000;
      for (;;) {
        const s = (await (
          await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${t}`)
        ).json()) as {
          topics: { channels: { clients: { tls: boolean; deflate: boolean }[] }[] }[] | null;
        };
        const client = s.topics?.[0]?.channels[0]?.clients[0];
        if (client !== undefined) {
          assert.deepEqual([client.tls, client.deflate], [true, true], 'nsqd sees the tail on TLS + deflate');
          break;
        }
        assert.ok(Date.now() < deadline, 'the tail subscribed');
        await new Promise((r) => setTimeout(r, 20));
      }
      const pub = await runTool(
        'to_nsq',
        [
          `--topic=${t}`,
          `--nsqd-tcp-address=${addr}`,
          '--producer-opt=tls_v1,true',
          `--producer-opt=tls_root_ca_file,${fixture('ca.pem')}`,
          '--producer-opt=snappy,true',
        ],
        'one\ntwo\nthree\n',
      );
      assert.equal(pub.code, 0, pub.stderr);
      assert.match(pub.stderr, /\(127\.0\.0\.1:\d+\) upgrading to TLS\n.*\) upgrading to Snappy\n/);
    } catch (err) {
      tail.proc.kill('SIGKILL'); // a failed step leaves no tail running
      throw err;
    }
    const done = await tail.exit(10_000);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout.toString(), 'one\ntwo\nthree\n');
    assert.match(done.stderr, /\) upgrading to TLS\n.*\) upgrading to Deflate\n/);
  });

  it("a tls_* option go-nsq cannot take is a flag error, in Go's words", async () => {
    const r = await runTool('nsq_tail', [
      '--topic=x',
      `--nsqd-tcp-address=${addr}`,
      `--consumer-opt=tls_root_ca_file,${fixture('ca.key')}`,
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^invalid value "tls_root_ca_file,[^"]*ca\.key" for flag -consumer-opt: ERROR: failed to append certificates from Certificate Authority file\n/,
    );
  });
});
