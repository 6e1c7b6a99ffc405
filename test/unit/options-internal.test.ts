/**
 * The internal options (nsqd's hidden ClientTimeout, the default heartbeat interval and
 * QueueScanInterval): nsqd's values by default, and reachable only from code — no flag, no line in
 * --help, no config-file key, no /config name. Tests shorten them through startBroker.
 */

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { defaultOptions, flagHelp } from '../../src/nsqd/options/cli.js';
import { INTERNAL_DEFAULTS } from '../../src/nsqd/options/options.js';
import { assertV1Error, call, setup } from '../helpers/http-fake.js';
import { assertFlagError, ConfigFiles, run } from '../helpers/options.js';

const NAMES: [key: string, flag: string, cfg: string][] = [
  ['clientTimeout', 'client-timeout', 'client_timeout'],
  ['heartbeatInterval', 'heartbeat-interval', 'heartbeat_interval'],
  ['queueScanInterval', 'queue-scan-interval', 'queue_scan_interval'],
];

describe('internal options', () => {
  const configs = new ConfigFiles();
  after(() => configs.remove());

  test("nsqd's values by default: ClientTimeout 60 s, heartbeat ClientTimeout / 2, queue scan 100 ms", () => {
    assert.deepEqual(INTERNAL_DEFAULTS, {
      clientTimeout: 60_000,
      heartbeatInterval: 30_000,
      queueScanInterval: 100,
    });
    const d = defaultOptions();
    assert.equal(d.heartbeatInterval, d.clientTimeout / 2);
    for (const [key] of NAMES)
      assert.equal(d[key as keyof typeof d], INTERNAL_DEFAULTS[key as keyof typeof INTERNAL_DEFAULTS]);
  });

  test('are not flags and not in --help', () => {
    const help = flagHelp();
    for (const [, flag] of NAMES) {
      assertFlagError([`--${flag}=1s`], `flag provided but not defined: -${flag}`);
      assert.doesNotMatch(help, new RegExp(`^  -${flag}\\b`, 'm'));
    }
  });

  test('are not config-file keys: ignored with a warning, the default stays', () => {
    const file = configs.write(NAMES.map(([, , cfg]) => `${cfg} = "1ms"\n`).join(''));
    const r = run(['--config', file]);
    assert.deepEqual(
      r.warnings,
      NAMES.map(([, , cfg]) => `config file ${file}: unknown option "${cfg}" ignored`),
    );
    assert.equal(r.options.clientTimeout, 60_000);
    assert.equal(r.options.heartbeatInterval, 30_000);
    assert.equal(r.options.queueScanInterval, 100);
  });

  test('are not in /config', async () => {
    const s = setup({ clientTimeout: 150, heartbeatInterval: 100, queueScanInterval: 10 });
    for (const [, , cfg] of NAMES) {
      assertV1Error(await call(s, 'GET', `/config/${cfg}`), 400, 'INVALID_OPTION');
    }
  });
});
