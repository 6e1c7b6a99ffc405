/** nsqd.dat encoding (exact Go json.Marshal bytes), loading rules and the atomic tmp+fsync+rename write. */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeMetadata, loadMetadata, saveMetadata, type TopicMeta } from '../../src/nsqd/disk/metadata.js';
import { tempDirs } from '../helpers/tmp.js';

const tmp = tempDirs('meta');

function collect(): { warn(msg: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m: string) => lines.push(m) };
}

function withFile(json: string): string {
  const d = tmp();
  writeFileSync(path.join(d, 'nsqd.dat'), json);
  return d;
}

describe('encodeMetadata', () => {
  it('writes null topics when there are none', () => {
    assert.equal(encodeMetadata([]), '{"topics":null,"version":"1.3.0"}');
  });

  it('matches the spec example byte for byte, with null channels', () => {
    const topics: TopicMeta[] = [
      { name: 'orders', paused: false, channels: [{ name: 'archive', paused: false }] },
      { name: 'empty_topic', paused: true, channels: [] },
    ];
    assert.equal(
      encodeMetadata(topics),
      '{"topics":[{"name":"orders","paused":false,"channels":[{"name":"archive","paused":false}]},' +
        '{"name":"empty_topic","paused":true,"channels":null}],"version":"1.3.0"}',
    );
  });

  it('omits ephemeral topics and ephemeral channels (null when only ephemeral channels remain)', () => {
    const topics: TopicMeta[] = [
      { name: 'tmp#ephemeral', paused: false, channels: [{ name: 'c', paused: false }] },
      {
        name: 'a',
        paused: false,
        channels: [
          { name: 'x#ephemeral', paused: true },
          { name: 'y', paused: true },
        ],
      },
      { name: 'b', paused: false, channels: [{ name: 'z#ephemeral', paused: false }] },
    ];
    assert.equal(
      encodeMetadata(topics),
      '{"topics":[{"name":"a","paused":false,"channels":[{"name":"y","paused":true}]},' +
        '{"name":"b","paused":false,"channels":null}],"version":"1.3.0"}',
    );
    assert.equal(
      encodeMetadata([{ name: 'only#ephemeral', paused: true, channels: [] }]),
      '{"topics":null,"version":"1.3.0"}',
    );
  });

  it("escapes names as Go's encoding/json does", () => {
    assert.equal(
      encodeMetadata([{ name: 'a&b', paused: false, channels: [{ name: '<c>', paused: false }] }]),
      '{"topics":[{"name":"a\\u0026b","paused":false,"channels":[{"name":"\\u003cc\\u003e","paused":false}]}],"version":"1.3.0"}',
    );
  });
});

describe('loadMetadata', () => {
  it('returns [] for a missing file', () => {
    assert.deepEqual(loadMetadata(tmp(), collect()), []);
  });

  it('round-trips what saveMetadata wrote', () => {
    const d = tmp();
    const topics: TopicMeta[] = [
      {
        name: 'orders',
        paused: true,
        channels: [
          { name: 'archive', paused: false },
          { name: 'audit', paused: true },
        ],
      },
      { name: 'empty', paused: false, channels: [] },
      { name: 'gone#ephemeral', paused: false, channels: [] },
    ];
    saveMetadata(d, topics);
    const log = collect();
    assert.deepEqual(loadMetadata(d, log), topics.slice(0, 2));
    assert.deepEqual(log.lines, []);
    saveMetadata(d, []);
    assert.deepEqual(loadMetadata(d, log), []);
  });

  it('throws on malformed JSON, naming the file', () => {
    for (const bad of ['{"topics":[', '', 'nope', '\ufeff{"topics":null}']) {
      const d = withFile(bad);
      const fn = path.join(d, 'nsqd.dat');
      assert.throws(
        () => loadMetadata(d, collect()),
        (e: Error) => e.message.startsWith(`failed to parse metadata in ${fn} - `),
      );
    }
  });

  it('throws on wrong value types as Go does (UnmarshalTypeError)', () => {
    const cases: [string, string][] = [
      ['[]', 'json: cannot unmarshal array into Go value of type nsqd.Metadata'],
      [
        '{"topics":{}}',
        'json: cannot unmarshal object into Go struct field Metadata.topics of type []nsqd.TopicMetadata',
      ],
      [
        '{"topics":[1]}',
        'json: cannot unmarshal number into Go struct field Metadata.topics of type nsqd.TopicMetadata',
      ],
      [
        '{"topics":[{"name":5}]}',
        'json: cannot unmarshal number into Go struct field TopicMetadata.topics.name of type string',
      ],
      [
        '{"topics":[{"name":"t","channels":[{"name":"c","paused":"yes"}]}]}',
        'json: cannot unmarshal string into Go struct field ChannelMetadata.topics.channels.paused of type bool',
      ],
      ['{"version":1}', 'json: cannot unmarshal number into Go struct field Metadata.version of type string'],
    ];
    for (const [json, msg] of cases) {
      const d = withFile(json);
      assert.throws(() => loadMetadata(d, collect()), {
        message: `failed to parse metadata in ${path.join(d, 'nsqd.dat')} - ${msg}`,
      });
    }
  });

  it('skips invalid topic and channel names with a warning', () => {
    const d = withFile(
      JSON.stringify({
        topics: [
          { name: 'bad topic', paused: false, channels: [{ name: 'c', paused: false }] },
          { name: '', paused: true, channels: null },
          { name: 'ok', paused: false, channels: [{ name: 'bad/chan', paused: false }, { name: 'good' }] },
          { name: 'x'.repeat(65), channels: null },
        ],
        version: '1.3.0',
      }),
    );
    const log = collect();
    assert.deepEqual(loadMetadata(d, log), [
      { name: 'ok', paused: false, channels: [{ name: 'good', paused: false }] },
    ]);
    assert.deepEqual(log.lines, [
      'skipping creation of invalid topic bad topic',
      'skipping creation of invalid topic ',
      'skipping creation of invalid channel bad/chan',
      `skipping creation of invalid topic ${'x'.repeat(65)}`,
    ]);
  });

  it('tolerates null channels, missing paused, unknown keys, any version, folded key case and a null document', () => {
    const d = withFile(
      '{"extra":{"a":[1,2]},"topics":[{"name":"a","channels":null,"more":true},' +
        '{"Name":"b","PAUSED":true,"Channels":[{"nAmE":"c","paused":null,"x":1}]},null,' +
        '{"name":"e#ephemeral","paused":false}],"version":"0.3.8"}',
    );
    assert.deepEqual(loadMetadata(d, collect()), [
      { name: 'a', paused: false, channels: [] },
      { name: 'b', paused: true, channels: [{ name: 'c', paused: false }] },
      { name: 'e#ephemeral', paused: false, channels: [] },
    ]);
    assert.deepEqual(loadMetadata(withFile('null'), collect()), []);
    assert.deepEqual(loadMetadata(withFile('{}'), collect()), []);
  });

  it('merges a topic or channel listed twice (paused if any entry is)', () => {
    const d = withFile(
      '{"topics":[{"name":"t","paused":true,"channels":[{"name":"c","paused":false}]},' +
        '{"name":"t","paused":false,"channels":[{"name":"c","paused":true},{"name":"d","paused":false}]}]}',
    );
    assert.deepEqual(loadMetadata(d, collect()), [
      {
        name: 't',
        paused: true,
        channels: [
          { name: 'c', paused: true },
          { name: 'd', paused: false },
        ],
      },
    ]);
  });
});

