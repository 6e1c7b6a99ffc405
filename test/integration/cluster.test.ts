/**
 * nsqd joining a cluster, as real processes on 127.0.0.1 port 0: one nsqlookupd and two nsqd of
 * ours. What the lookupd shows (/nodes, /lookup, /channels) as topics and channels come and go,
 * after either side restarts, and after PUT /config/nsqlookupd_tcp_addresses; the channels nsqd
 * pre-creates from the lookupd; and an nsqjs Reader that finds both nodes through the lookupd and
 * gets every message exactly once. Sharded (the default) and --workers=0: the reports reach the
 * registrar by postMessage from a worker, or by a direct call.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nsq from 'nsqjs';
import {
  channelsOf,
  type Doc,
  eventually,
  httpJson,
  httpPost,
  httpText,
  lookupOf,
  nodesOf,
  nsqdPub,
  nsqdTopic,
  type Program,
  startLookupd,
  startNsqdNode,
  startTwoNodeCluster,
  stopCluster,
} from '../helpers/cluster.js';
import { tempDirs } from '../helpers/tmp.js';
import { WireClient } from '../helpers/wire.js';

const tempDir = tempDirs('cluster');

/** the same arrays, once sorted */
function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

for (const mode of [[], ['--workers=0']]) {
  describe(`a two-nsqd, one-nsqlookupd cluster (${mode.length === 0 ? 'sharded' : '--workers=0'})`, () => {
    let lookupd: Program;
    let a: Program;
    let b: Program;
    const dataA = tempDir();
    const dataB = tempDir();

    before(async () => {
      [lookupd, a, b] = await startTwoNodeCluster([dataA, dataB], mode);
      // until a node has the lookupd's IDENTIFY reply it has no lookupd to ask for channels
      await eventually('both nodes identified', async () =>
        (await nodesOf(lookupd)).size === 2 ? true : undefined,
      );
    });
    after(() => stopCluster(lookupd, a, b));

    it('both nodes register with their broadcast address and ports', async () => {
      const r = await eventually('both nodes in /nodes', async () => {
        const n = (await httpJson(`${lookupd.http}/nodes`)) as { producers: Record<string, unknown>[] };
        return n.producers.length === 2 ? n.producers : undefined;
      });
      const byPort = new Map(r.map((p) => [p.tcp_port, p]));
      for (const node of [a, b]) {
        const p = byPort.get(node.tcpPort);
        assert.ok(p, `node ${node.tcpPort} listed`);
        assert.equal(p.broadcast_address, '127.0.0.1');
        assert.equal(p.http_port, node.httpPort);
        assert.equal(p.version, '1.3.0');
      }
    });

    it('topic and channel create/delete reach the lookupd (ephemeral ones go when their last consumer goes)', async () => {
      await httpPost(`${a.http}/topic/create?topic=orders`);
      await httpPost(`${b.http}/topic/create?topic=orders`);
      await httpPost(`${b.http}/channel/create?topic=orders&channel=billing`);
      await eventually('orders on both, billing listed', async () => {
        const l = await lookupOf(lookupd, 'orders');
        return same(
          l.ports,
          [a.tcpPort, b.tcpPort].sort((x, y) => x - y),
        ) && same(l.channels, ['billing'])
          ? true
          : undefined;
      });
      // an ephemeral channel: registered while its consumer is subscribed, gone after
      const r = new nsq.Reader('orders', 'watch#ephemeral', { nsqdTCPAddresses: [a.tcpAddress] });
      r.on('error', () => {});
      r.connect();
      await eventually('watch#ephemeral listed', async () =>
        (await channelsOf(lookupd, 'orders')).includes('watch#ephemeral') ? true : undefined,
      );
      r.close();
      await eventually('watch#ephemeral gone', async () =>
        same(await channelsOf(lookupd, 'orders'), ['billing']) ? true : undefined,
      );
      // deleting the topic on one node removes that node only
      await httpPost(`${a.http}/topic/delete?topic=orders`);
      await eventually('orders on b only', async () => {
        const [l, nodes] = await Promise.all([lookupOf(lookupd, 'orders'), nodesOf(lookupd)]);
        return same(l.ports, [b.tcpPort]) && !(nodes.get(a.tcpPort) ?? ['x']).includes('orders')
          ? true
          : undefined;
      });
    });

    it('a new topic gets the channels the lookupd lists before its first message flows', async () => {
      await httpPost(`${lookupd.http}/channel/create?topic=presets&channel=audit`);
      await httpPost(`${lookupd.http}/channel/create?topic=presets&channel=tmp%23ephemeral`);
      await nsqdPub(a, 'presets', 'first');
      const chans: Doc[] = await eventually('audit pre-created', async () => {
        const c = (await nsqdTopic(a, 'presets'))?.channels ?? [];
        return c.length > 0 ? c : undefined;
      });
      // the ephemeral one is not pre-created; audit holds the message published before it existed
      assert.deepEqual(
        chans.map((c) => [c.channel_name, c.depth]),
        [['audit', 1]],
      );
      // a topic created by a SUB holds what is published at once, until audit exists too (as
      // nsqd's GetTopic starts a topic only after creating the lookupd's channels)
      await httpPost(`${lookupd.http}/channel/create?topic=presets2&channel=audit`);
      const c = await WireClient.connect(a.tcpPort);
      try {
        c.cmd('SUB presets2 live');
        c.pub('presets2', 'right after');
        assert.equal(await c.response(), 'OK');
        assert.equal(await c.response(), 'OK');
        const both: Doc[] = await eventually('live and audit hold the message', async () => {
          const c = (await nsqdTopic(a, 'presets2'))?.channels ?? [];
          return c.length === 2 ? c : undefined;
        });
        assert.deepEqual(
          both.map((ch) => [ch.channel_name, ch.depth]),
          [
            ['audit', 1],
            ['live', 1],
          ],
        );
      } finally {
        c.close();
      }
    });

    it('an nsqjs Reader finding producers through the lookupd gets every message of both nodes once', async () => {
      const topic = 'spread';
      const n = 20;
      const bodies = (node: string) => Array.from({ length: n }, (_, i) => `${node}-${i}`);
      await httpText(`${a.http}/mpub?topic=${topic}`, 'POST', bodies('a').join('\n'));
      await httpText(`${b.http}/mpub?topic=${topic}`, 'POST', bodies('b').join('\n'));
      await eventually('spread on both nodes', async () =>
        (await lookupOf(lookupd, topic)).ports.length === 2 ? true : undefined,
      );
      const r = new nsq.Reader(topic, 'all', {
        lookupdHTTPAddresses: [`127.0.0.1:${lookupd.httpPort}`],
        maxInFlight: 10,
      });
      r.on('error', () => {});
      const got: string[] = [];
      r.on('message', (m) => {
        got.push(m.body.toString());
        m.finish();
      });
      r.connect();
      try {
        await eventually('every message', async () => (got.length >= 2 * n ? true : undefined));
        await new Promise((res) => setTimeout(res, 300)); // nothing more arrives
      } finally {
        r.close();
      }
      assert.deepEqual(got.sort(), [...bodies('a'), ...bodies('b')].sort());
    });
  });
}

