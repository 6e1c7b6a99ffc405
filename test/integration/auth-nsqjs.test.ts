/**
 * nsqjs with `authSecret` through our AUTH and a real auth server in the test process: publishing
 * and consuming are allowed where the grant says, and a Reader refused by the grant never gets a
 * message — in the default sharded mode and with --workers=0.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import { grant, TestAuthServer } from '../helpers/auth-server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { publish, pubMpubRoundTrip, reader, writer } from '../helpers/nsqjs.js';
import { freshTopic } from '../helpers/wire.js';

for (const workers of [defaultOptions().workers, 0]) {
  describe(`nsqjs through AUTH (--workers=${workers})`, () => {
    let srv: TestAuthServer;
    let b: TestBroker;
    before(async () => {
      srv = await TestAuthServer.start();
      srv.reply = (req) =>
        req.values.secret === 'producer'
          ? grant([{ topic: '^js-', channels: ['.*'], permissions: ['publish'] }], 3600, 'producer')
          : grant([{ topic: '^js-', channels: ['^ok$'], permissions: ['subscribe'] }], 3600, 'consumer');
      b = await startBroker({ workers, authHttpAddresses: [srv.address] });
    });
    after(async () => {
      await b.close();
      await srv.close();
    });

    it('publishes and consumes with authSecret; the identity reaches the client', async () => {
      await pubMpubRoundTrip(
        b.port,
        freshTopic('js'),
        'ok',
        { authSecret: 'producer' },
        { authSecret: 'consumer' },
      );
      assert.ok(srv.requests.some((q) => q.values.secret === 'producer' && q.values.tls === 'false'));
    });

    it('a publish outside the grant fails in the client; a reader outside it gets nothing', async () => {
      const w = await writer(b.port, { authSecret: 'producer' });
      await assert.rejects(publish(w, 'other', 'x'), /E_UNAUTHORIZED/);
      w.close();
      const t = freshTopic('js');
      const r = reader(b.port, t, 'denied', { authSecret: 'consumer' });
      const errors: string[] = [];
      r.on('error', (err: Error) => errors.push(err.message));
      let messages = 0;
      r.on('message', () => messages++);
      r.connect();
      const w2 = await writer(b.port, { authSecret: 'producer' });
      await publish(w2, t, 'hidden');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(messages, 0);
      assert.ok(
        errors.some((e) => e.includes('E_UNAUTHORIZED')),
        errors.join('; '),
      );
      r.close();
      w2.close();
    });
  });
}
