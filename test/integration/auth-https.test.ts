/**
 * AUTH against an https auth server (test/fixtures/auth-tls: a CA and a certificate for
 * 127.0.0.1): trusted through --tls-root-ca-file, refused without it (Go's x509 text in the log),
 * and reached through a plain-http server's 403 naming its https_port, as nsqd's http_api client does.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FRAME_ERROR } from '../../src/wire/encode.js';
import { startBroker } from '../helpers/broker.js';
import { WireClient } from '../helpers/wire.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/fixtures/auth-tls',
);
const GRANT = JSON.stringify({
  ttl: 60,
  identity: 'tls-user',
  authorizations: [{ topic: '.*', channels: ['.*'], permissions: ['publish'] }],
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function auth(port: number): Promise<{ frame: string; error: boolean }> {
  const c = await WireClient.connect(port);
  c.cmd('AUTH', 'sec');
  const f = await c.frame();
  const frame = f.data.toString();
  c.close();
  return { frame, error: f.type === FRAME_ERROR };
}

describe('AUTH against an https auth server', () => {
  const seen: string[] = [];
  const secure = createHttpsServer(
    {
      key: readFileSync(path.join(FIXTURES, 'server.key')),
      cert: readFileSync(path.join(FIXTURES, 'server.pem')),
    },
    (req, res) => {
      seen.push(`https ${req.url}`);
      res.end(GRANT);
    },
  );
  let httpsPort = 0;
  const plain = createHttpServer((req, res) => {
    seen.push(`http ${req.url}`);
    res.writeHead(403);
    res.end(JSON.stringify({ message: 'TLS_REQUIRED', https_port: httpsPort }));
  });
  let plainPort = 0;
  before(async () => {
    httpsPort = await listen(secure);
    plainPort = await listen(plain);
  });
  after(() => {
    secure.close();
    plain.close();
  });

  it('is trusted through --tls-root-ca-file', async () => {
    const b = await startBroker({
      authHttpAddresses: [`https://127.0.0.1:${httpsPort}/auth`],
      tlsRootCaFile: path.join(FIXTURES, 'ca.pem'),
    });
    try {
      assert.deepEqual(await auth(b.port), {
        frame: '{"identity":"tls-user","identity_url":"","permission_count":1}',
        error: false,
      });
    } finally {
      await b.close();
    }
  });

  it('is refused without the root CA: E_AUTH_FAILED, the x509 reason in the log', async () => {
    const b = await startBroker({
      authHttpAddresses: [`https://127.0.0.1:${httpsPort}/auth`],
      logLevel: 'warn',
    });
    try {
      assert.deepEqual(await auth(b.port), { frame: 'E_AUTH_FAILED AUTH failed', error: true });
      const line = await b.waitForLog(/AUTH failed/);
      assert.ok(line.trimEnd().endsWith(': x509: certificate signed by unknown authority'), line);
    } finally {
      await b.close();
    }
  });

  it("follows a plain server's 403 to https on the port it names", async () => {
    const b = await startBroker({
      authHttpAddresses: [`127.0.0.1:${plainPort}`],
      tlsRootCaFile: path.join(FIXTURES, 'ca.pem'),
    });
    try {
      seen.length = 0;
      assert.equal(
        (await auth(b.port)).frame,
        '{"identity":"tls-user","identity_url":"","permission_count":1}',
      );
      const query = '/auth?common_name=&remote_ip=127.0.0.1&secret=sec&tls=false';
      assert.deepEqual(seen, [`http ${query}`, `https ${query}`]);
    } finally {
      await b.close();
    }
  });
});
