/**
 * PUB, MPUB and DPUB on the io thread: nsqd's checks in nsqd's order, then the session takes the
 * body to the topic's shard (one copy into its ring, or straight into its core inline), which
 * answers OK. Parses and checks only.
 */

import { goQuote } from '../../../go/quote.js';
import { CMD_DPUB, CMD_MPUB } from '../../../wire/line.js';
import { mpubMessageCount } from '../../../wire/mpub.js';
import { isValidTopicName } from '../../../wire/names.js';
import { parseBase10 } from '../../../wire/numbers.js';
import type { BodyRule } from '../../../wire/parser.js';
import { DPUB, PUB } from '../../contract/shard.js';
import type { Session } from '../session.js';
import { allowedNow, whenAuthorized } from './auth.js';

export function publishLine(s: Session, cmd: number): BodyRule | null {
  const line = s.line;
  const name = cmd === CMD_MPUB ? 'MPUB' : cmd === CMD_DPUB ? 'DPUB' : 'PUB';
  const minParams = cmd === CMD_DPUB ? 3 : 2;
  if (line.count < minParams) return s.fatal('E_INVALID', `${name} insufficient number of parameters`);
  const topic = line.str(1);
  if (!isValidTopicName(topic)) {
    const q = goQuote(line.buf.subarray(line.starts[1], line.ends[1]));
    // nsqd repeats the code in MPUB's text
    const prefix = cmd === CMD_MPUB ? 'E_BAD_TOPIC ' : '';
    return s.fatal('E_BAD_TOPIC', `${prefix}${name} topic name ${q} is not valid`);
  }
  s.bodyCmd = cmd;
  s.bodyTopic = topic;
  s.bodyDefer = 0;
  if (cmd === CMD_DPUB) {
    const ms = parseBase10(line.buf, line.starts[2]!, line.ends[2]!);
    if (ms < 0) return s.fatal('E_INVALID', `DPUB could not parse timeout ${line.str(2)}`);
    const max = s.ctx.options.maxReqTimeout;
    if (ms > max) return s.fatal('E_INVALID', `DPUB timeout ${ms} out of range 0-${max}`);
    s.bodyDefer = ms;
    return s.ctx.rules.DPUB;
  }
  if (cmd !== CMD_MPUB) return s.ctx.rules.PUB;
  // nsqd checks MPUB's auth before reading its body (PUB's and DPUB's after)
  if (s.ctx.auth !== null) whenAuthorized(s, 'MPUB', topic, '', noop);
  return s.ctx.rules.MPUB;
}

export function onPublishBody(s: Session, buf: Buffer, start: number, end: number): void {
  const cmd = s.bodyCmd;
  if (cmd === CMD_MPUB) {
    // the parser validated the body (Go's checks as the bytes arrived, plus the outer size)
    s.publishBatch(s.bodyTopic, buf, start + 4, end, mpubMessageCount(buf, start));
    return;
  }
  const kind = cmd === CMD_DPUB ? DPUB : PUB;
  const topic = s.bodyTopic;
  const deferMs = s.bodyDefer;
  if (s.ctx.auth === null || allowedNow(s, topic, '')) s.publishOne(kind, topic, deferMs, buf, start, end);
  else
    whenAuthorized(s, cmd === CMD_DPUB ? 'DPUB' : 'PUB', topic, '', () =>
      s.publishOne(kind, topic, deferMs, buf, start, end),
    );
}

/** an MPUB that may go on: its body is read next (a refused one has failed the connection) */
function noop(): void {}