describe('restarts and live lookupd changes (sharded)', () => {
  let lookupd: Program;
  let a: Program;
  let b: Program;
  const dataA = tempDir();
  const dataB = tempDir();

  before(async () => {
    [lookupd, a, b] = await startTwoNodeCluster([dataA, dataB]);
    await httpPost(`${a.http}/topic/create?topic=kept`);
    await httpPost(`${a.http}/channel/create?topic=kept&channel=c`);
    await httpPost(`${b.http}/topic/create?topic=other`);
  });
  after(() => stopCluster(lookupd, a, b));

  const both = async (): Promise<Map<number, string[]> | undefined> => {
    const nodes = await nodesOf(lookupd);
    return same(nodes.get(a.tcpPort) ?? [], ['kept']) && same(nodes.get(b.tcpPort) ?? [], ['other'])
      ? nodes
      : undefined;
  };

  it('a restarted nsqd registers again what its data path holds', async () => {
    await eventually('both registered', both);
    await a.stop();
    await eventually('a gone', async () => ((await nodesOf(lookupd)).has(a.tcpPort) ? undefined : true));
    a = await startNsqdNode([lookupd], dataA);
    await eventually('a back with kept', both);
    assert.deepEqual((await lookupOf(lookupd, 'kept')).channels, ['c']);
  });

  it('after the lookupd restarts, both nodes register again', async () => {
    await eventually('both registered', both);
    // the nodes dial the same TCP address; the HTTP one they learn from the new IDENTIFY reply
    const { tcpPort } = lookupd;
    await lookupd.stop();
    lookupd = await startLookupd(tcpPort);
    assert.equal((await nodesOf(lookupd)).size, 0);
    const nodes = await eventually('both back', both, 15_000);
    assert.equal(nodes.size, 2);
    assert.deepEqual((await lookupOf(lookupd, 'kept')).channels, ['c']);
  });

  it('PUT /config/nsqlookupd_tcp_addresses moves a node to another lookupd live', async () => {
    const second = await startLookupd();
    try {
      const list = [second.tcpAddress];
      const put = await httpJson(`${a.http}/config/nsqlookupd_tcp_addresses`, 'PUT', JSON.stringify(list));
      assert.deepEqual(put, list);
      assert.deepEqual(await httpJson(`${a.http}/config/nsqlookupd_tcp_addresses`), list);
      await eventually('a on the second lookupd only', async () => {
        const [one, two] = await Promise.all([nodesOf(lookupd), nodesOf(second)]);
        return !one.has(a.tcpPort) && same(two.get(a.tcpPort) ?? [], ['kept']) && one.has(b.tcpPort)
          ? true
          : undefined;
      });
      // and back to both
      const all = [lookupd.tcpAddress, second.tcpAddress];
      await httpJson(`${a.http}/config/nsqlookupd_tcp_addresses`, 'PUT', JSON.stringify(all));
      await eventually('a on both lookupds', async () => {
        const [one, two] = await Promise.all([nodesOf(lookupd), nodesOf(second)]);
        return one.has(a.tcpPort) && two.has(a.tcpPort) ? true : undefined;
      });
    } finally {
      await second.stop();
    }
  });
});
