/**
 * AUTH on the io thread and nsqd's CheckAuth for PUB, MPUB, DPUB and SUB: the AUTH body's checks in
 * nsqd's order, the query to the auth servers (src/nsqd/auth/query.ts) while the session takes no
 * further command (other connections never wait: the query is asynchronous, and this connection's
 * replies keep their order), the JSON reply, and the check of every later command against the
 * authorizations, asking the server again once their TTL has passed. Owns the session's SessionAuth.
 */

import { goJsonNumber, goJsonObject, goJsonString } from '../../../go/json.js';
import { goQuote } from '../../../go/quote.js';
import { encodeResponse } from '../../../wire/encode.js';
import type { AuthState } from '../../auth/state.js';
import type { Session } from '../session.js';

/** a connection's AUTH: the secret it sent (asked again after the TTL) and what the server granted */
export interface SessionAuth {
  readonly secret: Uint8Array;
  state: AuthState;
}

/** the AUTH body `buf[start, end)` (its size already checked by the parser) */
export function onAuthBody(s: Session, buf: Buffer, start: number, end: number): void {
  if (s.auth?.state.hasAuthorizations) return void s.fatal('E_INVALID', 'AUTH already set');
  if (s.ctx.auth === null) return void s.fatal('E_AUTH_DISABLED', 'AUTH disabled');
  const secret = Uint8Array.prototype.slice.call(buf, start, end);
  ask(s, secret, (state) => {
    s.auth = { secret, state };
    if (!state.hasAuthorizations) return void s.fatal('E_UNAUTHORIZED', 'AUTH no authorizations found');
    const reply = goJsonObject([
      ['identity', goJsonString(state.identity)],
      ['identity_url', goJsonString(state.identityUrl)],
      ['permission_count', goJsonNumber(state.authorizations.length)],
    ]);
    s.respond(encodeResponse(reply));
  });
}

/**
 * nsqd's CheckAuth before `cmd` acts on `topic` (and `channel`, '' for a publish): `go` runs now
 * when auth is off or the authorizations allow it, after the server's fresh answer when their TTL
 * has passed, and never when refused (the fatal error goes out instead).
 */
export function whenAuthorized(
  s: Session,
  cmd: string,
  topic: string,
  channel: string,
  go: () => void,
): void {
  if (s.ctx.auth === null) {
    go();
    return;
  }
  const a = s.auth;
  if (a === null || !a.state.hasAuthorizations) {
    return void s.fatal('E_AUTH_FIRST', `AUTH required before ${cmd}`);
  }
  const decide = (): void => {
    if (a.state.isAllowed(topic, channel)) go();
    else s.fatal('E_UNAUTHORIZED', `AUTH failed for ${cmd} on ${goQuote(topic)} ${goQuote(channel)}`);
  };
  if (!a.state.isExpired(Date.now())) {
    decide();
    return;
  }
  ask(s, a.secret, (state) => {
    a.state = state;
    decide();
  });
}

/**
 * The common case of whenAuthorized, without a continuation: the authorizations are fresh and allow
 * it. False sends nothing: whenAuthorized then finds out why (and answers, or asks the server).
 */
export function allowedNow(s: Session, topic: string, channel: string): boolean {
  const state = s.auth?.state;
  return state !== undefined && !state.isExpired(Date.now()) && state.isAllowed(topic, channel);
}

/**
 * Query the auth servers for this connection, taking no command meanwhile; `then` gets the new state.
 * A failed query is nsqd's E_AUTH_FAILED (the details only in the log, never to the client).
 */
function ask(s: Session, secret: Uint8Array, then: (state: AuthState) => void): void {
  const client = s.ctx.auth!;
  // as nsqd's QueryAuthd: upgraded or not, and the client certificate's subject CN ('' without one)
  const tls = s.port.tlsState();
  const query = { remoteIp: s.port.remoteAddress, tls: tls.tls, commonName: tls.commonName, secret };
  const signal = s.awaitOutside();
  client.query(query, signal).then(
    (state) => {
      if (!signal.aborted) s.resumeOutside(() => then(state));
    },
    (err: Error) => {
      if (signal.aborted) return;
      s.ctx.log.warn(`PROTOCOL(V2): [${s.port.remoteHostPort}] AUTH failed ${err.message}`);
      s.resumeOutside(() => s.fatal('E_AUTH_FAILED', 'AUTH failed'));
    },
  );
}
