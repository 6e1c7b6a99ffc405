/**
 * to_nsq and nsq_tail end to end, each a real process against a real nsqd (in this process): the
 * bytes they print, their exit codes, Go's error texts, --help and --version, the delimiter and
 * rate flags, per-topic -n and --print-topic, lookupd discovery, and the stop on SIGINT/SIGTERM.
 */

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/producer.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { runTool, startTool } from '../helpers/tool-process.js';
import { freshTopic } from '../helpers/wire.js';

const STAMP = '\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d';

/** the message count of topic on b, from /stats */
async function topicCount(b: TestBroker, topic: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${topic}`);
  const body = (await res.json()) as { topics: { topic_name: string; message_count: number }[] };
  return body.topics.find((t) => t.topic_name === topic)?.message_count ?? 0;
}

describe('to_nsq and nsq_tail', () => {
  let b: TestBroker;
  let b2: TestBroker;
  let addr: string;
  before(async () => {
    [b, b2] = await Promise.all([startBroker({ workers: 0 }), startBroker({ workers: 0 })]);
    addr = `127.0.0.1:${b.port}`;
  });
  after(() => Promise.all([b.close(), b2.close()]));

  it('pipes lines through: to_nsq publishes every record (the final one whole), nsq_tail -n prints them', async () => {
    const t = freshTopic('pipe');
    const pub = await runTool('to_nsq', [`--topic=${t}`, `--nsqd-tcp-address=${addr}`], 'one\ntwo\n\nthree');
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout.length, 0);
    const esc = addr.replaceAll('.', '\\.');
    assert.match(
      pub.stderr,
      new RegExp(
        `^${STAMP} INF    \\d+ \\(${esc}\\) connecting to nsqd\\n${STAMP} INF    \\d+ \\(${esc}\\) stopping\\n${STAMP} INF    \\d+ \\(${esc}\\) exiting router\\n$`,
      ),
    );
    // Go's to_nsq would publish `thre`: the last byte of the unterminated final record is kept here
    const tail = await runTool('nsq_tail', [`--topic=${t}`, `--nsqd-tcp-address=${addr}`, '-n', '3']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(tail.stdout.toString(), 'one\ntwo\nthree\n');
    assert.match(
      tail.stderr,
      new RegExp(
        `^${STAMP} Adding consumer for topic: ${t}\\n${STAMP} INF    \\d+ \\[${t}/tail\\d{6}#ephemeral\\] \\(${esc}\\) connecting to nsqd\\n`,
      ),
    );
  });

  it('splits at --delimiter and sends every record to every --nsqd-tcp-address', async () => {
    const t = freshTopic('delim');
    const r = await runTool(
      'to_nsq',
      [
        `--topic=${t}`,
        '--delimiter=,',
        `--nsqd-tcp-address=${addr}`,
        `--nsqd-tcp-address=127.0.0.1:${b2.port}`,
      ],
      'one,two,three\n',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await topicCount(b, t), 3);
    assert.equal(await topicCount(b2, t), 3);
    const tail = await runTool('nsq_tail', [
      `--topic=${t}`,
      `--nsqd-tcp-address=127.0.0.1:${b2.port}`,
      '-n=3',
    ]);
    assert.equal(
      tail.stdout.toString(),
      'one\ntwo\nthree\n',
      'the trailing newline of the last record is dropped, as Go',
    );
  });

  it('throttles to --rate records per second', async () => {
    const t = freshTopic('rate');
    const r = await runTool(
      'to_nsq',
      [`--topic=${t}`, `--nsqd-tcp-address=${addr}`, '--rate=10'],
      'a\nb\nc\nd\ne\n',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^${STAMP} Throttling messages rate to max:10/second\\n`));
    assert.equal(await topicCount(b, t), 5);
    // a token to start with, then one per 100 ms tick: at least 4 ticks for 5 records
    assert.ok(r.ms >= 350, `took ${r.ms} ms`);
  });

  it("fails as Go's to_nsq does", async () => {
    const cases: [string[], number, RegExp][] = [
      [[`--nsqd-tcp-address=${addr}`], 1, new RegExp(`^${STAMP} --topic required\\n$`)],
      [
        ['--topic=t', '--delimiter=ab', `--nsqd-tcp-address=${addr}`],
        1,
        /--delimiter must be a single byte\n$/,
      ],
      [['--topic=t'], 1, /--nsqd-tcp-address required\n$/],
      [
        ['--topic=t', '--producer-opt=read_timeout,1ms'],
        2,
        /^invalid value "read_timeout,1ms" for flag -producer-opt: invalid read_timeout ! 1ms < 100ms\nUsage of to_nsq:\n/,
      ],
      [['--version'], 2, /^flag provided but not defined: -version\nUsage of to_nsq:\n/],
      [
        ['--topic=t', '--nsqd-tcp-address=127.0.0.1:1'],
        1,
        new RegExp(
          `ERR    \\d+ \\(127\\.0\\.0\\.1:1\\) error connecting to nsqd - dial tcp 127\\.0\\.0\\.1:1: connect: connection refused\\n${STAMP} dial tcp 127\\.0\\.0\\.1:1: connect: connection refused\\n$`,
        ),
      ],
    ];
    for (const [args, code, stderr] of cases) {
      const r = await runTool('to_nsq', args, 'x\n');
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, stderr, args.join(' '));
    }
  });

  it('prints --help and --version in Go form', async () => {
    const help = await runTool('nsq_tail', ['--help']);
    assert.equal(help.code, 0);
    assert.equal(
      help.stderr,
      [
        'Usage of nsq_tail:',
        '  -channel string',
        '    \tNSQ channel',
        '  -consumer-opt value',
        '    \toption to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)',
        '  -lookupd-http-address value',
        '    \tlookupd HTTP address (may be given multiple times)',
        '  -max-in-flight int',
        '    \tmax number of messages to allow in flight (default 200)',
        '  -n int',
        '    \ttotal messages to show (will wait if starved)',
        '  -nsqd-tcp-address value',
        '    \tnsqd TCP address (may be given multiple times)',
        '  -print-topic',
        '    \tprint topic name where message was received',
        '  -topic value',
        '    \tNSQ topic (may be given multiple times)',
        '  -version',
        '    \tprint version string',
        '',
      ].join('\n'),
    );
    const toHelp = await runTool('to_nsq', ['-h']);
    assert.equal(toHelp.code, 0);
    assert.match(
      toHelp.stderr,
      /^Usage of to_nsq:\n {2}-delimiter string\n {4}\tcharacter to split input from stdin \(default "\\n"\)\n/,
    );
    const v = await runTool('nsq_tail', ['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout.toString(), 'nsq_tail v1.3.0\n');
  });

  it("fails as Go's nsq_tail does", async () => {
    const cases: [string[], RegExp][] = [
      [['--topic=t'], /--nsqd-tcp-address or --lookupd-http-address required\n$/],
      [
        ['--topic=t', `--nsqd-tcp-address=${addr}`, '--lookupd-http-address=127.0.0.1:4161'],
        /use --nsqd-tcp-address or --lookupd-http-address not both\n$/,
      ],
      [[`--nsqd-tcp-address=${addr}`], /--topic required\n$/],
      [['--topic=bad topic', `--nsqd-tcp-address=${addr}`], new RegExp(`${STAMP} invalid topic name\\n$`)],
      [
        ['--topic=t', '--nsqd-tcp-address=127.0.0.1:1'],
        new RegExp(`${STAMP} dial tcp 127\\.0\\.0\\.1:1: connect: connection refused\\n$`),
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await runTool('nsq_tail', args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, stderr, args.join(' '));
    }
    const bad = await runTool('nsq_tail', ['--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^flag provided but not defined: -bogus\nUsage of nsq_tail:\n/);
  });

  it('prints each topic with --print-topic and ends when one topic reaches -n', async () => {
    const [ta, tb] = [freshTopic('a'), freshTopic('b')];
    const p = new Producer(addr, { logger: null });
    const tool = startTool('nsq_tail', [
      `--topic=${ta}`,
      `--topic=${tb}`,
      `--nsqd-tcp-address=${addr}`,
      '--print-topic',
      '-n=2',
    ]);
    try {
      await tool.waitStderr(new RegExp(`\\[${tb}/tail\\d{6}#ephemeral\\] \\(.+\\) connecting to nsqd`));
      await tool.waitStderr(/\n$/);
      await new Promise((r) => setTimeout(r, 100)); // both subscribed
      await p.publish(tb, 'b1');
      await tool.waitStdout(`${tb} | b1\n`);
      await p.publish(ta, 'a1');
      await tool.waitStdout(`${ta} | a1\n`);
      await p.publish(ta, 'a2');
      const r = await tool.exit(5000);
      assert.equal(r.code, 0);
      assert.equal(
        r.stdout.toString(),
        `${tb} | b1\n${ta} | a1\n${ta} | a2\n`,
        '-n counts per topic: 2 of a, after 1 of b',
      );
    } finally {
      tool.proc.kill('SIGKILL');
      await p.close();
    }
  });

  it('finds nsqd through --lookupd-http-address and stops cleanly on SIGINT and SIGTERM', async () => {
    const t = freshTopic('lookup');
    const lookupd = http.createServer((_req, res) => {
      res.setHeader('X-NSQ-Content-Type', 'nsq; version=1.0');
      res.end(
        JSON.stringify({ channels: [], producers: [{ broadcast_address: '127.0.0.1', tcp_port: b.port }] }),
      );
    });
    await new Promise<void>((r) => lookupd.listen(0, '127.0.0.1', r));
    const lport = (lookupd.address() as AddressInfo).port;
    const p = new Producer(addr, { logger: null });
    try {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        const tool = startTool('nsq_tail', [
          `--topic=${t}`,
          `--lookupd-http-address=127.0.0.1:${lport}`,
          `--channel=c-${sig}`,
        ]);
        await tool.waitStderr(/connecting to nsqd\n/);
        await new Promise((r) => setTimeout(r, 100));
        await p.publish(t, `via lookupd ${sig}`);
        await tool.waitStdout(`via lookupd ${sig}\n`);
        tool.proc.kill(sig);
        const r = await tool.exit(5000);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`querying nsqlookupd http://127\\.0\\.0\\.1:${lport}/lookup\\?topic=${t}\\n`),
        );
        assert.match(
          r.stderr,
          /INF {4}\d+ \[.+\] stopping\.\.\.\n[\s\S]*clean close complete\n[\s\S]*stopping handlers\n[\s\S]*exiting lookupdLoop\n$/,
        );
      }
    } finally {
      lookupd.close();
      await p.close();
    }
  });
});
