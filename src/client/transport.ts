/**
 * The byte pipe under a client connection: dialing (dial_timeout, local_addr), then the upgrades
 * IDENTIFY agreed to, in go-nsq's order: TLS (`tls_v1`, a node:tls client over the same socket,
 * go-nsq's tls.Config from the tls_* options), then deflate or snappy (the StreamCodec nsqd's
 * acceptor uses, src/net/stream-codec.ts). Owns the socket (plain, then the TLSSocket), the codec
 * and the read deadline; reports plaintext, end, errors (with Go's texts) and close to its owner,
 * Conn. Nothing above this file touches `node:net` or `node:tls`.
 */

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { type ConnectionOptions, type SecureVersion, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { goDialError, goNetIoText, goPathError } from '../go/errors.js';
import { type CodecHost, DeflateCodec, SnappyCodec, type StreamCodec } from '../net/stream-codec.js';
import { snappyBlockCodec } from '../wire/snappy-block.js';
import type { Config } from './config.js';

/** `host:port` (IPv6 in brackets) split as Go's net.SplitHostPort; throws Go's texts */
export function splitHostPort(addr: string): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    if (end < 0) throw new Error(`address ${addr}: missing ']' in address`);
    host = addr.slice(1, end);
    if (addr[end + 1] !== ':') throw new Error(`address ${addr}: missing port in address`);
    portText = addr.slice(end + 2);
  } else {
    const i = addr.lastIndexOf(':');
    if (i < 0) throw new Error(`address ${addr}: missing port in address`);
    host = addr.slice(0, i);
    if (host.includes(':')) throw new Error(`address ${addr}: too many colons in address`);
    portText = addr.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`dial tcp: address ${addr}: invalid port`);
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/** the socket, connected; rejects with Go's dial error text after dial_timeout */
export function dialTcp(addr: string, cfg: Config): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let hp: { host: string; port: number };
    try {
      hp = splitHostPort(addr);
    } catch (err) {
      reject(err);
      return;
    }
    const opts: net.NetConnectOpts = { host: hp.host, port: hp.port, noDelay: true };
    if (cfg.localAddr !== '') opts.localAddress = cfg.localAddr.replace(/:\d+$/, '');
    const socket = net.connect(opts);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(goDialError(addr, null, true)));
    }, cfg.dialTimeout);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(goDialError(addr, err)));
    });
  });
}

/** the features nsqd's IDENTIFY response turned on that change the byte pipe */
export interface NegotiatedFeatures {
  tls_v1?: boolean;
  snappy?: boolean;
  deflate?: boolean;
  deflate_level?: number;
}

/** go-nsq's tls_min_version values as node:tls versions (Node has no SSL 3.0: its floor is TLS 1.0) */
const MIN_VERSIONS: Record<string, SecureVersion> = {
  'ssl3.0': 'TLSv1',
  'tls1.0': 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
};

/** any tls_* option beyond tls_v1 is set: go-nsq then builds its own tls.Config (TLS 1.0 to 1.2) */
function tlsConfigured(cfg: Config): boolean {
  return (
    cfg.tlsRootCaFile !== '' ||
    cfg.tlsInsecureSkipVerify ||
    cfg.tlsCert !== '' ||
    cfg.tlsKey !== '' ||
    cfg.tlsMinVersion !== ''
  );
}

function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(goPathError('open', path, err));
  }
}

/**
 * node:tls client options as go-nsq's upgradeTLS builds its tls.Config: ServerName is the dialed
 * host (an IP address is checked against the certificate's IP SANs and sent without SNI); with any
 * tls_* option set, TLS 1.0 (or tls_min_version) to 1.2, the root CA file as the only trusted CA,
 * the client certificate, and verification off for tls_insecure_skip_verify.
 */
export function tlsClientOptions(cfg: Config, address: string): ConnectionOptions {
  const { host } = splitHostPort(address);
  const opts: ConnectionOptions = net.isIP(host) === 0 ? { servername: host, host } : { host };
  if (!tlsConfigured(cfg)) return opts;
  opts.minVersion = MIN_VERSIONS[cfg.tlsMinVersion] ?? 'TLSv1';
  opts.maxVersion = 'TLSv1.2';
  if (cfg.tlsRootCaFile !== '') opts.ca = readPem(cfg.tlsRootCaFile);
  if (cfg.tlsCert !== '' && cfg.tlsKey !== '') {
    opts.cert = readPem(cfg.tlsCert);
    opts.key = readPem(cfg.tlsKey);
  }
  opts.rejectUnauthorized = !cfg.tlsInsecureSkipVerify;
  return opts;
}

