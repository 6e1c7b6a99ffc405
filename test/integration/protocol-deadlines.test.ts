/**
 * What only the io thread times, over real TCP, once (no shard takes part, so no shard matrix): the
 * magic deadline (nsqd's ClientTimeout), heartbeats at the default and at an IDENTIFYed interval,
 * the read deadline of two intervals (with nsqd's "failed to read" error mid-body), heartbeats off,
 * and the 16 KiB command line. The broker runs the short client clocks nsqd's tests use.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SHORT_CLIENT_CLOCKS, startBroker, type TestBroker } from '../helpers/broker.js';
import { sleep, WireClient } from '../helpers/wire.js';

const { clientTimeout, heartbeatInterval } = SHORT_CLIENT_CLOCKS;
/** a timer never fires early, but Date.now() may tick a millisecond behind it */
const SLACK_MS = 5;

describe('io-thread deadlines and heartbeats (--workers=0)', () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker({ workers: 0, ...SHORT_CLIENT_CLOCKS });
  });
  after(() => b.close());

  it('a client that sends no magic is closed silently at the client timeout', async () => {
    for (const partial of ['', '  V']) {
      const start = Date.now();
      const c = await WireClient.connect(b.port, { magic: false });
      if (partial !== '') c.write(partial);
      await c.waitClosed(clientTimeout + 3000);
      const waited = Date.now() - start;
      assert.ok(waited >= clientTimeout - SLACK_MS, `closed after ${waited} ms, not before the timeout`);
      assert.equal(c.queued, 0, JSON.stringify(partial));
      assert.equal(c.heartbeats, 0, 'no heartbeat before the magic');
    }
  });

  it('without IDENTIFY, heartbeats come at the default interval; a silent client is dropped after two', async () => {
    const c = await WireClient.connect(b.port);
    await sleep(heartbeatInterval * 3.5);
    assert.ok(c.heartbeats >= 2, `heartbeats every ${heartbeatInterval} ms (got ${c.heartbeats})`);
    assert.equal(c.closed, false, 'answered with NOP: still open');
    c.autoNop = false;
    const stopped = Date.now();
    await c.waitClosed(heartbeatInterval * 2 + 3000);
    const waited = Date.now() - stopped;
    // the last NOP went out at most one interval before we stopped answering
    assert.ok(waited >= heartbeatInterval - SLACK_MS, `dropped ${waited} ms after the last answer`);
    assert.equal(c.queued, 0);
  });

  it('heartbeats flow and a client that stops answering is dropped after two intervals', async () => {
    const c = await WireClient.connect(b.port);
    c.identify({ heartbeat_interval: 1000 });
    assert.equal(await c.response(), 'OK');
    await sleep(600);
    assert.equal(c.heartbeats, 0, `the IDENTIFYed interval replaces the ${heartbeatInterval} ms default`);
    await sleep(700);
    assert.ok(c.heartbeats >= 1, 'got a heartbeat');
    assert.equal(c.closed, false, 'answered with NOP: still open');
    c.autoNop = false;
    await c.waitClosed(4000);
  });

  it('heartbeat_interval -1 turns heartbeats and the read deadline off', async () => {
    const c = await WireClient.connect(b.port);
    c.identify({ heartbeat_interval: -1 });
    assert.equal(await c.response(), 'OK');
    c.autoNop = false;
    await sleep(heartbeatInterval * 3);
    assert.equal(c.heartbeats, 0);
    assert.equal(c.closed, false, 'idle past two default intervals, still open');
    c.cmd('NOP');
    c.pub('t', 'x');
    assert.equal(await c.response(), 'OK');
    c.close();
  });

  it('a client idle mid-body gets nsqd\'s "failed to read" error at the read deadline', async () => {
    const c = await WireClient.connect(b.port);
    c.identify({});
    assert.equal(await c.response(), 'OK');
    c.autoNop = false;
    const start = Date.now();
    c.write(Buffer.concat([Buffer.from('PUB t\n'), Buffer.from([0, 0, 0, 10]), Buffer.from('abc')]));
    assert.equal(await c.error(4000), 'E_BAD_MESSAGE PUB failed to read message body');
    const waited = Date.now() - start;
    assert.ok(waited >= 2 * heartbeatInterval - SLACK_MS, `after two intervals (${waited} ms)`);
    await c.waitClosed();
  });

  it('a command line past 16 KiB gets E_INVALID before the close', async () => {
    const c = await WireClient.connect(b.port);
    c.write(Buffer.alloc(17 * 1024, 0x41));
    assert.match(await c.error(), /^E_INVALID /);
    await c.waitClosed();
  });
});
