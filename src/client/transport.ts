/**
 * The byte pipe under a connection: dialing (dial_timeout, local_addr) and, after IDENTIFY, the
 * upgrades nsqd agreed to. Today that is plain TCP; TLS (`tls_v1`), snappy and deflate plug in here
 * as `upgrade` steps that wrap the socket in another Duplex, and AUTH is a step of the handshake in
 * conn.ts. Nothing above this file touches `node:net`.
 */

import net from 'node:net';
import type { Duplex } from 'node:stream';
import { goDialError } from '../go/errors.js';
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

/**
 * Throws when the config asks for a transport this client cannot build yet (TLS, snappy, deflate):
 * IDENTIFY would ask nsqd for it and nsqd would switch the stream under us.
 */
export function checkTransport(cfg: Config): void {
  const asked = [cfg.tlsV1 && 'tls_v1', cfg.snappy && 'snappy', cfg.deflate && 'deflate'].filter(Boolean);
  if (asked.length > 0) throw new Error(`nsq-ts client: ${asked.join(', ')} not supported yet`);
}

/**
 * The stream to use after IDENTIFY. With nothing negotiated that is the socket itself; TLS, then
 * deflate or snappy, will wrap it here, in go-nsq's order (upgradeTLS, upgradeDeflate, upgradeSnappy).
 */
export function upgrade(socket: net.Socket, features: NegotiatedFeatures): Duplex {
  if (features.tls_v1 === true || features.snappy === true || features.deflate === true) {
    throw new Error('nsqd negotiated a feature this client does not implement');
  }
  return socket;
}
