/**
 * The texts of nsqd's per-client log lines that need more than a template (nsqd/tcp.go,
 * protocol_v2.go, client_v2.go): IDENTIFY's `%+v`, Go's net error texts, a delivery's debug line.
 * The io thread's connection and commands build them only after checking the level. Owns no state.
 */

import { formatAddress } from '../../go/address.js';
import type { IdentifyData } from '../../wire/identify.js';

/** Go's `%+v` of nsqd's identifyDataV2, as `[client] IDENTIFY: ...` prints it */
export function identifyText(d: IdentifyData): string {
  return (
    `{ClientID:${d.clientId} Hostname:${d.hostname} HeartbeatInterval:${d.heartbeatInterval} ` +
    `OutputBufferSize:${d.outputBufferSize} OutputBufferTimeout:${d.outputBufferTimeout} ` +
    `FeatureNegotiation:${d.featureNegotiation} TLSv1:${d.tlsV1} Deflate:${d.deflate} ` +
    `DeflateLevel:${d.deflateLevel} Snappy:${d.snappy} SampleRate:${d.sampleRate} ` +
    `UserAgent:${d.userAgent} MsgTimeout:${d.msgTimeout} TopologyRegion:${d.topologyRegion} ` +
    `TopologyZone:${d.topologyZone}}`
  );
}

/** `ip:port` as Go's net.Addr prints it (IPv6 in brackets) */
export function hostPort(address: string | undefined, port: number | undefined): string {
  return formatAddress(address ?? '', port ?? 0);
}

/** the errno texts Go's net errors end with, for the codes a client connection meets */
const ERRNO_TEXT: Record<string, string> = {
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'connection timed out',
};

/** a socket's two ends (kept apart from the socket: a TLS upgrade replaces the socket) */
export interface SocketAddresses {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
}

/** Go's *net.OpError text for a failed read: `read tcp 127.0.0.1:4150->127.0.0.1:5555: <reason>` */
export function readErrorText(socket: SocketAddresses, reason: string): string {
  const remote = hostPort(socket.remoteAddress, socket.remotePort);
  if (socket.localPort === undefined) return `read unix ${socket.localAddress ?? ''}->${remote}: ${reason}`;
  return `read tcp ${hostPort(socket.localAddress, socket.localPort)}->${remote}: ${reason}`;
}

/** the reason a socket error gives, as Go words it */
export function errnoText(err: NodeJS.ErrnoException): string {
  return (err.code !== undefined ? ERRNO_TEXT[err.code] : undefined) ?? err.message;
}

/** protocol_v2.go's debug line for a message written to a client (`id`: its 16 hex chars) */
export function deliveryLine(client: string, id: string, body: Buffer): string {
  return `PROTOCOL(V2): writing msg(${id}) to client(${client}) - ${body.toString()}`;
}
