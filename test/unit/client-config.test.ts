/** go-nsq's Config in the client: defaults, Set's coercion and range texts, Validate, and the lookupd URL rule. */

import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { newConfig, resolveConfig, setConfigOption } from '../../src/client/config.js';
import { buildLookupAddr } from '../../src/client/lookupd.js';

describe('client config', () => {
  it("has go-nsq v1.1.0's defaults", () => {
    const c = newConfig();
    assert.equal(c.dialTimeout, 1000);
    assert.equal(c.readTimeout, 60_000);
    assert.equal(c.writeTimeout, 1000);
    assert.equal(c.lookupdPollInterval, 60_000);
    assert.equal(c.lookupdPollJitter, 0.3);
    assert.equal(c.maxRequeueDelay, 15 * 60_000);
    assert.equal(c.defaultRequeueDelay, 90_000);
    assert.equal(c.backoffStrategy, 'exponential');
    assert.equal(c.maxBackoffDuration, 120_000);
    assert.equal(c.backoffMultiplier, 1000);
    assert.equal(c.maxAttempts, 5);
    assert.equal(c.lowRdyIdleTimeout, 10_000);
    assert.equal(c.lowRdyTimeout, 30_000);
    assert.equal(c.rdyRedistributeInterval, 5000);
    assert.equal(c.heartbeatInterval, 30_000);
    assert.equal(c.outputBufferSize, 16384);
    assert.equal(c.outputBufferTimeout, 250);
    assert.equal(c.maxInFlight, 1);
    assert.equal(c.deflateLevel, 6);
    assert.equal(c.lookupdAuthorization, true);
    assert.equal(c.hostname, os.hostname());
    assert.equal(c.clientId, os.hostname().split('.')[0]);
    assert.match(c.userAgent, /^nsq-ts\/\d+\.\d+\.\d+$/);
  });

  it("sets options as go-nsq's Config.Set, with its error texts", () => {
    const c = newConfig();
    setConfigOption(c, 'max-in-flight', '200');
    setConfigOption(c, 'read_timeout', '15s');
    setConfigOption(c, 'snappy', true);
    setConfigOption(c, 'backoff_strategy', 'full_jitter');
    assert.equal(c.maxInFlight, 200);
    assert.equal(c.readTimeout, 15_000);
    assert.equal(c.snappy, true);
    assert.equal(c.backoffStrategy, 'full_jitter');
    const texts: [string, string | boolean, string][] = [
      ['bogus', '1', 'invalid option bogus'],
      [
        'max_in_flight',
        'x',
        'failed to coerce option max_in_flight (x) - strconv.ParseInt: parsing "x": invalid syntax',
      ],
      [
        'read_timeout',
        '15',
        'failed to coerce option read_timeout (15) - time: missing unit in duration "15"',
      ],
      ['read_timeout', '1ms', 'invalid read_timeout ! 1ms < 100ms'],
      ['rdy_redistribute_interval', '6s', 'invalid rdy_redistribute_interval ! 6s > 5s'],
      ['sample_rate', '100', 'invalid sample_rate ! 100 > 99'],
      [
        'deflate',
        'maybe',
        'failed to coerce option deflate (maybe) - strconv.ParseBool: parsing "maybe": invalid syntax',
      ],
      [
        'max_attempts',
        '-1',
        'failed to coerce option max_attempts (-1) - strconv.ParseUint: parsing "-1": invalid syntax',
      ],
      ['tls_min_version', 'tls9', 'ERROR: tls9 is not a tls version'],
    ];
    for (const [opt, value, text] of texts)
      assert.throws(() => setConfigOption(c, opt, value), { message: text }, opt);
  });

  it('validates heartbeat_interval against read_timeout', () => {
    assert.throws(() => resolveConfig({ heartbeatInterval: 61_000 }), {
      message: 'HeartbeatInterval 1m1s must be less than ReadTimeout 1m0s',
    });
    assert.throws(() => resolveConfig({ lookupdPollJitter: 2 }), {
      message: 'invalid lookupd_poll_jitter ! 2 > 1',
    });
  });

  it("builds lookupd URLs as go-nsq's buildLookupAddr", () => {
    assert.equal(buildLookupAddr('127.0.0.1:4161', 't'), 'http://127.0.0.1:4161/lookup?topic=t');
    assert.equal(buildLookupAddr('http://h:4161/', 't'), 'http://h:4161/lookup?topic=t');
    assert.equal(buildLookupAddr('https://h:443/x?a=1', 't'), 'https://h:443/x?a=1&topic=t');
    assert.equal(buildLookupAddr('h:80', 't'), 'http://h:80/lookup?topic=t');
    assert.throws(() => buildLookupAddr('h', 't'), { message: 'missing port' });
  });
});
