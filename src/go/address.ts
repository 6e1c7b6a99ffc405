/**
 * Listen addresses as every NSQ program takes them (Go's net address rules, as nsqd decides between
 * tcp and unix): `host:port`, `[v6]:port`, `:port`, or a path (no colon) for a unix socket; and
 * `host:port` printed as Go's net.JoinHostPort. Pure parsing; errors name the flag.
 */

export type ListenAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** Go's util.TypeOfAddr: a listen address without a colon is a unix socket path */
export function listenNetwork(value: string): ListenAddress['kind'] {
  return value.includes(':') ? 'tcp' : 'unix';
}

export function parseListenAddress(flag: string, value: string): ListenAddress {
  if (listenNetwork(value) === 'unix') return { kind: 'unix', path: value };
  const i = value.lastIndexOf(':');
  let host = value.slice(0, i);
  const portText = value.slice(i + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`--${flag}: invalid port in address "${value}"`);
  }
  return { kind: 'tcp', host: host === '' ? '0.0.0.0' : host, port };
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
