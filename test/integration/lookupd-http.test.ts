/**
 * nsqlookupd's HTTP API over a real socket, golden-tested against Go nsqlookupd 1.3.0's JSON (its
 * shapes from ../shared/spec/http-api.md §3, byte for byte as checked by hand against Go's; our
 * list order is registration order where Go's is map order): every endpoint, its parameter errors,
 * the V1 wrapper headers, 404/405/redirects; create/delete/tombstone semantics; inactivity expiry
 * and tombstone lifetimes on short clocks.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  getJson,
  nsqdPeer,
  sleep,
  startLookupd,
  type TestLookupd,
  V1Client,
} from '../helpers/lookupd.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const V1 = 'nsq; version=1.0';

/** PeerInfo JSON as Go marshals it, for a peer from nsqdPeer() connected from `remote` */
function peerJson(name: string, remote: string, tcp = 4150, http = 4151): string {
  return `{"remote_address":"${remote}","hostname":"${name}.host","broadcast_address":"${name}","tcp_port":${tcp},"http_port":${http},"version":"1.3.0","topology_zone":"","topology_region":""}`;
}

const remoteOf = (c: V1Client): string => `127.0.0.1:${c.socket.localPort}`;

describe('nsqlookupd HTTP API', () => {
  let l: TestLookupd;
  let n1: V1Client;
  before(async () => {
    l = await startLookupd();
    n1 = await V1Client.identified(l.tcpPort, nsqdPeer('n1'));
    for (const cmd of ['REGISTER t1 c1', 'REGISTER t1 c2', 'REGISTER t2'])
      assert.equal(await n1.cmd(cmd), 'OK');
  });
  after(async () => {
    n1.close();
    await l.close();
  });

  it('GET /ping: PlainText OK, no X-NSQ header', async () => {
    const r = await call(`${l.http}/ping`);
    assert.deepEqual(r, { status: 200, body: 'OK', type: 'text/plain; charset=utf-8', nsq: null });
  });

  it('GET /info: {"version":"1.3.0"} in the V1 wrapper', async () => {
    assert.deepEqual(await call(`${l.http}/info`), {
      status: 200,
      body: '{"version":"1.3.0"}',
      type: JSON_TYPE,
      nsq: V1,
    });
  });

  it('GET /topics, /channels, /lookup, /nodes: Go JSON byte for byte', async () => {
    const remote = remoteOf(n1);
    assert.equal((await call(`${l.http}/topics`)).body, '{"topics":["t1","t2"]}');
    assert.equal((await call(`${l.http}/channels?topic=t1`)).body, '{"channels":["c1","c2"]}');
    assert.equal((await call(`${l.http}/channels?topic=none`)).body, '{"channels":[]}');
    const lookup = await call(`${l.http}/lookup?topic=t1`);
    assert.deepEqual(lookup, {
      status: 200,
      body: `{"channels":["c1","c2"],"producers":[${peerJson('n1', remote)}]}`,
      type: JSON_TYPE,
      nsq: V1,
    });
    assert.equal(
      (await call(`${l.http}/lookup?topic=t2`)).body,
      `{"channels":[],"producers":[${peerJson('n1', remote)}]}`,
    );
    const node = peerJson('n1', remote).slice(0, -1);
    assert.equal(
      (await call(`${l.http}/nodes`)).body,
      `{"producers":[${node},"tombstones":[false,false],"topics":["t1","t2"]}]}`,
    );
  });

  it('GET /debug: every registration with its producers, Go map-marshalled (keys sorted), times in ns', async () => {
    const r = await call(`${l.http}/debug`);
    assert.equal(r.type, JSON_TYPE);
    const entry = (id: string): RegExp =>
      new RegExp(
        `\\{"broadcast_address":"n1","hostname":"n1.host","http_port":4151,"id":"${id}","last_update":\\d{19},"tcp_port":4150,"tombstoned":false,"tombstoned_at":-6795364578871345152,"topology_region":"","topology_zone":"","version":"1.3.0"\\}`,
      );
    const e = entry(remoteOf(n1)).source;
    assert.match(
      r.body,
      new RegExp(
        `^\\{"channel:t1:c1":\\[${e}\\],"channel:t1:c2":\\[${e}\\],"client::":\\[${e}\\],"topic:t1:":\\[${e}\\],"topic:t2:":\\[${e}\\]\\}$`,
      ),
    );
    const ns = BigInt(/"last_update":(\d+)/.exec(r.body)![1]!);
    const ms = Number(ns / 1_000_000n);
    assert.ok(Math.abs(ms - Date.now()) < 60_000, `last_update ${ns} is ns since the epoch`);
  });

  it('parameter errors as Go: MISSING_ARG_*, INVALID_ARG_*, TOPIC_NOT_FOUND, CHANNEL_NOT_FOUND, INVALID_REQUEST', async () => {
    const cases: [string, string, number, string][] = [
      ['GET', '/channels', 400, 'MISSING_ARG_TOPIC'],
      ['GET', '/lookup', 400, 'MISSING_ARG_TOPIC'],
      ['GET', '/lookup?topic=none', 404, 'TOPIC_NOT_FOUND'],
      ['GET', '/lookup?topic=', 404, 'TOPIC_NOT_FOUND'],
      ['GET', '/lookup?topic=%zz', 400, 'INVALID_REQUEST'],
      ['POST', '/topic/create', 400, 'MISSING_ARG_TOPIC'],
      ['POST', '/topic/create?topic=b@d', 400, 'INVALID_ARG_TOPIC'],
      ['POST', '/topic/delete', 400, 'MISSING_ARG_TOPIC'],
      ['POST', '/channel/create?channel=c', 400, 'MISSING_ARG_TOPIC'],
      ['POST', '/channel/create?topic=b@d&channel=c', 400, 'INVALID_ARG_TOPIC'],
      ['POST', '/channel/create?topic=t', 400, 'MISSING_ARG_CHANNEL'],
      ['POST', '/channel/create?topic=t&channel=b@d', 400, 'INVALID_ARG_CHANNEL'],
      ['POST', '/channel/delete?topic=t', 400, 'MISSING_ARG_CHANNEL'],
      ['POST', '/channel/delete?topic=t1&channel=none', 404, 'CHANNEL_NOT_FOUND'],
      ['POST', '/topic/tombstone?node=n1:4151', 400, 'MISSING_ARG_TOPIC'],
      ['POST', '/topic/tombstone?topic=t1', 400, 'MISSING_ARG_NODE'],
    ];
    for (const [method, path, status, message] of cases) {
      const r = await call(`${l.http}${path}`, method);
      assert.deepEqual(
        [r.status, r.body, r.type, r.nsq],
        [status, `{"message":"${message}"}`, JSON_TYPE, V1],
        `${method} ${path}`,
      );
    }
  });

  it('404, 405 with Allow, and httprouter redirects, as nsqd answers them', async () => {
    assert.deepEqual(await call(`${l.http}/nope`), {
      status: 404,
      body: '{"message":"NOT_FOUND"}',
      type: JSON_TYPE,
      nsq: V1,
    });
    const res = await fetch(`${l.http}/topic/create`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'OPTIONS, POST');
    assert.equal(await res.text(), '{"message":"METHOD_NOT_ALLOWED"}');
    const post = await fetch(`${l.http}/lookup`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, OPTIONS');
    const slash = await fetch(`${l.http}/lookup/?topic=t1`, { redirect: 'manual' });
    assert.equal(slash.status, 301);
    assert.equal(slash.headers.get('location'), '/lookup?topic=t1');
  });

  it('admin actions: create, delete and their effect on what the lists show', async () => {
    const post = async (path: string): Promise<void> => {
      const r = await call(`${l.http}${path}`, 'POST');
      assert.deepEqual([r.status, r.body, r.nsq], [200, '', V1], path);
    };
    await post('/topic/create?topic=made');
    assert.deepEqual(await getJson(`${l.http}/lookup?topic=made`), { channels: [], producers: [] });
    await post('/channel/create?topic=made2&channel=cc');
    assert.deepEqual(await getJson(`${l.http}/lookup?topic=made2`), { channels: ['cc'], producers: [] });
    await post('/channel/delete?topic=made2&channel=cc');
    assert.deepEqual(await getJson(`${l.http}/channels?topic=made2`), { channels: [] });
    // /topic/delete always answers 200, removes the topic and its channels (the producers with them)
    await post('/topic/delete?topic=never-was');
    await post('/topic/delete?topic=t1');
    assert.equal((await call(`${l.http}/lookup?topic=t1`)).status, 404);
    assert.deepEqual(await getJson(`${l.http}/channels?topic=t1`), { channels: [] });
    assert.deepEqual(await getJson(`${l.http}/topics`), { topics: ['t2', 'made', 'made2'] });
    // ... until the next REGISTER from an nsqd
    assert.equal(await n1.cmd('REGISTER t1 c1'), 'OK');
    assert.deepEqual(await getJson(`${l.http}/channels?topic=t1`), { channels: ['c1'] });
    const remote = remoteOf(n1);
    assert.equal(
      (await call(`${l.http}/lookup?topic=t1`)).body,
      `{"channels":["c1"],"producers":[${peerJson('n1', remote)}]}`,
    );
  });

  it('#ephemeral keys go with their last producer; others stay', async () => {
    const n2 = await V1Client.identified(l.tcpPort, nsqdPeer('n2', 5150, 5151));
    assert.equal(await n2.cmd('REGISTER e#ephemeral c#ephemeral'), 'OK');
    assert.equal(await n2.cmd('REGISTER e#ephemeral d'), 'OK');
    assert.equal(await n2.cmd('UNREGISTER e#ephemeral c#ephemeral'), 'OK');
    assert.equal(await n2.cmd('UNREGISTER e#ephemeral d'), 'OK');
    assert.deepEqual(await getJson(`${l.http}/channels?topic=e%23ephemeral`), { channels: ['d'] });
    assert.equal(await n2.cmd('UNREGISTER e#ephemeral'), 'OK');
    assert.equal((await call(`${l.http}/lookup?topic=e%23ephemeral`)).status, 404);
    // a channel key outlives the ephemeral topic's key, as in Go
    assert.deepEqual(await getJson(`${l.http}/channels?topic=e%23ephemeral`), { channels: ['d'] });
    n2.close();
  });
});

describe('nsqlookupd expiry and tombstones (short clocks)', () => {
  it('a producer not PINGed within --inactive-producer-timeout leaves /lookup and /nodes (not /debug); a PING brings it back', async () => {
    const l = await startLookupd({ inactiveProducerTimeout: 300 });
    try {
      const c = await V1Client.identified(l.tcpPort, nsqdPeer('quiet'));
      assert.equal(await c.cmd('REGISTER q'), 'OK');
      const producers = async (): Promise<number> =>
        (await getJson<{ producers: unknown[] }>(`${l.http}/lookup?topic=q`)).producers.length;
      const nodes = async (): Promise<number> =>
        (await getJson<{ producers: unknown[] }>(`${l.http}/nodes`)).producers.length;
      assert.deepEqual([await producers(), await nodes()], [1, 1]);
      await sleep(450);
      assert.deepEqual([await producers(), await nodes()], [0, 0]);
      assert.ok('topic:q:' in (await getJson<object>(`${l.http}/debug`)));
      assert.equal(await c.cmd('PING'), 'OK');
      assert.deepEqual([await producers(), await nodes()], [1, 1]);
      c.close();
    } finally {
      await l.close();
    }
  });

  it('/topic/tombstone hides node:http_port from /lookup for --tombstone-lifetime; /nodes flags it; UNREGISTER ends it', async () => {
    // long enough that a loaded machine does not outrun it between the tombstone and the checks
    const l = await startLookupd({ tombstoneLifetime: 1500 });
    try {
      const a = await V1Client.identified(l.tcpPort, nsqdPeer('a', 4150, 4151));
      const b = await V1Client.identified(l.tcpPort, nsqdPeer('b', 5150, 5151));
      for (const c of [a, b]) {
        assert.equal(await c.cmd('REGISTER tt'), 'OK');
        assert.equal(await c.cmd('REGISTER other'), 'OK');
      }
      const lookup = async (topic: string): Promise<string[]> =>
        (
          await getJson<{ producers: { broadcast_address: string }[] }>(`${l.http}/lookup?topic=${topic}`)
        ).producers.map((p) => p.broadcast_address);
      const tombstones = async (): Promise<Record<string, string>> => {
        const n = await getJson<{
          producers: { broadcast_address: string; topics: string[]; tombstones: boolean[] }[];
        }>(`${l.http}/nodes`);
        return Object.fromEntries(
          n.producers.map((p) => [
            p.broadcast_address,
            p.topics.map((t, i) => `${t}=${p.tombstones[i]}`).join(','),
          ]),
        );
      };
      // the node must be broadcast_address:http_port exactly
      assert.equal((await call(`${l.http}/topic/tombstone?topic=tt&node=a:4150`, 'POST')).status, 200);
      assert.deepEqual(await lookup('tt'), ['a', 'b']);
      assert.equal((await call(`${l.http}/topic/tombstone?topic=tt&node=a:4151`, 'POST')).status, 200);
      assert.deepEqual(await lookup('tt'), ['b']);
      assert.deepEqual(await lookup('other'), ['a', 'b']);
      assert.deepEqual(await tombstones(), { a: 'tt=true,other=false', b: 'tt=false,other=false' });
      // a re-REGISTER keeps the tombstone; it expires after its lifetime
      assert.equal(await a.cmd('REGISTER tt'), 'OK');
      assert.deepEqual(await lookup('tt'), ['b']);
      await sleep(1700);
      assert.deepEqual(await lookup('tt'), ['a', 'b']);
      assert.deepEqual(await tombstones(), { a: 'tt=false,other=false', b: 'tt=false,other=false' });
      // tombstoned again, then UNREGISTER + REGISTER: a fresh producer, not tombstoned
      await call(`${l.http}/topic/tombstone?topic=tt&node=b:5151`, 'POST');
      assert.deepEqual(await lookup('tt'), ['a']);
      assert.equal(await b.cmd('UNREGISTER tt'), 'OK');
      assert.equal(await b.cmd('REGISTER tt'), 'OK');
      assert.deepEqual(await lookup('tt'), ['a', 'b']);
      a.close();
      b.close();
    } finally {
      await l.close();
    }
  });
});
