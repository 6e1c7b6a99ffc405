/**
 * The texts of nsqd's per-client log lines that need more than a template (nsqd/tcp.go,
 * protocol_v2.go, client_v2.go): IDENTIFY's `%+v`, Go's net error texts, a delivery's debug line.
 * The io thread's connection and commands build them only after checking the level. Owns no state.
 */

import type { Socket } from 'node:net';
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

/** The start of Go's *net.OpError text for a failed read (`read tcp 127.0.0.1:4150->127.0.0.1:5555`), while the socket is open. */
export function readOpText(socket: Socket): string {
  const remote = hostPort(socket.remoteAddress, socket.remotePort);
  if (socket.localPort === undefined) return `read unix ${socket.localAddress ?? ''}->${remote}`;
  return `read tcp ${hostPort(socket.localAddress, socket.localPort)}->${remote}`;
}

/** protocol_v2.go's debug line for a message written to a client (`id`: its 16 hex chars) */
export function deliveryLine(client: string, id: string, body: Buffer): string {
  return `PROTOCOL(V2): writing msg(${id}) to client(${client}) - ${body.toString()}`;
}
