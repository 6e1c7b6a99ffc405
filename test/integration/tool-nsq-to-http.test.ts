/**
 * nsq_to_http as a process against a real nsqd and a node:http server in the test: POST bodies with
 * Go's User-Agent, --content-type and --header; round-robin starting at the second address; fan-out
 * for an unknown --mode; GET with the query-escaped body; a 201 to a GET counting as failure (REQ with
 * backoff, logged as go-nsq does); hostpool mode leaving a failed host out, epsilon-greedy favouring
 * the faster host, --http-client-request-timeout failing a slow request; status lines; validation
 * texts; SIGTERM → exit 0.
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
        // /d/<ms>/<status>: answer after ms with status
        // /h/<ms>: the headers (200) at once, the body's end after ms
        const h = /^\/h\/(\d+)/.exec(req.url ?? '');
        if (h !== null) {
          res.writeHead(200);
          res.write('part');
          setTimeout(() => res.end('ok'), Number(h[1]));
          return;
        }
        const m = /^\/d\/(\d+)\/(\d+)/.exec(req.url ?? '');
        res.statusCode = m !== null ? Number(m[2]) : req.url?.startsWith('/created') ? 201 : 200;
        const delay = m !== null ? Number(m[1]) : 0;
        if (delay > 0) setTimeout(() => res.end('ok'), delay);
        else res.end('ok');
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

  const paths = (prefix: string): string[] => seen.map((x) => x.url).filter((u) => u.startsWith(prefix));

  it('--mode=hostpool: a host that failed is left out (dead for 30 s) while another answers', async () => {
    seen.length = 0;
    await publish(
      n,
      'pool',
      Array.from({ length: 6 }, (_, i) => `p${i}`),
    );
    const t = startTool('nsq_to_http', [
      '--topic=pool',
      `--nsqd-tcp-address=${n.tcp}`,
      `--post=${base}/d/0/500`,
      `--post=${base}/d/0/200`,
      '--mode=hostpool',
      '--n=1',
    ]);
    await until(6);
    await new Promise((r) => setTimeout(r, 200));
    t.proc.kill('SIGTERM');
    assert.equal((await t.exit()).code, 0);
    assert.equal(paths('/d/0/500').length, 1, `one try of the failing host: ${seen.map((x) => x.url)}`);
    // the message the failing host refused went back to nsqd (REQ, deferred 90 s); the rest went on
    assert.equal(paths('/d/0/200').length, 5, 'every other message delivered by the other host');
  });

  it('--mode=epsilon-greedy: every message goes to one of the hosts, the faster one used', async () => {
    seen.length = 0;
    const count = 30;
    await publish(
      n,
      'greedy',
      Array.from({ length: count }, (_, i) => `g${i}`),
    );
    const t = startTool('nsq_to_http', [
      '--topic=greedy',
      `--nsqd-tcp-address=${n.tcp}`,
      `--post=${base}/d/400/200`,
      `--post=${base}/d/5/200`,
      '--mode=epsilon-greedy',
      '--n=1',
    ]);
    await until(count);
    t.proc.kill('SIGTERM');
    assert.equal((await t.exit()).code, 0);
    // every message went to one of the two hosts, once; how the pool weighs them (most to the
    // faster) is test/unit/hostpool.test.ts's: timings here stretch with the machine's load
    const fast = paths('/d/5/').length;
    const slow = paths('/d/400/').length;
    assert.equal(fast + slow, count);
    assert.ok(fast > 0, 'the fast host is used');
  });

  it('--http-client-request-timeout: a request past it fails and the message is requeued', async () => {
    seen.length = 0;
    await publish(n, 'slowhttp', ['s']);
    const t = startTool('nsq_to_http', [
      '--topic=slowhttp',
      `--nsqd-tcp-address=${n.tcp}`,
      `--post=${base}/d/1500/200`,
      '--http-client-request-timeout=200ms',
    ]);
    await t.waitStderr(/Handler returned error/);
    t.proc.kill('SIGTERM');
    const r = await t.exit();
    assert.equal(r.code, 0);
    assert.match(
      r.stderr,
      new RegExp(
        `Handler returned error \\(Post "${base}/d/1500/200": net/http: timeout awaiting response headers \\(Client\\.Timeout exceeded while awaiting headers\\)\\) for msg [0-9a-f]{16}\n`,
      ),
    );
    const stats = JSON.parse((await httpCall(n.http, 'GET', '/stats?format=json&topic=slowhttp')).body);
    assert.equal(stats.topics[0].channels[0].requeue_count, 1);
    // headers in time, body past the timeout: the read is cut and the status decides (Go ignores
    // its io.Copy error): the message is FINished
    await publish(n, 'slowbody', ['b']);
    const b = startTool('nsq_to_http', [
      '--topic=slowbody',
      `--nsqd-tcp-address=${n.tcp}`,
      `--post=${base}/h/1500`,
      '--http-client-request-timeout=200ms',
    ]);
    await until(2);
    const deadline = Date.now() + 5000;
    for (;;) {
      const s2 = JSON.parse((await httpCall(n.http, 'GET', '/stats?format=json&topic=slowbody')).body);
      const ch = s2.topics[0]?.channels[0];
      if (ch !== undefined && ch.in_flight_count === 0 && ch.message_count === 1) {
        assert.equal(ch.requeue_count, 0);
        break;
      }
      assert.ok(Date.now() < deadline, 'the message was answered');
      await new Promise((r) => setTimeout(r, 20));
    }
    b.proc.kill('SIGTERM');
    const rb = await b.exit();
    assert.equal(rb.code, 0);
    assert.doesNotMatch(rb.stderr, /Handler returned error/);
  });
});
