/**
 * The nsqlookupd binary as an operator runs it (a real process): Go's flag syntax, --version,
 * --help as Go's PrintDefaults, bad flags (exit 2), --config TOML under the command line, Go's FATAL
 * line when a port is taken, serving TCP and HTTP on port 0, a clean SIGTERM exit; under
 * `npm run test:no-addons` all of it without addons (its HTTP then served by node:http).
 */

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadUws } from '../../src/http/server.js';
import { getJson, identifyCommand, nsqdPeer, V1Client } from '../helpers/lookupd.js';
import { assertFatal, NSQLOOKUPD_MAIN, runProgram, startProgram } from '../helpers/process.js';
import { tempDirs } from '../helpers/tmp.js';

const run = (args: string[]) => runProgram(NSQLOOKUPD_MAIN, args);
const start = (args: string[]) => startProgram(NSQLOOKUPD_MAIN, args, [], process.env, true);
const LOCAL = ['--tcp-address=127.0.0.1:0', '--http-address=127.0.0.1:0'];
const freshDir = tempDirs('lookupd-cli');

describe('nsqlookupd command line', () => {
  it('--version prints the nsqlookupd version and exits 0', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^nsqlookupd v1\.3\.0 \(built w\/nsq-ts \S+ node v\d+/);
  });

  it("--help lists Go's flags with Go's texts and defaults", async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'Usage of nsqlookupd:');
    const help = (flag: string): string => lines[lines.indexOf(flag) + 1] ?? '';
    assert.equal(
      help('  -inactive-producer-timeout duration'),
      '    \tduration of time a producer will remain in the active list since its last ping (default 5m0s)',
    );
    assert.equal(
      help('  -tombstone-lifetime duration'),
      '    \tduration of time a producer will remain tombstoned if registration remains (default 45s)',
    );
    assert.equal(
      help('  -tcp-address string'),
      '    \t<addr>:<port> to listen on for TCP clients (default "0.0.0.0:4160")',
    );
    assert.equal(
      help('  -http-address string'),
      '    \t<addr>:<port> to listen on for HTTP clients (default "0.0.0.0:4161")',
    );
    assert.equal(
      help('  -broadcast-address string'),
      `    \taddress of this lookupd node, (default to the OS hostname) (default "${os.hostname()}")`,
    );
    assert.equal(help('  -log-prefix string'), '    \tlog message prefix (default "[nsqlookupd] ")');
    assert.equal(
      help('  -log-level value'),
      '    \tset log verbosity: debug, info, warn, error, or fatal (default INFO)',
    );
  });

  it('an unknown flag or a bad value exits 2 naming the flag', async () => {
    const r = await run(['--lookupd-tcp-address=x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flag provided but not defined: -lookupd-tcp-address/);
    const d = await run(['-tombstone-lifetime', '45']);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /invalid value "45" for flag -tombstone-lifetime: parse error/);
  });

  it("a taken port ends start-up with Go's FATAL line", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await run([`--tcp-address=127.0.0.1:${port}`, '--http-address=127.0.0.1:0']);
      assertFatal(
        r,
        `failed to instantiate nsqlookupd%!(EXTRA *errors.errorString=listen (127.0.0.1:${port}) failed - listen tcp 127.0.0.1:${port}: bind: address already in use)`,
        '[nsqlookupd] ',
      );
    } finally {
      taken.close();
    }
  });

  it('serves V1 and HTTP on port 0 with --config under the command line, and exits 0 on SIGTERM', async () => {
    const cfg = join(freshDir(), 'lookupd.cfg');
    writeFileSync(
      cfg,
      'broadcast_address = "from-config"\nlog_level = "debug"\ntombstone_lifetime = "1s"\nno_such_key = 1\n',
    );
    const p = await start([...LOCAL, `--config=${cfg}`, '--log-level=info']);
    try {
      const uws = loadUws();
      assert.match(
        p.stderr(),
        new RegExp(`HTTP: listening on 127\\.0\\.0\\.1:\\d+ \\(${uws.mod === null ? 'node' : 'uws'}\\)`),
      );
      assert.match(p.stderr(), /config file .*: unknown option "no_such_key" ignored/);
      assert.doesNotMatch(p.stderr(), /DEBUG:/); // the command line's --log-level wins
      const c = await V1Client.connect(p.port);
      c.write(identifyCommand(nsqdPeer('cli')));
      const reply = JSON.parse(await c.response()) as Record<string, unknown>;
      assert.deepEqual(reply, {
        broadcast_address: 'from-config',
        hostname: os.hostname(),
        http_port: p.httpPort,
        tcp_port: p.port,
        version: '1.3.0',
      });
      assert.equal(await c.cmd('REGISTER cli-topic cli-channel'), 'OK');
      const found = await getJson<{ channels: string[]; producers: { broadcast_address: string }[] }>(
        `http://127.0.0.1:${p.httpPort}/lookup?topic=cli-topic`,
      );
      assert.deepEqual(found.channels, ['cli-channel']);
      assert.deepEqual(
        found.producers.map((x) => x.broadcast_address),
        ['cli'],
      );
      const r = await p.stop();
      assert.equal(r.code, 0, r.stderr);
      await c.closedByServer();
    } finally {
      await p.stop();
    }
  });
});
