/**
 * nsq_to_file as a process against a real nsqd: the default file name and plain contents, gzip with
 * rotation by size into --work-dir then moved to --output-dir (names, line counts per file, each file
 * readable as concatenated gzip members), rotation by interval (an empty file per idle interval, as
 * Go's; none with --skip-empty-files), SIGHUP closing the file and the next message appending to
 * it, validation texts, and the flag set's Go quirk (`Usage of nsqd:`).
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { strftime } from '../../src/tools/nsq_to_file/naming.js';
import { tempDirs } from '../helpers/tmp.js';
import { httpCall, publish, startToolNsqd, type ToolNsqd } from '../helpers/tool-nsqd.js';
import { runTool, startTool } from '../helpers/tool-process.js';

const tmp = tempDirs('tofile-e2e');

async function waitUntil(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const HOST = hostname().split('.')[0]!;
const STAMP = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /;

/** until topic `topic`'s channels hold nothing but messages in flight (bounded) */
async function channelEmpty(n: ToolNsqd, topic: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await httpCall(n.http, 'GET', `/stats?format=json&topic=${topic}`);
    const s = JSON.parse(r.body) as { topics: { channels: { depth: number }[] }[] | null };
    const chs = s.topics?.[0]?.channels ?? [];
    if (chs.length > 0 && chs.every((c) => c.depth === 0)) return;
    assert.ok(Date.now() < deadline, `channels of ${topic} still hold messages: ${r.body}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

describe('nsq_to_file', () => {
  let n: ToolNsqd;
  before(async () => {
    n = await startToolNsqd(tmp());
  });
  after(() => n.stop());

  it('--help says Usage of nsqd (Go quirk); validation exits 1 with Go texts', async () => {
    const h = await runTool('nsq_to_file', ['-h']);
    assert.equal(h.code, 0);
    assert.match(h.stderr, /^Usage of nsqd:\n {2}-channel string\n/);
    assert.match(
      h.stderr,
      / {2}-rotate-size rotate-size\n {4}\trotate the file when it grows bigger than rotate-size bytes\n/,
    );
    const v = await runTool('nsq_to_file', ['--version']);
    assert.deepEqual([v.code, v.stdout.toString()], [0, 'nsq_to_file v1.3.0\n']);
    const cases: [string[], string][] = [
      [['extra'], 'unknown arguments: [extra]'],
      [['--log-level=loud'], '--log-level is invalid'],
      [['--channel='], '--channel is required'],
      [[], '--nsqd-tcp-address or --lookupd-http-address required.'],
      [['--nsqd-tcp-address=a:1', '--gzip-level=0'], 'invalid --gzip-level value (0), should be 1-9'],
      [['--nsqd-tcp-address=a:1'], '--topic or --topic-pattern required'],
      [
        ['--nsqd-tcp-address=a:1', '--topic-pattern=x'],
        '--lookupd-http-address must be specified when no --topic specified',
      ],
    ];
    for (const [args, text] of cases) {
      const r = await runTool('nsq_to_file', args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.replace(STAMP, ''), `${text}\n`);
    }
  });

  it('writes <topic>.<host>.<datetime>.log; SIGHUP closes it and the next message appends', async () => {
    const out = tmp();
    await publish(n, 'plain', ['file-msg-1', 'file-msg-2', 'file-msg-3']);
    const t = startTool('nsq_to_file', [
      '--topic=plain',
      `--nsqd-tcp-address=${n.tcp}`,
      `--output-dir=${out}`,
    ]);
    // the first message opens the file (a rotation: synced at once); the others wait for a sync
    await t.waitStderr(/syncing 1 records to disk\n/);
    const name = `plain.${HOST}.${strftime('%Y-%m-%d_%H', new Date())}.log`;
    assert.deepEqual(readdirSync(out), [name]);
    assert.match(
      t.stderr(),
      new RegExp(
        `\\[nsq_to_file\\] \\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} INFO: \\[plain/nsq_to_file\\] opening ${out}/${name}\n`,
      ),
    );
    await waitUntil(
      () => readFileSync(path.join(out, name), 'utf8') === 'file-msg-1\nfile-msg-2\nfile-msg-3\n',
    );
    t.proc.kill('SIGHUP');
    await t.waitStderr(/syncing 2 records to disk\n/);
    await publish(n, 'plain', ['file-msg-4']);
    await t.waitStderr(/opening[\s\S]*opening/);
    t.proc.kill('SIGTERM');
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(path.join(out, name), 'utf8'),
      'file-msg-1\nfile-msg-2\nfile-msg-3\nfile-msg-4\n',
    );
  });

  it('gzip + rotate-size + work-dir: six files moved to output-dir, 6+5+5+5+5+4 lines', async () => {
    const out = tmp();
    const work = tmp();
    const bodies = Array.from({ length: 30 }, (_, i) => `gz-message-number-${i + 1}`);
    await publish(n, 'gz', bodies);
    const t = startTool('nsq_to_file', [
      '--topic=gz',
      `--nsqd-tcp-address=${n.tcp}`,
      `--output-dir=${out}`,
      `--work-dir=${work}`,
      '--gzip',
      '--rotate-size=100',
      '--max-in-flight=10',
    ]);
    await t.waitStderr(/-000005\.[^\n]*\n[\s\S]*syncing/);
    // every message has left nsqd for the tool (the last few follow the FINs of that sync)
    await channelEmpty(n, 'gz');
    t.proc.kill('SIGTERM');
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(work), []);
    const files = readdirSync(out).sort();
    const dt = strftime('%Y-%m-%d_%H', new Date());
    assert.deepEqual(
      files,
      [0, 1, 2, 3, 4, 5].map((i) => `gz.${HOST}-00000${i}.${dt}.log.gz`),
    );
    const lines = files.map((f) =>
      gunzipSync(readFileSync(path.join(out, f)))
        .toString()
        .split('\n')
        .slice(0, -1),
    );
    assert.deepEqual(
      lines.map((l) => l.length),
      [6, 5, 5, 5, 5, 4],
    );
    assert.deepEqual(lines.flat(), bodies);
    assert.match(
      r.stderr,
      new RegExp(
        `INFO: \\[gz/nsq_to_file\\] ${work}/gz\\.${HOST}-000000\\.${dt}\\.log\\.gz currently 120 bytes \\(> 100\\), rotating\\.\\.\\.\n`,
      ),
    );
    assert.match(
      r.stderr,
      new RegExp(
        `INFO: \\[gz/nsq_to_file\\] moving finished file ${work}/gz\\.${HOST}-000000\\.${dt}\\.log\\.gz to ${out}/gz\\.${HOST}-000000\\.${dt}\\.log\\.gz\n`,
      ),
    );
  });

  /** the files of `dir` by <REV>, with their contents */
  function byRev(dir: string): { rev: number; text: string }[] {
    return readdirSync(dir)
      .map((f) => ({ rev: Number(/-(\d{6})\./.exec(f)?.[1]), text: readFileSync(path.join(dir, f), 'utf8') }))
      .sort((a, b) => a.rev - b.rev);
  }
  const ROTATING = /INFO: \[\w+\/nsq_to_file\] \d+(\.\d+)?m?s since last open, rotating\.\.\.\n/g;

  it('--rotate-interval: each interval starts the next <REV>, idle intervals leave empty files (as Go)', async () => {
    const out = tmp();
    await publish(n, 'interval', ['a', 'b', 'c']);
    const t = startTool('nsq_to_file', [
      '--topic=interval',
      `--nsqd-tcp-address=${n.tcp}`,
      `--output-dir=${out}`,
      '--sync-interval=100ms',
      '--rotate-interval=400ms',
    ]);
    // two rotations with nothing arriving: 000000 closed, 000001 opened empty and closed, 000002 open
    await t.waitStderr(/rotating[\s\S]*rotating/);
    await publish(n, 'interval', ['d']);
    await waitUntil(() => byRev(out).some((f) => f.text === 'd\n'));
    t.proc.kill('SIGTERM');
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    const files = byRev(out);
    assert.deepEqual(
      files.map((f) => f.rev),
      files.map((_, i) => i),
      'revisions count up from 000000',
    );
    assert.equal(files[0]!.text, 'a\nb\nc\n');
    assert.ok(files.length >= 3, `${files.length} files`);
    assert.equal(files.map((f) => f.text).join(''), 'a\nb\nc\nd\n');
    assert.ok(files.filter((f) => f.text === '').length >= 1, 'an idle interval leaves an empty file');
    assert.ok((r.stderr.match(ROTATING) ?? []).length >= 2, r.stderr);
  });

  it('--skip-empty-files: an idle interval closes the file and opens none until a message', async () => {
    const out = tmp();
    await publish(n, 'skipempty', ['a', 'b', 'c']);
    const t = startTool('nsq_to_file', [
      '--topic=skipempty',
      `--nsqd-tcp-address=${n.tcp}`,
      `--output-dir=${out}`,
      '--sync-interval=100ms',
      '--rotate-interval=400ms',
      '--skip-empty-files',
    ]);
    await t.waitStderr(ROTATING);
    // idle ticks past the rotation: without the flag each would have opened an empty file
    await new Promise((r) => setTimeout(r, 900));
    assert.deepEqual(
      byRev(out).map((f) => f.rev),
      [0],
    );
    await publish(n, 'skipempty', ['d']);
    await waitUntil(() => byRev(out).some((f) => f.text === 'd\n'));
    t.proc.kill('SIGTERM');
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(byRev(out), [
      { rev: 0, text: 'a\nb\nc\n' },
      { rev: 1, text: 'd\n' },
    ]);
  });

  it('a per-topic set-up error is logged and the process keeps running', async () => {
    const t = startTool('nsq_to_file', [
      '--topic=norev',
      `--nsqd-tcp-address=${n.tcp}`,
      `--output-dir=${tmp()}`,
      '--gzip',
      '--filename-format=<TOPIC>.log',
    ]);
    await t.waitStderr(/couldn't create logger/);
    assert.match(
      t.stderr(),
      /ERROR: couldn't create logger for new topic norev: missing <REV> in --filename-format when gzip, rotation, or work dir enabled\n/,
    );
    // as Go's, it waits for a signal with no topic running (it used to fall off the event loop)
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.proc.exitCode, null);
    t.proc.kill('SIGTERM');
    assert.equal((await t.exit()).code, 0);
  });
});
