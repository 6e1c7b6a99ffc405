/**
 * TLS as nsqd does it, over real sockets with the fixture certificates: the upgrade byte sequence
 * (IDENTIFY's JSON in plain text, then `OK` as the first frame inside TLS), client certificates
 * under require and require-verify (accepted and refused), TLS 1.2 and 1.3 as /stats names them,
 * --tls-min-version, and --tls-required on TCP, plain HTTP (403 TLS_REQUIRED) and HTTPS.
 */

import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { loadUws } from '../../src/http/server.js';
import { encodeCommand, FRAME_ERROR, FRAME_RESPONSE } from '../../src/wire/encode.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { ByteQueue, fixture, pem, tlsOptions } from '../helpers/tls.js';
import { freshTopic, MAGIC } from '../helpers/wire.js';

const OK_BYTES = Buffer.from([0, 0, 0, 6, 0, 0, 0, 0, 0x4f, 0x4b]);

/** a plain connection that sent the magic and IDENTIFY `body` */
function identify(
  port: number,
  body: Record<string, unknown>,
): Promise<{ socket: Socket; plain: ByteQueue }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([MAGIC, encodeCommand('IDENTIFY', Buffer.from(JSON.stringify(body)))]));
      resolve({ socket, plain });
    });
    const plain = new ByteQueue();
    socket.on('data', (c: Buffer) => plain.push(c));
    socket.on('close', () => plain.end());
    socket.once('error', reject);
  });
}

/** the client side of the handshake on `socket`; resolves the secure socket or the error */
function startTls(socket: Socket, opts: ConnectionOptions = {}): Promise<{ t: TLSSocket; q: ByteQueue }> {
  return new Promise((resolve, reject) => {
    socket.removeAllListeners('data');
    const q = new ByteQueue();
    const t = tlsConnect({ socket, ca: pem('ca.pem'), servername: 'localhost', ...opts }, () =>
      resolve({ t, q }),
    );
    t.on('data', (c: Buffer) => q.push(c));
    t.on('close', () => q.end());
    t.once('error', reject);
  });
}

/** IDENTIFY with tls_v1, the JSON, then the handshake and the first frame inside TLS */
async function tlsClient(
  port: number,
  opts: ConnectionOptions = {},
): Promise<{ t: TLSSocket; q: ByteQueue }> {
  const { socket, plain } = await identify(port, { feature_negotiation: true, tls_v1: true });
  const json = await plain.frame();
  assert.equal(JSON.parse(json.data.toString()).tls_v1, true);
  const c = await startTls(socket, opts);
  assert.deepEqual(await c.q.read(10), OK_BYTES);
  return c;
}

