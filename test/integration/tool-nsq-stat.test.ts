/**
 * nsq_stat as a process against a real nsqd: --help/--version in Go's form, the validation texts and
 * exit codes, the table (header, one row per interval, --count rows then exit 0) with the channel's
 * counters, a failed query ending it with exit 1, and a signal ending it at once with exit 0.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDirs } from '../helpers/tmp.js';
import { httpCall, publish, startToolNsqd, type ToolNsqd } from '../helpers/tool-nsqd.js';
import { runTool, startTool } from '../helpers/tool-process.js';

const tmp = tempDirs('nsqstat');
const STAMP = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /;

describe('nsq_stat', () => {
  let n: ToolNsqd;
  before(async () => {
    n = await startToolNsqd(tmp());
  });
  after(() => n.stop());

  it('--help prints the usage on stderr with exit 0; --version on stdout', async () => {
    const h = await runTool('nsq_stat', ['--help']);
    assert.equal(h.code, 0);
    assert.equal(h.stdout.toString(), '');
    assert.match(h.stderr, /^Usage of nsq_stat:\n {2}-channel string\n {4}\tNSQ channel\n {2}-count value\n/);
    assert.match(
      h.stderr,
      / {2}-interval duration\n {4}\tduration of time between polling\/printing output \(default 2s\)\n/,
    );
    const v = await runTool('nsq_stat', ['-version']);
    assert.deepEqual([v.code, v.stdout.toString()], [0, 'nsq_stat v1.3.0\n']);
    const bad = await runTool('nsq_stat', ['--count=x']);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^invalid value "x" for flag -count: strconv.ParseInt: parsing "x": invalid syntax\nUsage of nsq_stat:/,
    );
  });

  it('validation: Go log.Fatal lines, exit 1, in Go order', async () => {
    const cases: [string[], string][] = [
      [['--topic=t'], '--topic and --channel are required'],
      [['--topic=t', '--channel=c', '--interval=0'], '--interval should be positive'],
      [
        ['--topic=t', '--channel=c', '--http-client-connect-timeout=-1s'],
        '--http-client-connect-timeout should be positive',
      ],
      [['--topic=t', '--channel=c', '--count=0'], '--count should be positive'],
      [['--topic=t', '--channel=c'], '--nsqd-http-address or --lookupd-http-address required'],
      [
        ['--topic=t', '--channel=c', '--nsqd-http-address=a:1', '--lookupd-http-address=b:1'],
        'use --nsqd-http-address or --lookupd-http-address not both',
      ],
      [
        ['--topic=t', '--channel=c', '--nsqd-http-address=httpd:4151'],
        '--nsqd-http-address error - address should not contain scheme',
      ],
    ];
    for (const [args, text] of cases) {
      const r = await runTool('nsq_stat', args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, STAMP);
      assert.equal(r.stderr.replace(STAMP, ''), `${text}\n`);
    }
  });

  it('prints the header and --count rows of the channel, then exits 0', async () => {
    await httpCall(n.http, 'POST', '/topic/create?topic=stat');
    assert.equal((await httpCall(n.http, 'POST', '/channel/create?topic=stat&channel=billing')).status, 200);
    await publish(n, 'stat', ['a', 'b', 'c']);
    const t = startTool('nsq_stat', [
      '--topic=stat',
      '--channel=billing',
      `--nsqd-http-address=${n.http}`,
      '--interval=300ms',
      '--count=2',
    ]);
    await t.waitStdout('clients\n', 5000);
    await publish(n, 'stat', ['d', 'e', 'f', 'g']);
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.toString().split('\n');
    assert.equal(
      lines[0],
      '------rate------+----------------depth----------------+--------------metadata---------------',
    );
    assert.equal(
      lines[1],
      'ingress  egress |   total     mem    disk inflt   def |     req     t-o         msgs clients',
    );
    assert.equal(lines.length, 5, r.stdout.toString());
    const last = lines[3]!;
    // 7 messages in the channel, none consumed, no clients
    assert.match(last, /^ +\d+ +0 \| +7 +7 +0 +0 +0 \| +0 +0 +7 +0$/);
    assert.equal(last.length, 92);
  });

  it('a failed query is fatal (exit 1) with the reason', async () => {
    const r = await runTool('nsq_stat', [
      '--topic=stat',
      '--channel=nope',
      `--nsqd-http-address=${n.http}`,
      '--interval=100ms',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.replace(STAMP, ''),
      'ERROR: failed to find channel(nope) in stats metadata for topic(stat)\n',
    );
    const down = await runTool('nsq_stat', [
      '--topic=stat',
      '--channel=c',
      '--nsqd-http-address=127.0.0.1:1',
      '--interval=100ms',
    ]);
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr.replace(STAMP, ''),
      'ERROR: failed to get topic producers - failed to query any nsqd: Get "http://127.0.0.1:1/stats?format=json&topic=stat&include_clients=false": dial tcp 127.0.0.1:1: connect: connection refused\n',
    );
    const none = await runTool('nsq_stat', [
      '--topic=absent',
      '--channel=c',
      `--nsqd-http-address=${n.http}`,
      '--interval=100ms',
    ]);
    assert.equal(none.code, 1);
    assert.equal(
      none.stderr.replace(STAMP, ''),
      'ERROR: failed to get nsqd stats - failed to query any nsqd: \n',
    );
  });

  it('SIGTERM and SIGHUP end it at once with exit 0', async () => {
    for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
      const t = startTool('nsq_stat', [
        '--topic=stat',
        '--channel=billing',
        `--nsqd-http-address=${n.http}`,
        '--interval=10s',
      ]);
      await t.waitStdout('clients\n', 5000);
      t.proc.kill(sig);
      const r = await t.exit();
      assert.equal(r.code, 0, sig);
    }
  });
});
