/**
 * The tools' --lookupd-http-address paths against our nsqlookupd with an nsqd registered to it:
 * nsq_stat finds the topic's producers through /lookup and prints the channel's rows; nsq_to_file
 * with --topic-pattern discovers topics from /topics every --topic-refresh, skips (and says so) the
 * ones that do not match, and archives the one that does.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  httpPost,
  lookupOf,
  type Program,
  startLookupd,
  startNsqdNode,
} from '../helpers/cluster.js';
import { tempDirs } from '../helpers/tmp.js';
import { runTool, startTool } from '../helpers/tool-process.js';

const tmp = tempDirs('tools-lookupd');

describe('tools through nsqlookupd', () => {
  let lookupd: Program;
  let nsqd: Program;
  let lookupdAddr = '';
  before(async () => {
    lookupd = await startLookupd();
    nsqd = await startNsqdNode([lookupd], tmp());
    lookupdAddr = lookupd.http.replace('http://', '');
    await httpPost(`${nsqd.http}/topic/create?topic=orders`);
    await httpPost(`${nsqd.http}/channel/create?topic=orders&channel=billing`);
    await httpPost(`${nsqd.http}/topic/create?topic=events`);
    for (const t of ['orders', 'events']) {
      await eventually(`${t} registered`, async () =>
        (await lookupOf(lookupd, t)).ports.length === 1 ? true : undefined,
      );
    }
  });
  after(async () => {
    await nsqd.stop();
    await lookupd.stop();
  });

  it('nsq_stat --lookupd-http-address: producers from /lookup, the channel summed', async () => {
    const res = await fetch(`${nsqd.http}/mpub?topic=orders`, { method: 'POST', body: 'a\nb\nc' });
    assert.equal(res.status, 200);
    const r = await runTool('nsq_stat', [
      '--topic=orders',
      '--channel=billing',
      `--lookupd-http-address=${lookupdAddr}`,
      '--interval=200ms',
      '--count=1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.toString().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, /^ +0 +0 \| +3 +3 +0 +0 +0 \| +0 +0 +3 +0$/);
    const none = await runTool('nsq_stat', [
      '--topic=nope',
      '--channel=c',
      `--lookupd-http-address=${lookupdAddr}`,
    ]);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /ERROR: failed to get topic producers - failed to query any nsqlookupd: got response 404 Not Found /,
    );
  });

  it('nsq_to_file --topic-pattern: discovers matching topics, skips the others', async () => {
    const res = await fetch(`${nsqd.http}/pub?topic=events`, { method: 'POST', body: 'ev-1' });
    assert.equal(res.status, 200);
    const out = tmp();
    const t = startTool('nsq_to_file', [
      '--topic-pattern=^ev',
      `--lookupd-http-address=${lookupdAddr}`,
      '--topic-refresh=300ms',
      `--output-dir=${out}`,
    ]);
    await t.waitStderr(/WARNING: skipping topic orders \(doesn't match pattern \^ev\)\n/);
    await t.waitStderr(/syncing 1 records to disk\n/);
    t.proc.kill('SIGTERM');
    const r = await t.exit();
    assert.equal(r.code, 0, r.stderr);
    const files = readdirSync(out);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^events\./);
    assert.equal(readFileSync(path.join(out, files[0]!), 'utf8'), 'ev-1\n');
  });
});
