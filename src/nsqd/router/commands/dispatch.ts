/**
 * The V2 command table on the io thread: which command handles a line, and which handles the body
 * that line announced. The handlers parse and check; the session does the rest. Owns nothing.
 */

import * as L from '../../../wire/line.js';
import type { BodyRule } from '../../../wire/parser.js';
import type { Session } from '../session.js';
import { onAuthBody } from './auth.js';
import { cls, fin, rdy, req, sub, touch } from './consume.js';
import { authLine, identifyLine, onIdentifyBody } from './identify.js';
import { onPublishBody, publishLine } from './publish.js';

/** a command line `buf[start, end)` (without its newline); returns the rule for the body it announces */
export function onCommandLine(s: Session, buf: Buffer, start: number, end: number): BodyRule | null {
  const line = s.line;
  line.parse(buf, start, end);
  const cmd = line.command();
  switch (cmd) {
    case L.CMD_PUB:
    case L.CMD_MPUB:
    case L.CMD_DPUB:
      return publishLine(s, cmd);
    case L.CMD_FIN:
      fin(s);
      return null;
    case L.CMD_RDY:
      rdy(s);
      return null;
    case L.CMD_REQ:
      req(s);
      return null;
    case L.CMD_TOUCH:
      touch(s);
      return null;
    case L.CMD_NOP:
      return null;
    case L.CMD_SUB:
      sub(s);
      return null;
    case L.CMD_CLS:
      cls(s);
      return null;
    case L.CMD_IDENTIFY:
      return identifyLine(s);
    case L.CMD_AUTH:
      return authLine(s);
    default:
      return s.fatal('E_INVALID', `invalid command ${line.str(0)}`);
  }
}

/** the body of the command whose line came last */
export function onCommandBody(s: Session, buf: Buffer, start: number, end: number): void {
  switch (s.bodyCmd) {
    case L.CMD_IDENTIFY:
      onIdentifyBody(s, buf, start, end);
      break;
    case L.CMD_AUTH:
      onAuthBody(s, buf, start, end);
      break;
    default:
      onPublishBody(s, buf, start, end);
  }
}
