/**
 * The matrix's rows for the negotiated transports (issue 12): TLS, snappy and deflate, each with
 * PUB (bench_writer's MPUB×200, 1 in flight, 2 connections) and SUB (bench_reader's RDY 2500 drain
 * of a backlog published plainly) at 200 B and 2 KB. Both servers get the fixture certificate
 * (test/fixtures/tls), and nsq-bench upgrades every connection it opens, as go-nsq would; the target
 * is at least the --compare server's throughput.
 */

import { fileURLToPath } from 'node:url';
import type { WireFeatures } from './nsq-bench/upgrade.js';
import { fillThenDrain, publish, type Scenario } from './scenario-kit.js';

/** from dist/bench/ or bench/ (tsx): the source tree's fixture certificates */
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/tls/', import.meta.url));
/** no HTTPS listener: its default port (4152) would collide between servers */
const TLS_ARGS = [`--tls-cert=${FIXTURES}server.pem`, `--tls-key=${FIXTURES}server.key`, '--https-address='];

const KINDS: [string, WireFeatures][] = [
  ['tls', { tls: true, snappy: false, deflate: false, deflateLevel: 6 }],
  ['snappy', { tls: false, snappy: true, deflate: false, deflateLevel: 6 }],
  ['deflate', { tls: false, snappy: false, deflate: true, deflateLevel: 6 }],
];

const SIZES: [string, number][] = [
  ['200 B', 200],
  ['2 KB', 2048],
];

function rows(): Scenario[] {
  const out: Scenario[] = [];
  for (const [kind, features] of KINDS) {
    for (const [sizeName, size] of SIZES) {
      const tag = `${kind}-${size === 200 ? '200' : '2k'}`;
      out.push({
        id: `pub-${tag}`,
        label: `${kind}: PUB MPUB×200 of ${sizeName}, 1 in flight, 2 conns`,
        unit: 'msgs/s',
        target: null,
        ratioTarget: 1,
        bothArgs: TLS_ARGS,
        run: publish({ batch: 200, inFlight: 1, conns: 2, size, features }),
      });
      out.push({
        id: `sub-${tag}`,
        label: `${kind}: SUB drain of ${sizeName}, RDY 2500, 2 conns`,
        unit: 'msgs/s',
        target: null,
        ratioTarget: 1,
        bothArgs: TLS_ARGS,
        run: fillThenDrain(2, (cfg) => cfg.seconds * 1000 * 3, false, size, features),
      });
    }
  }
  return out;
}

export const TRANSPORT_ROWS: readonly Scenario[] = rows();
