/**
 * The --config file as an operator meets it: nsqd's config names, go-options' coercions, command-line
 * flags over config values over defaults, unknown keys warned about, and bad values or files exiting
 * 1 naming the file and the key.
 */

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import { assertStartupError, ConfigFiles, exitOf, run } from '../helpers/options.js';

const configs = new ConfigFiles();
after(() => configs.remove());
const writeConfig = (text: string): string => configs.write(text);

describe('resolveOptions: --config file', () => {
  test('a choice option with a bad value in the config file names the option', () => {
    const file = writeConfig('http_server = "bogus"\n');
    const r = exitOf(['--config', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid http_server = "bogus": must be "auto", "uws" or "node"/);
  });
  test('config values apply, command-line flags win, defaults fill the rest', () => {
    const file = writeConfig(
      [
        '## nsqd sample-style config',
        'id = 42',
        'tcp_address = "127.0.0.1:5150"',
        'mem_queue_size = 100',
        'msg_timeout = "2m"',
        'max_req_timeout = 1500 # integers are milliseconds (go-options)',
        'snappy = false',
        'deflate = "false"',
        'log_level = "WARN"',
        'log_prefix = "[n] "',
        'nsqlookupd_tcp_addresses = [',
        '  "10.0.0.1:4160",',
        '  "10.0.0.2:4160",',
        ']',
        'e2e_processing_latency_percentiles = [0.5, 1]',
        'enable_experiment = ["topology-aware-consumption"]',
        'tls_min_version = "tls1.2"',
        'max_deflate_level = "4"',
        'workers = 0',
        'verbose = true',
      ].join('\n'),
    );
    const r = run([`--config=${file}`, '--mem-queue-size=7', '--lookupd-tcp-address=x:4160']);
    const o = r.options;
    assert.equal(o.nodeId, 42);
    assert.equal(o.tcpAddress, '127.0.0.1:5150');
    assert.equal(o.memQueueSize, 7); // flag beats config
    assert.equal(o.msgTimeout, 120000);
    assert.equal(o.maxReqTimeout, 1500);
    assert.equal(o.snappy, false);
    assert.equal(o.deflate, false);
    assert.equal(o.logLevel, 'warn');
    assert.equal(o.logPrefix, '[n] ');
    assert.deepEqual(o.lookupdTcpAddresses, ['x:4160']); // flag replaces the config list
    assert.deepEqual(o.e2eProcessingLatencyPercentiles, [0.5, 1]);
    assert.deepEqual(o.enableExperiments, ['topology-aware-consumption']);
    assert.equal(o.tlsMinVersion, 0x0303);
    assert.equal(o.maxDeflateLevel, 4);
    assert.equal(o.workers, 0);
    assert.equal(o.httpAddress, '0.0.0.0:4151'); // default
    assert.equal(o.maxRdyCount, 2500); // default
    assert.deepEqual(r.warnings, [
      'flags accepted but not active yet in nsq-ts: --enable-experiment, --tls-min-version',
    ]);
  });
  test('flag names with dashes are not config keys; unknown keys are ignored with a warning', () => {
    const file = writeConfig('mem-queue-size = 5\nbogus_key = 1\nconfig = "x"\n');
    const r = run(['--config', file]);
    assert.equal(r.options.memQueueSize, 10000);
    assert.deepEqual(r.warnings, [
      `config file ${file}: unknown option "mem-queue-size" ignored`,
      `config file ${file}: unknown option "bogus_key" ignored`,
      `config file ${file}: unknown option "config" ignored`,
    ]);
  });
  test('node_id is not the config name for --node-id (cfg name is "id")', () => {
    const r = run([`--config=${writeConfig('node_id = 5\n')}`]);
    assert.equal(r.options.nodeId, defaultOptions().nodeId);
    assert.equal(r.warnings.length, 1);
  });
  test('startup validation applies to config values', () => {
    assertStartupError([`--config=${writeConfig('id = 2000\n')}`], '--node-id must be [0,1024)');
    assertStartupError(
      [`--config=${writeConfig('max_deflate_level = 0\n')}`],
      '--max-deflate-level must be [1,9]',
    );
    const tls = writeConfig('tls_required = true\ntls_cert = "c.pem"\ntls_key = "k.pem"\n');
    assertStartupError(
      [`--config=${tls}`],
      '--tls-cert, --tls-key, --tls-required: TLS is not supported yet by nsq-ts; refusing to start',
    );
    // a comma-separated string is a list (go-options)
    const auth = run([`--config=${writeConfig('auth_http_addresses = "a:1,b:2"\n')}`]);
    assert.deepEqual(auth.options.authHttpAddresses, ['a:1', 'b:2']);
    const tcpHttps = writeConfig('tls_required = "tcp-https"\n');
    assertStartupError(
      [`--config=${tcpHttps}`],
      'cannot require TLS client connections without TLS key and cert',
    );
    assert.equal(run([`--config=${tcpHttps}`, '--tls-required=false']).options.tlsRequired, 'false');
  });
  test('bad config values exit 1 naming the file and key', () => {
    const cases: [string, RegExp][] = [
      ['msg_timeout = "60"\n', /invalid msg_timeout = "60": time: missing unit in duration "60"/],
      ['msg_timeout = 1.5\n', /invalid msg_timeout = 1\.5: expected a duration/],
      ['mem_queue_size = "lots"\n', /invalid mem_queue_size = "lots": expected an integer/],
      ['snappy = 1\n', /invalid snappy = 1: expected a boolean/],
      ['snappy = "nope"\n', /invalid snappy = "nope": parse error/],
      ['tls_required = "maybe"\n', /invalid tls_required = "maybe": strconv\.ParseBool/],
      ['tls_min_version = "ssl3.0"\n', /invalid tls_min_version = "ssl3\.0": SSL 3\.0 is not supported/],
      ['log_level = "loud"\n', /invalid log_level = "loud": invalid log level 'loud'/],
      [
        'nsqlookupd_tcp_addresses = [1, 2]\n',
        /invalid nsqlookupd_tcp_addresses = \[1, 2\]: expected a string/,
      ],
      [
        'e2e_processing_latency_percentiles = "0.5,x"\n',
        /invalid e2e_processing_latency_percentiles = "0\.5,x"/,
      ],
    ];
    for (const [text, re] of cases) {
      const file = writeConfig(text);
      const r = exitOf([`--config=${file}`]);
      assert.equal(r.code, 1, text);
      assert.ok(r.stderr.startsWith(`failed to load config file ${file} - `), r.stderr);
      assert.match(r.stderr, re);
    }
  });
  test('a flag overrides an invalid config value for the same option', () => {
    const file = writeConfig('msg_timeout = "bad"\n');
    assert.equal(run([`--config=${file}`, '--msg-timeout=5s']).options.msgTimeout, 5000);
  });
  test('syntax errors and missing files exit 1 with file and line', () => {
    const file = writeConfig('tcp_address = "0.0.0.0:4150"\n[nsqd]\n');
    const r = exitOf([`--config=${file}`]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `^failed to load config file ${file.replace(/[.\\]/g, '\\$&')} - ${file.replace(/[.\\]/g, '\\$&')}:2: tables`,
      ),
    );
    const missing = exitOf(['--config=/nonexistent/dir/nsqd.cfg']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^failed to load config file \/nonexistent\/dir\/nsqd\.cfg - .*ENOENT/);
  });
});