describe('queue policies in nsqd.dat (beyond nsqd)', () => {
  const withLimits: TopicMeta[] = [
    {
      name: 't',
      paused: false,
      limits: { ttl: 90000, maxDepth: 10, maxDepthPolicy: 'reject-new' },
      channels: [
        { name: 'c', paused: true, limits: { maxAttempts: 3 } },
        { name: 'plain', paused: false },
      ],
    },
  ];

  it("are extra fields after Go's, only where set", () => {
    assert.equal(
      encodeMetadata(withLimits),
      '{"topics":[{"name":"t","paused":false,"channels":[{"name":"c","paused":true,"max_attempts":3},' +
        '{"name":"plain","paused":false}],"ttl_ms":90000,"max_depth":10,"max_depth_policy":"reject-new"}],' +
        '"version":"1.3.0"}',
    );
  });

  it('round-trip, and a file with them decodes as Go would see it when the fields are dropped', () => {
    const d = tmp();
    saveMetadata(d, withLimits);
    assert.deepEqual(loadMetadata(d, collect()), withLimits);
    // what Go's encoding/json keeps of it: the struct fields; ours loads that file too
    const goView = JSON.parse(readFileSync(path.join(d, 'nsqd.dat'), 'utf8'));
    for (const t of goView.topics) {
      for (const k of Object.keys(t)) if (!['name', 'paused', 'channels'].includes(k)) delete t[k];
      for (const c of t.channels)
        for (const k of Object.keys(c)) if (!['name', 'paused'].includes(k)) delete c[k];
    }
    assert.deepEqual(loadMetadata(withFile(JSON.stringify(goView)), collect()), [
      {
        name: 't',
        paused: false,
        channels: [
          { name: 'c', paused: true },
          { name: 'plain', paused: false },
        ],
      },
    ]);
  });

  it('a value of the wrong kind is left out with a warning, never fatal', () => {
    const log = collect();
    const d = withFile(
      '{"topics":[{"name":"t","max_depth":"ten","channels":[{"name":"c","max_attempts":-1,"max_depth_policy":"x","ttl_ms":5}]}]}',
    );
    assert.deepEqual(loadMetadata(d, log), [
      { name: 't', paused: false, channels: [{ name: 'c', paused: false, limits: { ttl: 5 } }] },
    ]);
    assert.equal(log.lines.length, 3, log.lines.join('\n'));
  });
});

describe('saveMetadata', () => {
  it('replaces nsqd.dat atomically with mode 0600 and leaves no tmp files', () => {
    const d = tmp();
    const fn = path.join(d, 'nsqd.dat');
    writeFileSync(fn, 'x'.repeat(4096), { mode: 0o644 });
    const topics: TopicMeta[] = [{ name: 'orders', paused: false, channels: [] }];
    saveMetadata(d, topics);
    assert.equal(
      readFileSync(fn, 'utf8'),
      '{"topics":[{"name":"orders","paused":false,"channels":null}],"version":"1.3.0"}',
    );
    assert.equal(statSync(fn).mode & 0o777, 0o600);
    for (let i = 0; i < 20; i++) saveMetadata(d, i % 2 === 0 ? [] : topics);
    assert.deepEqual(readdirSync(d), ['nsqd.dat']);
    assert.equal(readFileSync(fn, 'utf8'), encodeMetadata(topics));
  });

  it('throws when the directory does not exist, leaving nothing behind', () => {
    const d = path.join(tmp(), 'missing');
    assert.throws(() => saveMetadata(d, []), { code: 'ENOENT' });
  });
});
