/**
 * nsqjs from npm over every transport nsqd offers: {plain, tls} × {none, snappy, deflate}, each
 * publishing (PUB and MPUB) and consuming for real, with /stats showing each client's tls, snappy
 * and deflate flags and Go's TLS version and cipher names while they are connected.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { collect, publish, reader, writer } from '../helpers/nsqjs.js';
import { pem, tlsOptions } from '../helpers/tls.js';
import { freshTopic, sleep } from '../helpers/wire.js';

interface StatsClient {
  user_agent: string;
  tls: boolean;
  snappy: boolean;
  deflate: boolean;
  tls_version: string;
  tls_cipher_suite: string;
  tls_negotiated_protocol_is_mutual: boolean;
}
interface Stats {
  topics: { topic_name: string; channels: { clients: StatsClient[] }[] }[];
  producers: StatsClient[];
}

const TRANSPORTS = ['plain', 'tls'] as const;
const COMPRESSIONS = ['none', 'snappy', 'deflate'] as const;

for (const workers of [0, 1]) {
  describe(`nsqjs over TLS and compression (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers, ...tlsOptions() });
    });
    after(() => b.close());

    for (const transport of TRANSPORTS) {
      for (const compression of COMPRESSIONS) {
        it(`${transport} × ${compression}: publishes and consumes; /stats shows the connection's layers`, async () => {
          const opts: Record<string, unknown> = {};
          if (transport === 'tls')
            Object.assign(opts, { tls: true, tlsVerification: true, ca: pem('ca.pem') });
          if (compression === 'snappy') opts.snappy = true;
          if (compression === 'deflate') Object.assign(opts, { deflate: true, deflateLevel: 3 });
          const t = freshTopic(`${transport}${compression}`);
          const w = await writer(b.port, opts);
          const r = reader(b.port, t, 'ch', opts);
          const batch = Array.from({ length: 50 }, (_, i) => `m${i}-${'x'.repeat(i * 40)}`);
          const done = collect(r, 51);
          r.connect();
          await publish(w, t, 'single');
          await publish(w, t, batch);
          assert.deepEqual((await done).sort(), ['single', ...batch].sort());

          const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${t}`);
          const stats = (await res.json()) as Stats;
          const consumer = stats.topics[0]!.channels[0]!.clients[0]!;
          const producer = stats.producers.find((p) => p.user_agent.startsWith('nsqjs'))!;
          for (const c of [consumer, producer]) {
            assert.equal(c.tls, transport === 'tls');
            assert.equal(c.snappy, compression === 'snappy');
            assert.equal(c.deflate, compression === 'deflate');
            if (transport === 'tls') {
              assert.equal(c.tls_version, 'TLS1.3');
              assert.match(c.tls_cipher_suite, /^(TLS_|Unknown \d+$)/);
              assert.equal(c.tls_negotiated_protocol_is_mutual, true);
            } else {
              assert.equal(c.tls_version, '');
            }
          }
          r.close();
          w.close();
          await sleep(20);
        });
      }
    }
  });
}
