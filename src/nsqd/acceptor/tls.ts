/**
 * nsqd's TLS on the io thread: the server context built once from the --tls-* options (Go's
 * buildTLSConfig: cert and key, client-auth policy, root CA, minimum version), the upgrade of a
 * client's plain socket after IDENTIFY (a never-listening node:tls Server does the handshake, so
 * Node's own client-certificate verification and handshake deadline apply), and the facts /stats
 * and AUTH read off an upgraded socket, named as Go names them. Owns the context; never a socket's
 * bytes.
 */

import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import {
  createServer,
  DEFAULT_CIPHERS,
  type SecureVersion,
  type Server,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import { goPathError } from '../../go/errors.js';
import type { Options } from '../options/options.js';

/** Go's 5 s deadline on the server-side handshake (clientV2.UpgradeTLS) */
const HANDSHAKE_TIMEOUT_MS = 5000;

/** what /stats shows of a connection's TLS, and the client certificate's subject CN for AUTH */
export interface TlsFacts {
  /** `TLS1.2`, `TLS1.3`, ... (Go's prettyConnectionState.GetVersion) */
  version: string;
  /** the Go constant name of the suite, or `Unknown <id>` for suites Go's list leaves out */
  cipherSuite: string;
  /** the ALPN protocol ('' when none) */
  negotiatedProtocol: string;
  /** always true since Go 1.16 */
  negotiatedProtocolIsMutual: boolean;
  /** the client certificate's subject common name ('' without a certificate) */
  commonName: string;
}

const MIN_VERSION: Record<number, SecureVersion> = {
  769: 'TLSv1',
  770: 'TLSv1.1',
  771: 'TLSv1.2',
  772: 'TLSv1.3',
};

const SERVER_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  DEFAULT_CIPHERS,
].join(':');

/** the suites nsqd's GetCipherSuite names; any other prints as `Unknown <IANA id>` */
const GO_NAMED_SUITES = new Set([
  'TLS_RSA_WITH_RC4_128_SHA',
  'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
]);

/** IANA ids of the suites OpenSSL negotiates that Go's list leaves out */
const SUITE_IDS: Record<string, number> = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_RSA_WITH_AES_128_GCM_SHA256: 0x009c,
  TLS_RSA_WITH_AES_256_GCM_SHA384: 0x009d,
  TLS_RSA_WITH_AES_128_CBC_SHA256: 0x003c,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 0xc023,
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 0xc027,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
};

export function goCipherSuiteName(standardName: string): string {
  if (GO_NAMED_SUITES.has(standardName)) return standardName;
  const id = SUITE_IDS[standardName];
  return id === undefined ? standardName : `Unknown ${id}`;
}

export function goTlsVersionName(protocol: string | null): string {
  switch (protocol) {
    case 'TLSv1':
      return 'TLS1.0';
    case 'TLSv1.1':
      return 'TLS1.1';
    case 'TLSv1.2':
      return 'TLS1.2';
    case 'TLSv1.3':
      return 'TLS1.3';
    default:
      return `Unknown ${protocol ?? ''}`;
  }
}

export function tlsFactsOf(t: TLSSocket): TlsFacts {
  const cipher = t.getCipher();
  const peer = t.getPeerCertificate();
  const cn = peer?.subject?.CN as string | string[] | undefined;
  return {
    version: goTlsVersionName(t.getProtocol()),
    cipherSuite: goCipherSuiteName(cipher?.standardName ?? cipher?.name ?? ''),
    negotiatedProtocol: typeof t.alpnProtocol === 'string' ? t.alpnProtocol : '',
    negotiatedProtocolIsMutual: true,
    commonName: Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? ''),
  };
}

type Done = (err: Error | null, socket: TLSSocket | null) => void;

/** the plain socket a server-side TLSSocket wraps (node:tls keeps it as `_parent`) */
function parentOf(t: TLSSocket): Socket | undefined {
  return (t as unknown as { _parent?: Socket })._parent;
}

/** Go's buildTLSConfig as node:tls options; null without cert and key. Throws Go's texts. */
export function buildTlsOptions(o: Options): TlsOptions | null {
  if (o.tlsCert === '' && o.tlsKey === '') return null;
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(goPathError('open', path, err));
    }
  };
  const opts: TlsOptions = {
    cert: read(o.tlsCert),
    key: read(o.tlsKey),
    minVersion: MIN_VERSION[o.tlsMinVersion] ?? 'TLSv1',
    // require: any certificate (Go's RequireAnyClientCert); require-verify: one the root CA signed
    requestCert: o.tlsClientAuthPolicy === 'require' || o.tlsClientAuthPolicy === 'require-verify',
    rejectUnauthorized: o.tlsClientAuthPolicy === 'require-verify',
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    // AES-128-GCM first, as Go's server picks it: faster than OpenSSL's AES-256 default, and
    // /stats then names the suite as Go nsqd would (TLS 1.3: Unknown 4865)
    ciphers: SERVER_CIPHERS,
    honorCipherOrder: true,
  };
  if (o.tlsRootCaFile !== '') {
    const ca = read(o.tlsRootCaFile);
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error('failed to append certificate to pool');
    }
    opts.ca = ca;
  }
  return opts;
}

/** the upgrader every connection of one broker shares */
export class TlsUpgrader {
  readonly options: TlsOptions;
  private readonly server: Server;
  private readonly requireCert: boolean;
  private readonly waiting = new WeakMap<Socket, Done>();

  constructor(options: TlsOptions, requireCert: boolean) {
    this.options = options;
    this.requireCert = requireCert;
    this.server = createServer(options);
    this.server.on('secureConnection', (t: TLSSocket) => this.settle(t, null));
    this.server.on('tlsClientError', (err: Error, t: TLSSocket) => this.settle(t, err));
  }

  /** built from the options (throws `failed to build TLS config - ...`), or null without a cert */
  static fromOptions(o: Options): TlsUpgrader | null {
    try {
      const opts = buildTlsOptions(o);
      // the server's secure context reads the certificate and key now: a bad pair fails here
      return opts === null ? null : new TlsUpgrader(opts, o.tlsClientAuthPolicy === 'require');
    } catch (err) {
      throw new Error(`failed to build TLS config - ${(err as Error).message}`);
    }
  }

  /**
   * Runs the server side of a handshake on `raw` (paused, our listeners removed; `early` holds
   * bytes read past IDENTIFY, the client's first TLS records if it did not wait). `done` gets the
   * secure socket, or the error (handshake failure, timeout, a missing client certificate).
   */
  upgrade(raw: Socket, early: readonly Buffer[], done: Done): void {
    this.waiting.set(raw, done);
    for (let i = early.length - 1; i >= 0; i--) raw.unshift(early[i]!);
    this.server.emit('connection', raw);
  }

  private settle(t: TLSSocket, err: Error | null): void {
    const raw = parentOf(t);
    const done = raw === undefined ? undefined : this.waiting.get(raw);
    if (raw === undefined || done === undefined) {
      t.destroy();
      return;
    }
    this.waiting.delete(raw);
    if (err !== null) {
      t.destroy();
      // a certificate Node refused reads better than the hang-up that follows it
      const why = t.authorizationError;
      done(why ? new Error(`tls: failed to verify certificate: ${String(why)}`) : err, null);
      return;
    }
    if (this.requireCert && this.requireCert && Object.keys(t.getPeerCertificate()).length === 0) {
      t.destroy();
      done(new Error("tls: client didn't provide a certificate"), null);
      return;
    }
    done(null, t);
  }
}