async function stats(b: TestBroker, topic: string): Promise<{ producers: Record<string, unknown>[] }> {
  const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${topic}`);
  return (await res.json()) as { producers: Record<string, unknown>[] };
}

describe('the TLS upgrade', () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker({ workers: 0, ...tlsOptions() });
  });
  after(() => b.close());

  it('sends the JSON in plain text, then OK as the first frame inside TLS, then serves commands', async () => {
    const { socket, plain } = await identify(b.port, { feature_negotiation: true, tls_v1: true });
    const json = await plain.frame();
    assert.equal(json.type, FRAME_RESPONSE);
    const reply = JSON.parse(json.data.toString());
    assert.deepEqual([reply.tls_v1, reply.snappy, reply.deflate], [true, false, false]);
    assert.equal(plain.length, 0, 'nothing else in plain text');
    const { t, q } = await startTls(socket);
    assert.deepEqual(await q.read(10), OK_BYTES);
    const topic = freshTopic('tlsraw');
    t.write(encodeCommand(`PUB ${topic}`, Buffer.from('secret')));
    assert.deepEqual(await q.read(10), OK_BYTES);
    const s = await stats(b, topic);
    const p = s.producers[0]!;
    assert.equal(p.tls, true);
    assert.equal(p.tls_version, 'TLS1.3');
    t.destroy();
  });

  it('a ClientHello sent in the same write as IDENTIFY is handed to TLS after the plain JSON', async () => {
    const socket = netConnect(b.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    // the TLS client runs over a duplex that drops the plain JSON frame from what it reads
    const plain = new ByteQueue();
    const inbound = new PassThrough();
    let jsonLeft = -1;
    socket.on('data', (c: Buffer) => {
      let rest = c;
      if (jsonLeft !== 0) {
        if (jsonLeft < 0) jsonLeft = 4 + rest.readUInt32BE(0);
        const n = Math.min(jsonLeft, rest.length);
        plain.push(rest.subarray(0, n));
        jsonLeft -= n;
        rest = rest.subarray(n);
      }
      if (rest.length > 0) inbound.push(rest);
    });
    const outbound = new Writable({
      write(chunk: Buffer, _enc, cb) {
        socket.write(chunk, cb);
      },
    });
    socket.cork();
    socket.write(
      Buffer.concat([
        MAGIC,
        encodeCommand('IDENTIFY', Buffer.from('{"feature_negotiation":true,"tls_v1":true}')),
      ]),
    );
    const duplex = Duplex.from({ readable: inbound, writable: outbound });
    duplex.on('error', () => {});
    const q = new ByteQueue();
    const t = tlsConnect({ socket: duplex, ca: pem('ca.pem'), servername: 'localhost' });
    t.on('data', (c: Buffer) => q.push(c));
    t.on('error', () => {});
    setTimeout(() => socket.uncork(), 20);
    assert.equal(JSON.parse((await plain.frame()).data.toString()).tls_v1, true);
    assert.deepEqual(await q.read(10), OK_BYTES);
    t.write(encodeCommand('PUB early', Buffer.from('x')));
    assert.deepEqual(await q.read(10), OK_BYTES);
    t.destroy();
    socket.destroy();
  });

  it('TLS 1.2 and 1.3 are both offered, and /stats names them as Go does', async () => {
    for (const [maxVersion, name] of [
      ['TLSv1.2', 'TLS1.2'],
      ['TLSv1.3', 'TLS1.3'],
    ] as const) {
      const { t, q } = await tlsClient(b.port, { maxVersion });
      const topic = freshTopic('ver');
      t.write(encodeCommand(`PUB ${topic}`, Buffer.from('x')));
      assert.deepEqual(await q.read(10), OK_BYTES);
      const p = (await stats(b, topic)).producers[0]!;
      assert.equal(p.tls_version, name);
      // AES-128-GCM first, as Go's server: in TLS 1.3 a suite Go's list leaves unnamed
      const want = name === 'TLS1.3' ? 'Unknown 4865' : 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256';
      assert.equal(p.tls_cipher_suite, want);
      t.destroy();
    }
  });

  it('tls_v1 is not offered without --tls-cert: the connection stays plain', async () => {
    const plainBroker = await startBroker({ workers: 0 });
    try {
      const { socket, plain } = await identify(plainBroker.port, { feature_negotiation: true, tls_v1: true });
      assert.equal(JSON.parse((await plain.frame()).data.toString()).tls_v1, false);
      socket.write('NOP\n');
      socket.write(encodeCommand('PUB x', Buffer.from('y')));
      assert.deepEqual(await plain.read(10), OK_BYTES);
      socket.destroy();
    } finally {
      await plainBroker.close();
    }
  });
});

describe('client certificates and --tls-min-version', () => {
  it('require-verify: a certificate the root CA signed is accepted, none or a rogue one is refused', async () => {
    const v = await startBroker({
      workers: 0,
      ...tlsOptions({ tlsClientAuthPolicy: 'require-verify', tlsRootCaFile: fixture('ca.pem') }),
    });
    try {
      const good = await tlsClient(v.port, { cert: pem('client.pem'), key: pem('client.key') });
      good.t.write('NOP\n');
      good.t.destroy();
      for (const opts of [{}, { cert: pem('rogue.pem'), key: pem('rogue.key') }]) {
        const { socket, plain } = await identify(v.port, { feature_negotiation: true, tls_v1: true });
        await plain.frame();
        const refused = await startTls(socket, opts).then(
          async ({ t, q }) => {
            // TLS 1.3 finishes the client side before the server checks the certificate
            t.write('NOP\n');
            return q.closed();
          },
          () => true,
        );
        assert.equal(refused, true);
      }
      assert.ok(
        v.logs.some((l) => /E_IDENTIFY_FAILED IDENTIFY failed/.test(l)),
        v.logs.join(''),
      );
    } finally {
      await v.close();
    }
  });

  it('require: any client certificate is accepted, none is refused', async () => {
    const b = await startBroker({ workers: 0, ...tlsOptions({ tlsClientAuthPolicy: 'require' }) });
    try {
      const rogue = await tlsClient(b.port, { cert: pem('rogue.pem'), key: pem('rogue.key') });
      rogue.t.write(encodeCommand('PUB req', Buffer.from('x')));
      assert.deepEqual(await rogue.q.read(10), OK_BYTES);
      rogue.t.destroy();
      const { socket, plain } = await identify(b.port, { feature_negotiation: true, tls_v1: true });
      await plain.frame();
      const refused = await startTls(socket).then(
        ({ q }) => q.closed(),
        () => true,
      );
      assert.equal(refused, true);
    } finally {
      await b.close();
    }
  });

  it('--tls-min-version=tls1.3 refuses a TLS 1.2 client', async () => {
    const b = await startBroker({ workers: 0, ...tlsOptions({ tlsMinVersion: 0x0304 }) });
    try {
      const { socket, plain } = await identify(b.port, { feature_negotiation: true, tls_v1: true });
      await plain.frame();
      await assert.rejects(startTls(socket, { maxVersion: 'TLSv1.2' }));
      const ok = await tlsClient(b.port, { minVersion: 'TLSv1.3' });
      ok.t.destroy();
    } finally {
      await b.close();
    }
  });
});

function httpsGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, ca: pem('ca.pem'), servername: 'localhost' },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TLS configuration errors', () => {
  it("a certificate and key that do not match fail at start with Go's prefix", async () => {
    await assert.rejects(
      startBroker({ workers: 0, ...tlsOptions({ tlsKey: fixture('client.key') }) }),
      /failed to instantiate nsqd - failed to build TLS config - /,
    );
    await assert.rejects(
      startBroker({ workers: 0, ...tlsOptions({ tlsRootCaFile: fixture('server.key') }) }),
      /failed to build TLS config - failed to append certificate to pool/,
    );
  });
});

describe('--tls-required', () => {
  for (const httpServer of ['node', 'auto'] as const) {
    it(`true: TCP commands before TLS are refused, plain HTTP answers 403, HTTPS serves the API (--http-server=${httpServer})`, async () => {
      const b = await startBroker({ workers: 0, httpServer, ...tlsOptions({ tlsRequired: 'true' }) });
      try {
        for (const cmd of ['NOP', 'PUB t', 'SUB t c', 'FOO']) {
          const { socket, plain } = await new Promise<{ socket: Socket; plain: ByteQueue }>((resolve) => {
            const s = netConnect(b.port, '127.0.0.1', () => {
              s.write(Buffer.concat([MAGIC, Buffer.from(`${cmd}\n`)]));
              resolve({ socket: s, plain: q });
            });
            const q = new ByteQueue();
            s.on('data', (c: Buffer) => q.push(c));
            s.on('close', () => q.end());
          });
          const f = await plain.frame();
          assert.equal(f.type, FRAME_ERROR);
          const name = cmd.split(' ')[0];
          assert.equal(f.data.toString(), `E_INVALID cannot ${name} in current state (TLS required)`);
          assert.equal(await plain.closed(), true);
          socket.destroy();
        }
        const c = await tlsClient(b.port);
        c.t.write(encodeCommand('PUB req', Buffer.from('x')));
        assert.deepEqual(await c.q.read(10), OK_BYTES);
        c.t.destroy();

        const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/ping`);
        assert.equal(res.status, 403);
        assert.equal(res.headers.get('x-nsq-content-type'), 'nsq; version=1.0');
        const httpsPort = b.broker.httpsPort;
        assert.ok(httpsPort > 0);
        assert.equal(await res.text(), `{"message": "TLS_REQUIRED", "https_port": ${httpsPort}}`);
        assert.deepEqual(await httpsGet(httpsPort, '/ping'), { status: 200, body: 'OK' });
        const uws = loadUws().mod !== null && httpServer === 'auto';
        assert.equal(b.broker.httpsServerKind, uws ? 'uws' : 'node', 'SSLApp where the native build loads');
        const info = await httpsGet(httpsPort, '/info');
        assert.equal(JSON.parse(info.body).version, '1.3.0');
      } finally {
        await b.close();
      }
    });
  }

  it('tcp-https: TCP still requires TLS, plain HTTP serves the API', async () => {
    const b = await startBroker({ workers: 0, ...tlsOptions({ tlsRequired: 'tcp-https' }) });
    try {
      const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/ping`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'OK');
      const { socket, plain } = await identify(b.port, {});
      assert.deepEqual(await plain.read(10), OK_BYTES, 'IDENTIFY is allowed');
      socket.write('NOP\n');
      const f = await plain.frame();
      assert.equal(f.data.toString(), 'E_INVALID cannot NOP in current state (TLS required)');
      socket.destroy();
    } finally {
      await b.close();
    }
  });
});
