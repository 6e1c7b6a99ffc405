/**
 * nsq_to_http as a process against a real nsqd and a node:http server in the test: POST bodies with
 * Go's User-Agent, --content-type and --header; round-robin starting at the second address; fan-out
 * for an unknown --mode; GET with the query-escaped body; a 201 to a GET counting as failure (REQ with
 * backoff, logged as go-nsq does); status lines; validation texts; SIGTERM → exit 0.
 */

import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tempDirs } from '../helpers/tmp.js';
import { httpCall, publish, startToolNsqd, type ToolNsqd } from '../helpers/tool-nsqd.js';
import { runTool, startTool } from '../helpers/tool-process.js';

const tmp = tempDirs('tohttp');
const STAMP = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('nsq_to_http', () => {
  let n: ToolNsqd;
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  before(async () => {
    n = await startToolNsqd(tmp());
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.statusCode = req.url?.startsWith('/created') ? 201 : 200;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await n.stop();
    server.close();
  });

  const until = async (count: number): Promise<void> => {
    const end = Date.now() + 10_000;
    while (seen.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.length >= count, `saw ${seen.length} requests, wanted ${count}`);
  };

  it('validation in Go order and texts', async () => {
    const cases: [string[], string][] = [
      [['--header=bad'], "--header value format should be 'key=value'"],
      [['--channel='], '--topic and --channel are required'],
      [['--topic=t', '--content-type=text/plain'], '--content-type only used with --post'],
      [['--topic=t'], '--nsqd-tcp-address or --lookupd-http-address required'],
      [['--topic=t', '--nsqd-tcp-address=a:1'], '--get or --post required'],
      [['--topic=t', '--nsqd-tcp-address=a:1', '--get=x%s', '--post=y'], 'use --get or --post not both'],
      [['--topic=t', '--nsqd-tcp-address=a:1', '--get=x'], 'invalid GET address - must be a printf string'],
      [
        ['--topic=t', '--nsqd-tcp-address=a:1', '--post=y', '--sample=2'],
        'ERROR: --sample must be between 0.0 and 1.0',
      ],
    ];
    for (const [args, text] of cases) {
      const r = await runTool('nsq_to_http', args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.replace(STAMP, ''), `${text}\n`);
    }
    const bad = await runTool('nsq_to_http', ['--consumer-opt=bogus,1']);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^invalid value "bogus,1" for flag -consumer-opt: invalid option bogus\nUsage of nsq_to_http:/,
    );
  });

  it('POST round-robin from the second address, with content type, custom header and user agent', async () => {
    seen.length = 0;
    await publish(n, 'posts', ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    const t = startTool('nsq_to_http', [
      '--topic=posts',
      `--nsqd-tcp-address=${n.tcp}`,
      `--post=${base}/a`,
      `--post=${base}/b`,
      '--mode=round-robin',
      '--content-type=application/json',
      '--header=X-Custom: hello',
      '--status-every=2',
      '--n=1',
    ]);
    await until(4);
    t.proc.kill('SIGTERM');
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.body]),
      [
        ['POST', '/b', '{"n":1}'],
        ['POST', '/a', '{"n":2}'],
        ['POST', '/b', '{"n":3}'],
        ['POST', '/a', '{"n":4}'],
      ],
    );
    for (const s of seen) {
      assert.equal(s.headers['content-type'], 'application/json');
      assert.equal(s.headers['user-agent'], 'nsq_to_http v1.3.0');
      assert.equal(s.headers['x-custom'], 'hello');
    }
    const warn = r.stderr.split('\n').filter((l) => l.includes('Warning: use more than 100'));
    assert.equal(warn.length, 3);
    assert.match(
      r.stderr,
      /\[aggregate\]: finished 2 - 99th: \d+\.\d\dms - 95th: \d+\.\d\dms - avg: \d+\.\d\dms\n/,
    );
  });

  it('fan-out for any other --mode; GET with the escaped body; a 201 to a GET fails and REQs', async () => {
    seen.length = 0;
    await publish(n, 'fan', ['x']);
    const all = startTool('nsq_to_http', [
      '--topic=fan',
      `--nsqd-tcp-address=${n.tcp}`,
      `--post=${base}/a`,
      `--post=${base}/b`,
      '--mode=all',
    ]);
    await until(2);
    all.proc.kill('SIGTERM');
    assert.equal((await all.exit()).code, 0);
    assert.deepEqual(seen.map((s) => s.url).sort(), ['/a', '/b']);

    seen.length = 0;
    await publish(n, 'gets', ['a b&c/é']);
    const g = startTool('nsq_to_http', [
      '--topic=gets',
      `--nsqd-tcp-address=${n.tcp}`,
      `--get=${base}/created?d=%s`,
    ]);
    await until(1);
    await g.waitStderr(/Handler returned error \(got status code 201\) for msg [0-9a-f]{16}\n/);
    await g.waitStderr(/backing off for 2s \(backoff level 1\), setting all to RDY 0\n/);
    g.proc.kill('SIGTERM');
    assert.equal((await g.exit()).code, 0);
    assert.equal(seen[0]!.url, '/created?d=a+b%26c%2F%C3%A9');
    assert.equal(seen[0]!.method, 'GET');
    assert.equal(seen[0]!.headers['content-type'], undefined);
    // the failed message went back to nsqd: requeued, deferred (90 s × attempts)
    const stats = JSON.parse((await httpCall(n.http, 'GET', '/stats?format=json&topic=gets')).body);
    const ch = stats.topics[0].channels[0];
    assert.equal(ch.requeue_count, 1);
    assert.equal(ch.deferred_count, 1);
  });
});