/** OpenSSL's verification failures that Go's crypto/x509 calls an unknown authority */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** a handshake error as Go's tls client words the common ones; any other keeps Node's text */
function goTlsVerifyText(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (UNKNOWN_AUTHORITY.has(code)) {
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `tls: failed to verify certificate: x509: ${err.message}`;
  return err.message;
}

/** what the pipe reports to the connection above it */
export interface PipeOwner {
  /** plaintext from nsqd (after TLS and decompression) */
  onPlain(buf: Buffer): void;
  /** the socket failed, timed out, ended (`EOF`), or the compressed stream broke; Go's texts */
  onPipeError(err: Error): void;
  /** the socket is closed; called once */
  onPipeClose(): void;
}

export class ClientTransport implements CodecHost {
  private socket: net.Socket | TLSSocket;
  private codec: StreamCodec | null = null;
  private readonly owner: PipeOwner;
  private readonly address: string;
  private readonly readTimeout: number;
  private closeReported = false;
  private readonly onData = (chunk: Buffer): void => {
    if (this.codec !== null) this.codec.push(chunk);
    else this.owner.onPlain(chunk);
  };
  private readonly onEnd = (): void => {
    if (this.codec !== null) this.codec.end();
    else this.owner.onPipeError(new Error('EOF'));
  };
  private readonly onTimeout = (): void => {
    this.owner.onPipeError(new Error(`read tcp ${this.address}: i/o timeout`));
  };
  private readonly onError = (err: Error): void => {
    this.owner.onPipeError(new Error(goNetIoText('read', err)));
  };
  private readonly onClose = (): void => {
    if (this.closeReported) return;
    this.closeReported = true;
    this.codec?.close();
    this.owner.onPipeClose();
  };

  constructor(socket: net.Socket, address: string, readTimeout: number, owner: PipeOwner) {
    this.socket = socket;
    this.address = address;
    this.readTimeout = readTimeout;
    this.owner = owner;
    this.listen(socket);
  }

  private listen(s: net.Socket): void {
    s.setTimeout(this.readTimeout);
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('timeout', this.onTimeout);
    s.on('error', this.onError);
    s.on('close', this.onClose);
  }

  private unlisten(s: net.Socket): void {
    s.setTimeout(0);
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('timeout', this.onTimeout);
    s.off('error', this.onError);
    s.off('close', this.onClose);
  }

  /** plaintext commands out (through the codec, if any) */
  write(buf: Uint8Array): void {
    if (this.codec !== null) this.codec.write(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
    else this.socket.write(buf);
  }

  /** output accepted and not yet sent */
  get writableLength(): number {
    return this.socket.writableLength + (this.codec?.pendingOutput ?? 0);
  }

  /**
   * The client side of the TLS handshake over the same socket (go-nsq's upgradeTLS). `early`
   * holds bytes read past the IDENTIFY response (none from a well-behaved nsqd): they are TLS.
   * Rejects with the handshake's error; the read deadline covers the handshake.
   */
  secure(opts: ConnectionOptions, early: Buffer | null): Promise<void> {
    const raw = this.socket;
    this.unlisten(raw);
    if (early !== null && early.length > 0) raw.unshift(early);
    return new Promise((resolve, reject) => {
      const t = tlsConnect({ ...opts, socket: raw });
      this.socket = t;
      const fail = (err: Error): void => {
        t.off('secureConnect', ok);
        reject(new Error(goTlsVerifyText(err)));
      };
      const ok = (): void => {
        t.off('error', fail);
        resolve();
      };
      t.once('secureConnect', ok);
      t.once('error', fail);
      this.listen(t);
    });
  }

  /** compression on (go-nsq's upgradeDeflate / upgradeSnappy); `early` is compressed input already read */
  async compress(kind: 'snappy' | 'deflate', level: number, early: Buffer | null): Promise<void> {
    this.codec =
      kind === 'snappy' ? new SnappyCodec(await snappyBlockCodec(), this) : new DeflateCodec(level, this);
    if (early !== null && early.length > 0) this.codec.push(early);
  }

  /** half-closes once everything written so far went out (deflate's output is asynchronous) */
  end(): void {
    const s = this.socket;
    if (this.codec === null) s.end();
    else this.codec.afterOutput(() => s.end());
  }

  destroy(): void {
    this.socket.destroy();
  }

  // ---- CodecHost ----
  onPlain(buf: Buffer): void {
    this.owner.onPlain(buf);
  }

  onEncoded(buf: Buffer): void {
    this.socket.write(buf);
  }

  onPlainEnd(): void {
    this.owner.onPipeError(new Error('EOF'));
  }

  onCodecError(text: string): void {
    this.owner.onPipeError(new Error(text));
  }

  holdInput(hold: boolean): void {
    if (hold) this.socket.pause();
    else this.socket.resume();
  }

  outputDrained(): void {}
}
