/**
 * resolveOptions as an operator meets it: defaults, flag syntax, errors naming the flag, --version,
 * --help, start-up validation, warnings and --config precedence.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import zlib from 'node:zlib';
import {
  type CliResult,
  defaultOptions,
  flagHelp,
  flagNames,
  resolveOptions,
} from '../../src/nsqd/options/cli.js';
import { crc32Ieee, defaultNodeId, defaultWorkers, NSQD_FLAGS } from '../../src/nsqd/options/flags.js';
import { INTERNAL_DEFAULTS, type Options } from '../../src/nsqd/options/options.js';

function run(argv: string[]): { options: Options; warnings: string[] } {
  const r = resolveOptions(argv);
  if (r.kind !== 'run') assert.fail(`expected run, got exit ${r.code}: ${r.stderr}`);
  return r;
}

function exitOf(argv: string[]): Extract<CliResult, { kind: 'exit' }> {
  const r = resolveOptions(argv);
  if (r.kind !== 'exit') assert.fail(`expected exit for ${argv.join(' ')}`);
  return r;
}

function assertFlagError(argv: string[], message: string): void {
  const r = exitOf(argv);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${message}\nRun with --help for usage.\n`);
}

function assertStartupError(argv: string[], message: string): void {
  const r = exitOf(argv);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `${message}\n`);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'nsq-ts-options-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let cfgCount = 0;
function writeConfig(text: string): string {
  const file = path.join(tmp, `nsqd-${cfgCount++}.cfg`);
  writeFileSync(file, text);
  return file;
}

describe('defaults', () => {
  test('match the nsqd table', () => {
    const d = defaultOptions();
    const hostname = os.hostname();
    assert.deepEqual(d, {
      tcpAddress: '0.0.0.0:4150',
      httpAddress: '0.0.0.0:4151',
      httpsAddress: '0.0.0.0:4152',
      broadcastAddress: hostname,
      broadcastTcpPort: 0,
      broadcastHttpPort: 0,
      nodeId: defaultNodeId(hostname),
      lookupdTcpAddresses: [],
      logLevel: 'info',
      logPrefix: '[nsqd] ',
      httpClientConnectTimeout: 2000,
      httpClientRequestTimeout: 5000,
      authHttpAddresses: [],
      authHttpRequestMethod: 'get',
      dataPath: '',
      memQueueSize: 10000,
      maxBytesPerFile: 104857600,
      syncEvery: 2500,
      syncTimeout: 2000,
      queueScanWorkerPoolMax: 4,
      queueScanSelectionCount: 20,
      msgTimeout: 60000,
      maxMsgTimeout: 900000,
      maxMsgSize: 1048576,
      maxBodySize: 5242880,
      maxReqTimeout: 3600000,
      maxHeartbeatInterval: 60000,
      maxRdyCount: 2500,
      maxOutputBufferSize: 65536,
      maxOutputBufferTimeout: 30000,
      minOutputBufferTimeout: 25,
      outputBufferTimeout: 250,
      maxChannelConsumers: 0,
      statsdAddress: '',
      statsdPrefix: 'nsq.%s',
      statsdInterval: 60000,
      statsdMemStats: true,
      statsdUdpPacketSize: 508,
      statsdExcludeEphemeral: false,
      e2eProcessingLatencyPercentiles: [],
      e2eProcessingLatencyWindowTime: 600000,
      tlsCert: '',
      tlsKey: '',
      tlsClientAuthPolicy: '',
      tlsRootCaFile: '',
      tlsRequired: 'false',
      tlsMinVersion: 0x0301,
      deflate: true,
      maxDeflateLevel: 6,
      snappy: true,
      topologyRegion: '',
      topologyZone: '',
      enableExperiments: [],
      workers: Math.max(1, os.availableParallelism() - 1),
      httpServer: 'auto',
      syncPublish: false,
      clientTimeout: 60000,
      heartbeatInterval: 30000,
      queueScanInterval: 100,
    });
    assert.equal(defaultWorkers(), Math.max(1, os.availableParallelism() - 1));
  });
  test('no arguments resolve to the defaults with no warnings', () => {
    assert.deepEqual(resolveOptions([]), { kind: 'run', options: defaultOptions(), warnings: [] });
  });
  test('node id is crc32-IEEE(md5(hostname)) % 1024', () => {
    assert.equal(crc32Ieee(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32Ieee(Buffer.alloc(0)), 0);
    const digest = createHash('md5').update('nsqd-host-1').digest();
    const z = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    if (z !== undefined) assert.equal(crc32Ieee(digest), z(digest));
    assert.equal(defaultNodeId('nsqd-host-1'), crc32Ieee(digest) % 1024);
    assert.ok(defaultNodeId(os.hostname()) >= 0 && defaultNodeId(os.hostname()) < 1024);
  });
  test('every flag with an Options key is in the table once; cfg names', () => {
    const names = flagNames();
    assert.equal(new Set(names).size, names.length);
    const keys = NSQD_FLAGS.flatMap((f) => (f.key === undefined ? [] : [f.key]));
    const internal = Object.keys(INTERNAL_DEFAULTS);
    assert.deepEqual(
      new Set([...keys, ...internal]),
      new Set(Object.keys(defaultOptions())),
      'every option but the internal ones has a flag',
    );
    assert.equal(keys.length + internal.length, Object.keys(defaultOptions()).length, 'no internal flag');
    for (const n of ['config', 'version', 'verbose', 'worker-id', 'workers', 'node-id', 'tls-required']) {
      assert.ok(names.includes(n), n);
    }
  });
});

describe('resolveOptions: flag syntax', () => {
  test('all four syntaxes', () => {
    for (const argv of [
      ['-mem-queue-size', '7'],
      ['-mem-queue-size=7'],
      ['--mem-queue-size', '7'],
      ['--mem-queue-size=7'],
    ]) {
      assert.equal(run(argv).options.memQueueSize, 7, argv.join(' '));
    }
  });
  test('typed values', () => {
    const { options } = run([
      '--tcp-address=127.0.0.1:0',
      '--node-id=0x3ff',
      '--max-rdy-count=0o17',
      '--msg-timeout=1m30s',
      '--output-buffer-timeout',
      '100ms',
      '--log-level=DEBUG',
      '--data-path=/tmp/x',
      '--workers=0',
      '--max-deflate-level=07',
      '--broadcast-tcp-port=1_000',
      '--http-server=node',
    ]);
    assert.equal(options.tcpAddress, '127.0.0.1:0');
    assert.equal(options.nodeId, 1023);
    assert.equal(options.maxRdyCount, 15);
    assert.equal(options.msgTimeout, 90000);
    assert.equal(options.outputBufferTimeout, 100);
    assert.equal(options.logLevel, 'debug');
    assert.equal(options.dataPath, '/tmp/x');
    assert.equal(options.workers, 0);
    assert.equal(options.maxDeflateLevel, 7);
    assert.equal(options.broadcastTcpPort, 1000);
    assert.equal(options.httpServer, 'node');
  });
  test('last occurrence wins for single-valued flags', () => {
    assert.equal(run(['-mem-queue-size=1', '-mem-queue-size=2']).options.memQueueSize, 2);
  });
  test('repeatable flags accumulate (and split on commas like Go)', () => {
    const { options } = run([
      '--lookupd-tcp-address=a:4160',
      '--lookupd-tcp-address',
      'b:4160,c:4160',
      '--auth-http-address=auth:4181',
      '--auth-http-address=http://x/auth',
      '--enable-experiment=topology-aware-consumption',
      '--e2e-processing-latency-percentile=0.5,1.0',
      '--e2e-processing-latency-percentile=0.99',
    ]);
    assert.deepEqual(options.lookupdTcpAddresses, ['a:4160', 'b:4160', 'c:4160']);
    assert.deepEqual(options.authHttpAddresses, ['auth:4181', 'http://x/auth']);
    assert.deepEqual(options.enableExperiments, ['topology-aware-consumption']);
    assert.deepEqual(options.e2eProcessingLatencyPercentiles, [1, 0.99, 0.5]); // sorted descending, as Go
  });
  test('bool forms', () => {
    assert.equal(run(['--snappy=false']).options.snappy, false);
    assert.equal(run(['-snappy=0']).options.snappy, false);
    assert.equal(run(['-deflate=F']).options.deflate, false);
    assert.equal(run(['--statsd-mem-stats=false', '--statsd-mem-stats']).options.statsdMemStats, true);
    assert.equal(run(['--statsd-exclude-ephemeral']).options.statsdExcludeEphemeral, true);
    // `-snappy false`: the bool takes no separate value; "false" ends flag parsing (Go behaviour)
    const r = run(['-snappy', 'false', '--mem-queue-size=5']);
    assert.equal(r.options.snappy, true);
    assert.equal(r.options.memQueueSize, 10000);
    assert.match(r.warnings[0]!, /^ignoring non-flag arguments: false --mem-queue-size=5/);
  });
  test('"--" ends the flags', () => {
    const r = run(['--mem-queue-size=3', '--', '--mem-queue-size=4']);
    assert.equal(r.options.memQueueSize, 3);
    assert.match(r.warnings[0]!, /ignoring non-flag arguments: --mem-queue-size=4/);
  });
  test('deprecated no-op flags are accepted', () => {
    assert.deepEqual(run(['--verbose', '--worker-id']).options, defaultOptions());
  });
  test('tls-required is bool-ish', () => {
    assert.equal(run(['--tls-required=false']).options.tlsRequired, 'false');
    assert.equal(run(['--tls-required=0']).options.tlsRequired, 'false');
    assertStartupError(['--tls-required'], 'cannot require TLS client connections without TLS key and cert');
    assertStartupError(
      ['--tls-required=TCP-HTTPS'],
      'cannot require TLS client connections without TLS key and cert',
    );
  });
  test('tls-min-version', () => {
    assert.equal(run(['--tls-min-version=tls1.0']).options.tlsMinVersion, 0x0301);
    assert.equal(run(['--tls-min-version=TLS1.1']).options.tlsMinVersion, 0x0302);
    assert.equal(run(['--tls-min-version=tls1.2']).options.tlsMinVersion, 0x0303);
    assert.equal(run(['--tls-min-version=tls1.3']).options.tlsMinVersion, 0x0304);
    assert.equal(run(['--tls-min-version=']).options.tlsMinVersion, 0x0301);
  });
});

describe('resolveOptions: flag errors exit 2 naming the flag', () => {
  test('unknown flag', () => assertFlagError(['--foo'], 'flag provided but not defined: -foo'));
  test('unknown flag with a value', () => assertFlagError(['-foo=1'], 'flag provided but not defined: -foo'));
  test('missing argument', () => assertFlagError(['--tcp-address'], 'flag needs an argument: -tcp-address'));
  test('bad syntax', () => assertFlagError(['---x'], 'bad flag syntax: ---x'));
  const bad: [string[], string][] = [
    [['-mem-queue-size', 'abc'], 'invalid value "abc" for flag -mem-queue-size: parse error'],
    [['--mem-queue-size=1.5'], 'invalid value "1.5" for flag -mem-queue-size: parse error'],
    [
      ['--max-msg-size=9223372036854775808'],
      'invalid value "9223372036854775808" for flag -max-msg-size: value out of range',
    ],
    [['--msg-timeout=60'], 'invalid value "60" for flag -msg-timeout: parse error'],
    [['--sync-timeout', '2 s'], 'invalid value "2 s" for flag -sync-timeout: parse error'],
    [['-snappy=x'], 'invalid boolean value "x" for -snappy: parse error'],
    [['--deflate=yes'], 'invalid boolean value "yes" for -deflate: parse error'],
    [
      ['--tls-required=maybe'],
      'invalid boolean value "maybe" for -tls-required: strconv.ParseBool: parsing "maybe": invalid syntax',
    ],
    [
      ['--tls-min-version=tls9'],
      'invalid value "tls9" for flag -tls-min-version: unknown tlsVersionOption "tls9"',
    ],
    [
      ['--tls-min-version=ssl3.0'],
      'invalid value "ssl3.0" for flag -tls-min-version: SSL 3.0 is not supported (use tls1.0, tls1.1, tls1.2 or tls1.3)',
    ],
    [
      ['--log-level=verbose'],
      'invalid value "verbose" for flag -log-level: invalid log level \'verbose\' (debug, info, warn, error, fatal)',
    ],
    [
      ['--e2e-processing-latency-percentile=0.9,x'],
      'invalid value "0.9,x" for flag -e2e-processing-latency-percentile: parse error',
    ],
    [['--workers=many'], 'invalid value "many" for flag -workers: parse error'],
    [['--http-server=fast'], 'invalid value "fast" for flag -http-server: must be "auto", "uws" or "node"'],
  ];
  for (const [argv, message] of bad) test(argv.join(' '), () => assertFlagError(argv, message));
  test('flag errors win over --version', () =>
    assertFlagError(['--version', '--nope'], 'flag provided but not defined: -nope'));
});

describe('resolveOptions: --version and --help', () => {
  test('--version', () => {
    const r = exitOf(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^nsqd v1\.3\.0 \(built w\/nsq-ts \d+\.\d+\.\d+\S* node v\d+\.\d+\.\d+\)\n$/);
    assert.ok(r.stdout.endsWith(` node ${process.version})\n`));
    assert.equal(resolveOptions(['--version=false']).kind, 'run');
  });
  test('--version is answered before the config file is read', () => {
    assert.equal(exitOf(['--config=/nonexistent/nsqd.cfg', '-version']).code, 0);
  });
  for (const h of ['--help', '-help', '-h']) {
    test(h, () => {
      const r = exitOf(['--mem-queue-size=1', h]);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, flagHelp());
    });
  }
  test('usage text is Go PrintDefaults-shaped, sorted, with defaults', () => {
    const help = flagHelp();
    assert.ok(help.startsWith('Usage of nsqd:\n  -auth-http-address value\n    \t'));
    assert.ok(
      help.includes(
        '\n  -mem-queue-size int\n    \tnumber of messages to keep in memory (per topic/channel) (default 10000)\n',
      ),
    );
    assert.ok(
      help.includes(
        '\n  -msg-timeout duration\n    \tdefault duration to wait before auto-requeing a message (default 1m0s)\n',
      ),
    );
    assert.ok(
      help.includes(
        '\n  -tcp-address string\n    \t<addr>:<port> or a unix socket path to listen on for TCP clients (default "0.0.0.0:4150")\n',
      ),
    );
    assert.ok(
      help.includes(
        '\n  -snappy\n    \tenable snappy feature negotiation (client compression) (default true)\n',
      ),
    );
    assert.ok(
      help.includes('\n  -tls-required\n    \trequire TLS for client connections (true, false, tcp-https)\n'),
    );
    assert.ok(help.includes('\n  -statsd-prefix string\n'));
    const names = [...help.matchAll(/^ {2}-(\S+)/gm)].map((m) => m[1]!);
    assert.deepEqual(names, [...flagNames()].sort());
  });
});

describe('resolveOptions: start-up validation exits 1 naming the flag', () => {
  const cases: [string[], string][] = [
    [['--max-deflate-level=0'], '--max-deflate-level must be [1,9]'],
    [['--max-deflate-level=10'], '--max-deflate-level must be [1,9]'],
    [['--node-id=1024'], '--node-id must be [0,1024)'],
    [['--node-id=-1'], '--node-id must be [0,1024)'],
    [['--auth-http-request-method=put'], '--auth-http-request-method must be post or get'],
    [['--auth-http-request-method=GET'], '--auth-http-request-method must be post or get'],
    [['--e2e-processing-latency-percentile=0'], 'invalid E2E processing latency percentile: 0'],
    [['--e2e-processing-latency-percentile=1.5,0.5'], 'invalid E2E processing latency percentile: 1.5'],
    [['--e2e-processing-latency-percentile=-0.1'], 'invalid E2E processing latency percentile: -0.1'],
    [['--workers=65'], '--workers must be [0,64]'],
    [['--workers=-1'], '--workers must be [0,64]'],
    [['--max-msg-size=0'], '--max-msg-size must be > 0'],
    [['--mem-queue-size=-1'], '--mem-queue-size must be >= 0'],
    [['--max-body-size=-5'], '--max-body-size must be >= 0'],
    [['--max-rdy-count=-1'], '--max-rdy-count must be >= 0'],
    [['--max-channel-consumers=-1'], '--max-channel-consumers must be >= 0'],
    [['--msg-timeout=-1s'], '--msg-timeout must be >= 0'],
    [['--broadcast-tcp-port=70000'], '--broadcast-tcp-port must be [0,65535]'],
    [['--tls-required=true'], 'cannot require TLS client connections without TLS key and cert'],
    [['--tls-client-auth-policy=require'], 'cannot require TLS client connections without TLS key and cert'],
    [['--tls-cert=c.pem'], '--tls-cert and --tls-key must be given together'],
    [
      ['--tls-cert=c.pem', '--tls-key=k.pem', '--tls-required=tcp-https'],
      '--tls-required: TLS is not supported yet by nsq-ts; refusing to start',
    ],
    [
      ['--tls-cert=c.pem', '--tls-key=k.pem', '--tls-client-auth-policy=require-verify'],
      '--tls-required: TLS is not supported yet by nsq-ts; refusing to start',
    ],
  ];
  for (const [argv, message] of cases) test(argv.join(' '), () => assertStartupError(argv, message));
  test('edge values that are accepted', () => {
    const { options } = run([
      '--max-deflate-level=1',
      '--node-id=0',
      '--workers=64',
      '--auth-http-request-method=post',
      '--e2e-processing-latency-percentile=1',
      '--max-rdy-count=0',
      '--mem-queue-size=0',
      '--max-body-size=1',
    ]);
    assert.equal(options.maxDeflateLevel, 1);
    assert.equal(options.nodeId, 0);
    assert.equal(options.workers, 64);
    assert.equal(options.authHttpRequestMethod, 'post');
    assert.equal(options.maxBodySize, 1);
    assert.equal(run(['--max-deflate-level=9', '--node-id=1023']).options.nodeId, 1023);
  });
  test('tls cert/key without tls-required is accepted (with a warning)', () => {
    const r = run(['--tls-cert=c.pem', '--tls-key=k.pem']);
    assert.equal(r.options.tlsRequired, 'false');
    assert.deepEqual(r.warnings, ['flags accepted but not active yet in nsq-ts: --tls-cert, --tls-key']);
  });
});

describe('resolveOptions: warnings', () => {
  test('lists explicitly set inactive flags in order', () => {
    const r = run(['--statsd-address=127.0.0.1:8125', '--lookupd-tcp-address=l:4160', '--mem-queue-size=5']);
    assert.deepEqual(r.warnings, [
      'flags accepted but not active yet in nsq-ts: --statsd-address, --lookupd-tcp-address',
    ]);
  });
  test('http-address is active (no warning); https-address is not yet', () => {
    assert.deepEqual(run(['--http-address=']).warnings, []);
    assert.equal(run(['--http-address=']).options.httpAddress, '');
    assert.deepEqual(run(['--https-address=:1']).warnings, [
      'flags accepted but not active yet in nsq-ts: --https-address',
    ]);
  });
  test('active flags produce no warning', () => {
    const argv = [
      '--tcp-address=:4150',
      '--broadcast-address=me',
      '--msg-timeout=5s',
      '--snappy=false',
      '--workers=2',
    ];
    assert.deepEqual(run(argv).warnings, []);
  });
  test('all inactive flags (the active ones are not named)', () => {
    const r = run([
      '--https-address=:1',
      '--auth-http-request-method=post',
      '--max-bytes-per-file=1',
      '--sync-every=1',
      '--sync-timeout=1s',
      '--statsd-interval=1s',
      '--statsd-mem-stats=false',
      '--statsd-prefix=x',
      '--statsd-udp-packet-size=1',
      '--statsd-exclude-ephemeral',
      '--e2e-processing-latency-window-time=1m',
      '--tls-root-ca-file=ca.pem',
      '--tls-min-version=tls1.2',
      '--topology-region=r',
      '--topology-zone=z',
      '--enable-experiment=topology-aware-consumption',
    ]);
    assert.equal(r.warnings.length, 1);
    assert.equal(
      r.warnings[0],
      'flags accepted but not active yet in nsq-ts: --https-address, --auth-http-request-method, ' +
        '--statsd-interval, --statsd-mem-stats, --statsd-prefix, ' +
        '--statsd-udp-packet-size, --statsd-exclude-ephemeral, ' +
        '--tls-root-ca-file, --tls-min-version, --topology-region, --topology-zone, --enable-experiment',
    );
  });
});

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
        'auth_http_addresses = "a:1,b:2"',
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
    assert.deepEqual(o.authHttpAddresses, ['a:1', 'b:2']);
    assert.deepEqual(o.e2eProcessingLatencyPercentiles, [0.5, 1]);
    assert.deepEqual(o.enableExperiments, ['topology-aware-consumption']);
    assert.equal(o.tlsMinVersion, 0x0303);
    assert.equal(o.maxDeflateLevel, 4);
    assert.equal(o.workers, 0);
    assert.equal(o.httpAddress, '0.0.0.0:4151'); // default
    assert.equal(o.maxRdyCount, 2500); // default
    assert.deepEqual(r.warnings, [
      'flags accepted but not active yet in nsq-ts: --lookupd-tcp-address, --auth-http-address, ' +
        '--enable-experiment, --tls-min-version',
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
      '--tls-required: TLS is not supported yet by nsq-ts; refusing to start',
    );
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
