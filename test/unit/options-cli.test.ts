/**
 * resolveOptions as an operator meets it: defaults, flag syntax, errors naming the flag, --version,
 * --help, start-up validation and warnings (the --config file: options-config.test.ts).
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { describe, test } from 'node:test';
import zlib from 'node:zlib';
import { defaultOptions, flagHelp, flagNames, resolveOptions } from '../../src/nsqd/options/cli.js';
import {
  crc32Ieee,
  defaultNodeId,
  defaultWorkers,
  NSQD_FLAGS,
  resolveIoThreads,
} from '../../src/nsqd/options/flags.js';
import { INTERNAL_DEFAULTS } from '../../src/nsqd/options/options.js';
import { assertFlagError, assertStartupError, exitOf, run } from '../helpers/options.js';

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
      workers: defaultWorkers(),
      ioThreads: 0,
      httpServer: 'auto',
      syncPublish: false,
      metrics: true,
      metricsExcludeEphemeral: false,
      maxAttempts: 0,
      deadLetterTopic: '%s.dead',
      maxDeferTimeout: 0,
      persistDeferred: false,
      messageTtl: 0,
      maxDepth: 0,
      maxDepthPolicy: 'drop-oldest',
      drainTimeout: 300000,
      websocketPath: '',
      clientTimeout: 60000,
      heartbeatInterval: 30000,
      queueScanInterval: 100,
    });
    assert.deepEqual(
      [1, 2, 4, 8, 16, 64].map((n) => defaultWorkers(n)),
      [1, 1, 1, 3, 7, 31],
    );
    // --io-threads=0 chooses: 1 with an inline shard, else an eighth of the CPUs, at least 1
    assert.deepEqual(
      [1, 2, 8, 16, 64].map((n) => resolveIoThreads({ ioThreads: 0, workers: 3 }, n)),
      [1, 1, 1, 2, 8],
    );
    assert.equal(resolveIoThreads({ ioThreads: 0, workers: 0 }, 64), 1);
    assert.equal(resolveIoThreads({ ioThreads: 5, workers: 3 }, 2), 5);
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
      '--enable-experiment=topology-aware-consumption',
      '--e2e-processing-latency-percentile=0.5,1.0',
      '--e2e-processing-latency-percentile=0.99',
    ]);
    assert.deepEqual(options.lookupdTcpAddresses, ['a:4160', 'b:4160', 'c:4160']);
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
  test('statsd: a zero interval is refused only with an address (Go panics), any other is kept', () => {
    assertStartupError(
      ['--statsd-address=127.0.0.1:8125', '--statsd-interval=0s'],
      '--statsd-interval must be > 0 with --statsd-address',
    );
    assert.equal(run(['--statsd-interval=0s']).options.statsdInterval, 0);
    assert.equal(run(['--statsd-address=s:1', '--statsd-interval=500ms']).options.statsdInterval, 500);
  });
  test('queue policies (beyond nsqd): off by default, checked at start-up', () => {
    const o = run([]).options;
    assert.deepEqual(
      [
        o.maxAttempts,
        o.deadLetterTopic,
        o.maxDeferTimeout,
        o.persistDeferred,
        o.messageTtl,
        o.maxDepth,
        o.maxDepthPolicy,
      ],
      [0, '%s.dead', 0, false, 0, 0, 'drop-oldest'],
    );
    const set = run([
      '--max-attempts=5',
      '--dead-letter-topic=dlq.%s',
      '--max-defer-timeout=168h',
      '--persist-deferred',
      '--message-ttl=1h',
      '--max-depth=1000',
      '--max-depth-policy=reject-new',
    ]).options;
    assert.deepEqual(
      [set.maxAttempts, set.deadLetterTopic, set.maxDeferTimeout, set.persistDeferred, set.messageTtl],
      [5, 'dlq.%s', 168 * 3600_000, true, 3600_000],
    );
    assert.deepEqual([set.maxDepth, set.maxDepthPolicy], [1000, 'reject-new']);
    assertFlagError(
      ['--max-depth-policy=oldest'],
      'invalid value "oldest" for flag -max-depth-policy: must be "drop-oldest" or "reject-new"',
    );
    assertStartupError(['--max-attempts=65536'], '--max-attempts must be [0,65535]');
    assertStartupError(['--dead-letter-topic=%s'], '--dead-letter-topic must differ from the topic name');
    assertStartupError(['--dead-letter-topic=%s.%s'], '--dead-letter-topic may hold %s once');
    assertStartupError(['--dead-letter-topic=a b'], '--dead-letter-topic "a b" gives invalid topic names');
    assertStartupError(['--max-defer-timeout=1200h'], '--max-defer-timeout must be <= 1193h2m47.295s');
    assertStartupError(['--max-req-timeout=1200h'], '--max-defer-timeout must be <= 1193h2m47.295s');
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
    // one default for --workers: this machine's value and the rule behind it
    const workers = /\n {2}-workers int\n {4}\t(.*)\n/.exec(help)?.[1] ?? '';
    assert.equal(
      workers,
      '[nsq-ts] shard worker threads in [0,64]; 0 runs one shard inline on the main thread ' +
        `(default ${defaultWorkers()}: half the available CPUs - 1, at least 1)`,
    );
    const io = /\n {2}-io-threads int\n {4}\t(.*)\n/.exec(help)?.[1] ?? '';
    assert.match(
      io,
      /^\[nsq-ts\] threads that accept and serve clients in \[0,64\].*0 chooses: 1 with --workers=0, else a CPU count \/ 8, at least 1$/,
    );
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
    [['--io-threads=65'], '--io-threads must be [0,64]'],
    [['--io-threads=-1'], '--io-threads must be [0,64]'],
    [
      ['--io-threads=2', '--workers=0'],
      '--io-threads > 1 needs --workers >= 1 (an inline shard runs on the main thread)',
    ],
    [['--max-msg-size=0'], '--max-msg-size must be > 0'],
    [['--mem-queue-size=-1'], '--mem-queue-size must be >= 0'],
    [['--max-body-size=-5'], '--max-body-size must be >= 0'],
    [['--max-rdy-count=-1'], '--max-rdy-count must be >= 0'],
    [['--max-channel-consumers=-1'], '--max-channel-consumers must be >= 0'],
    [['--msg-timeout=-1s'], '--msg-timeout must be >= 0'],
    [['--broadcast-tcp-port=70000'], '--broadcast-tcp-port must be [0,65535]'],
    [['--drain-timeout=-1s'], '--drain-timeout must be >= 0'],
    [['--websocket-path=ws'], '--websocket-path must start with / (got ws)'],
    [['--websocket-path=/ws', '--http-address='], '--websocket-path needs --http-address'],
    [['--tls-required=true'], 'cannot require TLS client connections without TLS key and cert'],
    [['--tls-client-auth-policy=require'], 'cannot require TLS client connections without TLS key and cert'],
    [['--tls-cert=c.pem'], '--tls-cert and --tls-key must be given together'],
  ];
  for (const [argv, message] of cases) test(argv.join(' '), () => assertStartupError(argv, message));
  test('AUTH flags: repeatable addresses, either method, no warning', () => {
    const r = run([
      '--auth-http-address=auth:4181',
      '--auth-http-address=http://x/auth',
      '--auth-http-request-method=post',
    ]);
    assert.deepEqual(r.options.authHttpAddresses, ['auth:4181', 'http://x/auth']);
    assert.equal(r.options.authHttpRequestMethod, 'post');
    assert.deepEqual(r.warnings, []);
  });
  test('edge values that are accepted', () => {
    const { options } = run([
      '--max-deflate-level=1',
      '--node-id=0',
      '--workers=64',
      '--io-threads=64',
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
  test('the TLS and AUTH flags at their defaults start (AUTH refuses only when set)', () => {
    const r = run(['--tls-required=false', '--tls-cert=', '--tls-key=', '--tls-client-auth-policy=']);
    assert.equal(r.options.tlsRequired, 'false');
    assert.deepEqual(r.options.authHttpAddresses, []);
  });
  test('TLS flags resolve (the files are read when the broker starts)', () => {
    const o = run([
      '--tls-cert=c.pem',
      '--tls-key=k.pem',
      '--tls-client-auth-policy=require-verify',
      '--tls-root-ca-file=ca.pem',
    ]).options;
    assert.deepEqual(
      [o.tlsCert, o.tlsKey, o.tlsClientAuthPolicy, o.tlsRootCaFile, o.tlsRequired],
      ['c.pem', 'k.pem', 'require-verify', 'ca.pem', 'true'],
    );
    assert.equal(
      run(['--tls-cert=c.pem', '--tls-key=k.pem', '--tls-required=tcp-https']).options.tlsRequired,
      'tcp-https',
    );
  });
});

describe('resolveOptions: warnings', () => {
  test('lists explicitly set inactive flags in order', () => {
    const r = run(['--enable-experiment=x', '--statsd-address=127.0.0.1:8125', '--https-address=:1']);
    assert.deepEqual(r.warnings, ['flags accepted but not active yet in nsq-ts: --enable-experiment']);
  });
  test('http-address and https-address are active (no warning)', () => {
    assert.deepEqual(run(['--http-address=']).warnings, []);
    assert.equal(run(['--http-address=']).options.httpAddress, '');
    assert.deepEqual(run(['--https-address=:1']).warnings, []);
  });
  test('active flags produce no warning', () => {
    const argv = [
      '--tcp-address=:4150',
      '--broadcast-address=me',
      '--broadcast-tcp-port=4150',
      '--broadcast-http-port=4151',
      '--lookupd-tcp-address=l:4160',
      '--topology-region=r',
      '--topology-zone=z',
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
      '--enable-experiment=topology-aware-consumption',
    ]);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0], 'flags accepted but not active yet in nsq-ts: --enable-experiment');
  });
});
