/**
 * A shard that crashes is logged and restarted: the connections that depended on it are closed
 * (their clients reconnect), every other shard keeps serving, and the restarted shard serves again.
 */

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { shardIndexOf } from '../../src/nsqd/router/shard-map.js';
import { startBroker } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

it('a crashed shard closes its connections, is restarted, and serves again', async () => {
  const b = await startBroker({ workers: 2 });
  try {
    // one topic on each shard
    let onZero = freshTopic('crash');
    while (shardIndexOf(onZero, 2) !== 0) onZero = freshTopic('crash');
    let onOne = freshTopic('crash');
    while (shardIndexOf(onOne, 2) !== 1) onOne = freshTopic('crash');
    const victim = await subscriber(b.port, onZero, 'c', 1);
    const bystander = await subscriber(b.port, onOne, 'c', 1);

    b.broker.crashShard(0);
    await victim.waitClosed(5000);
    await sleep(100);
    assert.equal(bystander.closed, false, 'a connection on the other shard is untouched');

    const p = await WireClient.connect(b.port);
    p.pub(onOne, 'still');
    assert.equal(await p.response(), 'OK');
    assert.equal((await bystander.message()).body.toString(), 'still');

    // the restarted shard takes new subscribers and messages
    const again = await subscriber(b.port, onZero, 'c', 1);
    p.pub(onZero, 'back');
    assert.equal(await p.response(), 'OK');
    assert.equal((await again.message()).body.toString(), 'back');
    p.close();
    again.close();
    bystander.close();
  } finally {
    await b.close();
  }
});
