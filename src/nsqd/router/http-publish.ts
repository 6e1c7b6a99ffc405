/**
 * HTTP publishing (/pub, /mpub) on the io thread: the same link into the topic's shard as a TCP
 * PUB/MPUB/DPUB, answered the same way. Each request is a short-lived ShardPeer in the table that
 * resolves when its shard says OK (or refuses). Owns nothing beyond one request.
 */

import type { ShardPeer, ConnectionTable } from '../acceptor/table.js';
import type { ApiResult } from '../http/api.js';
import { DPUB, MPUB, PUB, type PubKind } from '../queue/shard-core.js';
import { type ShardLink, shardIndexOf } from './link.js';

const EXITING: ApiResult = { status: 503, message: 'EXITING' };
/** how long a publish may wait for room in a full ring before it is refused */
const RING_WAIT_MS = 5000;

export function publishViaShards(
  table: ConnectionTable,
  links: readonly ShardLink[],
  topic: string,
  bodies: readonly Buffer[],
  deferMs: number,
): Promise<ApiResult> {
  if (bodies.length === 0) return Promise.resolve(null);
  const k = shardIndexOf(topic, links.length);
  let buf: Buffer;
  let framed = false;
  let kind: PubKind = deferMs > 0 ? DPUB : PUB;
  if (bodies.length === 1) {
    buf = bodies[0]!;
  } else {
    kind = MPUB;
    framed = true;
    const parts: Buffer[] = [];
    for (const b of bodies) {
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32BE(b.length, 0);
      parts.push(len, b);
    }
    buf = Buffer.concat(parts);
  }
  const id = table.newId();
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ApiResult): void => {
      if (done) return;
      done = true;
      table.removePeer(id);
      resolve(r);
    };
    const peer: ShardPeer = {
      onShardOk: () => finish(null),
      onShardError: () => finish(EXITING),
      onShardDeliver: () => {},
      onShardMessage: () => {},
      close: () => finish(EXITING),
      onShardLost: (index) => {
        if (index === k) finish(EXITING);
      },
    };
    table.addPeer(id, peer);
    const deadline = Date.now() + RING_WAIT_MS;
    const attempt = (): void => {
      if (done) return;
      if (links[k]!.publish(id, kind, topic, deferMs, buf, 0, buf.length, bodies.length, framed)) return;
      if (Date.now() > deadline) finish(EXITING);
      else setTimeout(attempt, 1);
    };
    attempt();
  });
}
