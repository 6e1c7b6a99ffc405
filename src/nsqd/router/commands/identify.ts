/**
 * IDENTIFY and AUTH on the io thread: decode and validate the client's settings exactly as nsqd's
 * clientV2 does, apply them to the session and its output writer, and answer `OK` or the feature
 * negotiation JSON. TLS, snappy and deflate are answered as not enabled until they exist.
 */

import { encodeResponse, OK_FRAME } from '../../../wire/encode.js';
import { decodeIdentify, type IdentifyData } from '../../../wire/identify.js';
import { NSQD_VERSION } from '../../constants.js';
import type { Session } from '../session.js';

export function onIdentifyBody(s: Session, buf: Buffer, start: number, end: number): void {
  const d = decodeIdentify(buf.subarray(start, end));
  if ('code' in d) {
    s.fatal(d.code, d.text);
    return;
  }
  const problem = apply(s, d);
  if (problem !== null) {
    s.fatal('E_BAD_BODY', `IDENTIFY ${problem}`);
    return;
  }
  s.identified = true;
  s.port.heartbeatChanged();
  if (!d.featureNegotiation) {
    s.respond(OK_FRAME);
    return;
  }
  const o = s.ctx.options;
  const w = s.port.writer;
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
    auth_required: false,
    output_buffer_size: w.bufferSize,
    output_buffer_timeout: Math.floor(w.bufferTimeout),
    topology_region: o.topologyRegion,
    topology_zone: o.topologyZone,
  };
  s.respond(encodeResponse(JSON.stringify(reply)));
}

/** nsqd's clientV2.Identify: each setter in order; the first invalid value is the error */
function apply(s: Session, d: IdentifyData): string | null {
  const o = s.ctx.options;
  s.clientId = d.clientId;
  s.hostname = d.hostname;
  s.userAgent = d.userAgent;
  s.topologyZone = d.topologyZone;
  s.topologyRegion = d.topologyRegion;

  const hb = d.heartbeatInterval;
  if (hb === -1) s.heartbeatInterval = 0;
  else if (hb === 0) {
    // keep the default
  } else if (hb >= 1000 && hb <= o.maxHeartbeatInterval) s.heartbeatInterval = hb;
  else return `heartbeat interval (${hb}) is invalid`;

  const w = s.port.writer;
  let timeout = w.bufferTimeout;
  const t = d.outputBufferTimeout;
  if (t === -1) timeout = 0;
  else if (t === 0) {
    // keep the default
  } else if (t >= o.minOutputBufferTimeout && t <= o.maxOutputBufferTimeout) timeout = t;
  else return `output buffer timeout (${t}) is invalid`;
  let size = w.bufferSize;
  const z = d.outputBufferSize;
  if (z === -1) {
    size = 1;
    timeout = 0;
  } else if (z === 0) {
    // keep the default
  } else if (z >= 64 && z <= o.maxOutputBufferSize) size = z;
  else return `output buffer size (${z}) is invalid`;
  w.bufferSize = size;
  w.bufferTimeout = timeout;

  if (d.sampleRate < 0 || d.sampleRate > 99) return `sample rate (${d.sampleRate}) is invalid`;
  s.sampleRate = d.sampleRate;

  const mt = d.msgTimeout;
  if (mt === 0) {
    // keep the default
  } else if (mt >= 1000 && mt <= o.maxMsgTimeout) s.msgTimeout = mt;
  else return `msg timeout (${mt}) is invalid`;
  return null;
}

/** AUTH with no --auth-http-address configured: nsqd's answer after its checks */
export function onAuthBody(s: Session): void {
  s.fatal('E_AUTH_DISABLED', 'AUTH disabled');
}
