/**
 * IDENTIFY and AUTH on the io thread: check the line, decode the body, have the session apply the
 * settings (Session.applyIdentify, nsqd's clientV2 setters), and answer `OK` or the feature
 * negotiation JSON. TLS, snappy and deflate are answered as not enabled until they exist.
 */

import { LOG_INFO } from '../../../log.js';
import { encodeResponse, OK_FRAME } from '../../../wire/encode.js';
import { decodeIdentify } from '../../../wire/identify.js';
import { CMD_AUTH, CMD_IDENTIFY } from '../../../wire/line.js';
import type { BodyRule } from '../../../wire/parser.js';
import { NSQD_VERSION } from '../../contract/constants.js';
import { identifyText } from '../client-log.js';
import { type Session, STATE_INIT } from '../session.js';

export function identifyLine(s: Session): BodyRule | null {
  if (s.state !== STATE_INIT) return s.fatal('E_INVALID', 'cannot IDENTIFY in current state');
  s.bodyCmd = CMD_IDENTIFY;
  return s.ctx.rules.IDENTIFY;
}

export function authLine(s: Session): BodyRule | null {
  if (s.state !== STATE_INIT) return s.fatal('E_INVALID', 'cannot AUTH in current state');
  if (s.line.count !== 1) return s.fatal('E_INVALID', 'AUTH invalid number of parameters');
  s.bodyCmd = CMD_AUTH;
  return s.ctx.rules.AUTH;
}

export function onIdentifyBody(s: Session, buf: Buffer, start: number, end: number): void {
  const d = decodeIdentify(buf.subarray(start, end));
  if ('code' in d) {
    s.fatal(d.code, d.text);
    return;
  }
  const log = s.ctx.log;
  if (log.enabled(LOG_INFO)) {
    const text = identifyText(d);
    const client = s.port.remoteHostPort;
    log.debug(`PROTOCOL(V2): [${client}] ${text}`);
    log.info(`[${client}] IDENTIFY: ${text}`);
  }
  const problem = s.applyIdentify(d);
  if (problem !== null) {
    s.fatal('E_BAD_BODY', `IDENTIFY ${problem}`);
    return;
  }
  if (!d.featureNegotiation) {
    s.respond(OK_FRAME);
    return;
  }
  const o = s.ctx.options;
  let deflateLevel = 6;
  if (o.maxDeflateLevel < deflateLevel) deflateLevel = o.maxDeflateLevel;
  const reply = {
    max_rdy_count: o.maxRdyCount,
    version: NSQD_VERSION,
    max_msg_timeout: Math.floor(o.maxMsgTimeout),
    msg_timeout: Math.floor(s.msgTimeout),
    tls_v1: false,
    deflate: false,
    deflate_level: deflateLevel,
    max_deflate_level: o.maxDeflateLevel,
    snappy: false,
    sample_rate: s.sampleRate,
    auth_required: s.ctx.auth !== null,
    output_buffer_size: s.outputBufferSize,
    output_buffer_timeout: Math.floor(s.outputBufferTimeout),
    topology_region: o.topologyRegion,
    topology_zone: o.topologyZone,
  };
  s.respond(encodeResponse(JSON.stringify(reply)));
}
