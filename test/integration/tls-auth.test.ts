/**
 * AUTH over TLS: nsqjs from npm upgrades to TLS with a client certificate (require-verify against
 * the fixture CA), sends AUTH inside TLS (and snappy), and the auth server is told `tls=true` and
 * the certificate's subject CN, as nsqd's QueryAuthd does; without a client-certificate policy
 * no certificate is asked for and common_name is empty.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestAuthServer } from '../helpers/auth-server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { publish, writer } from '../helpers/nsqjs.js';
import { fixture, pem, tlsOptions } from '../helpers/tls.js';
import { freshTopic } from '../helpers/wire.js';

describe('AUTH over TLS', () => {
  let srv: TestAuthServer;
  before(async () => {
    srv = await TestAuthServer.start();
  });
  after(() => srv.close());

  for (const [policy, cn] of [
    ['require-verify', 'nsq-test-client'],
    ['', ''],
  ] as const) {
    it(`--tls-client-auth-policy=${policy || '(none)'}: the auth server hears tls=true, common_name=${cn || '""'}`, async () => {
      const b: TestBroker = await startBroker({
        workers: 0,
        authHttpAddresses: [srv.address],
        ...tlsOptions({ tlsClientAuthPolicy: policy, tlsRootCaFile: fixture('ca.pem') }),
      });
      try {
        const from = srv.requests.length;
        const w = await writer(b.port, {
          tls: true,
          ca: pem('ca.pem'),
          cert: pem('client.pem'),
          key: pem('client.key'),
          snappy: true,
          authSecret: 's3cret',
        });
        await publish(w, freshTopic('tlsauth'), 'over tls');
        const seen = srv.requests.slice(from);
        assert.equal(seen.length, 1);
        assert.equal(seen[0]!.values.tls, 'true');
        assert.equal(seen[0]!.values.common_name, cn);
        assert.equal(seen[0]!.values.secret, 's3cret');
        w.close();
      } finally {
        await b.close();
      }
    });
  }
});
