/**
 * SUB, RDY, FIN, REQ, TOUCH and CLS on the io thread: parameter and state checks in nsqd's order,
 * then the session takes the command to the shard that owns the subscribed topic. Only SUB is
 * answered by the shard; FIN/REQ/TOUCH answer only on failure (non-fatal E_*_FAILED, from the
 * shard). Parses and checks only.
 */

import { goQuote } from '../../../go/quote.js';
import { MSG_ID_LENGTH } from '../../../wire/msgid.js';
import { isValidChannelName, isValidTopicName } from '../../../wire/names.js';
import { parseBase10 } from '../../../wire/numbers.js';
import type { Session } from '../session.js';
import { STATE_CLOSING, STATE_INIT, STATE_SUBSCRIBED } from '../session.js';
import { whenAuthorized } from './auth.js';

export function sub(s: Session): void {
  const line = s.line;
  if (s.state !== STATE_INIT) return void s.fatal('E_INVALID', 'cannot SUB in current state');
  if (s.heartbeatInterval <= 0) return void s.fatal('E_INVALID', 'cannot SUB with heartbeats disabled');
  if (line.count < 3) return void s.fatal('E_INVALID', 'SUB insufficient number of parameters');
  const topic = line.str(1);
  if (!isValidTopicName(topic)) {
    const q = goQuote(line.buf.subarray(line.starts[1], line.ends[1]));
    return void s.fatal('E_BAD_TOPIC', `SUB topic name ${q} is not valid`);
  }
  const channel = line.str(2);
  if (!isValidChannelName(channel)) {
    const q = goQuote(line.buf.subarray(line.starts[2], line.ends[2]));
    return void s.fatal('E_BAD_CHANNEL', `SUB channel name ${q} is not valid`);
  }
  whenAuthorized(s, 'SUB', topic, channel, () => s.subscribe(topic, channel));
}

export function rdy(s: Session): void {
  const line = s.line;
  if (s.state === STATE_CLOSING) {
    s.ctx.log.info(
      `PROTOCOL(V2): [${s.port.remoteHostPort}] ignoring RDY after CLS in state ClientStateV2Closing`,
    );
    return;
  }
  if (s.state !== STATE_SUBSCRIBED) return void s.fatal('E_INVALID', 'cannot RDY in current state');
  let count = 1;
  if (line.count > 1) {
    count = parseBase10(line.buf, line.starts[1]!, line.ends[1]!);
    if (count < 0) return void s.fatal('E_INVALID', `RDY could not parse count ${line.str(1)}`);
  }
  const max = s.ctx.options.maxRdyCount;
  if (count > max) return void s.fatal('E_INVALID', `RDY count ${count} out of range 0-${max}`);
  s.ready(count);
}

/** the checks FIN, REQ and TOUCH share; returns the ID's offset in the line buffer, or -1 */
function idParam(s: Session, cmd: string, minParams: number): number {
  const line = s.line;
  if (s.state !== STATE_SUBSCRIBED && s.state !== STATE_CLOSING) {
    s.fatal('E_INVALID', `cannot ${cmd} in current state`);
    return -1;
  }
  if (line.count < minParams) {
    s.fatal('E_INVALID', `${cmd} insufficient number of params`);
    return -1;
  }
  if (line.len(1) !== MSG_ID_LENGTH) {
    s.fatal('E_INVALID', 'invalid message ID');
    return -1;
  }
  return line.starts[1]!;
}

export function fin(s: Session): void {
  const at = idParam(s, 'FIN', 2);
  if (at >= 0) s.finish(s.line.buf, at);
}

export function req(s: Session): void {
  const at = idParam(s, 'REQ', 3);
  if (at < 0) return;
  const line = s.line;
  let ms = parseBase10(line.buf, line.starts[2]!, line.ends[2]!);
  if (ms < 0) return void s.fatal('E_INVALID', `REQ could not parse timeout ${line.str(2)}`);
  const max = s.ctx.options.maxReqTimeout;
  if (ms > max) {
    // clamped, as nsqd >= 1.1 does (it logs the durations in ns)
    const ns = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
    s.ctx.log.info(
      `PROTOCOL(V2): [${s.port.remoteHostPort}] REQ timeout ${ns(ms)} out of range 0-${ns(max)}. Setting to ${ns(max)}`,
    );
    ms = max;
  }
  s.requeue(line.buf, at, ms);
}

export function touch(s: Session): void {
  const at = idParam(s, 'TOUCH', 2);
  if (at >= 0) s.touch(s.line.buf, at);
}

export function cls(s: Session): void {
  if (s.state !== STATE_SUBSCRIBED) return void s.fatal('E_INVALID', 'cannot CLS in current state');
  s.startClose();
}
