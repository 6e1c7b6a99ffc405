/**
 * What /pub and /mpub read beyond the topic, exactly as nsqd parses it: the `defer` parameter and
 * the /mpub body in text and binary mode. Pure functions over strings and buffers.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * `defer` as nsqd reads it: strconv.ParseInt base 10, times time.Millisecond (int64 ns, wrapping as
 * Go does), in 0..max-req-timeout. Returns the delay in ms, or null for 400 INVALID_DEFER.
 */
export function parseDefer(raw: string, maxReqTimeoutMs: number): number | null {
  if (!/^[+-]?[0-9]+$/.test(raw)) return null;
  const di = BigInt(raw);
  if (di < INT64_MIN || di > INT64_MAX) return null;
  const ns = BigInt.asIntN(64, di * 1_000_000n);
  if (ns < 0n || ns > BigInt(Math.round(maxReqTimeoutMs * 1e6))) return null;
  return Number(ns) / 1e6;
}

/**
 * /mpub text mode as nsqd reads it: split on '\n' (a '\r' stays), empty lines skipped, through a
 * LimitReader of max-body-size + 1. Returns the message views or the 413 error text.
 */
export function splitTextMpub(body: Buffer, maxMsgSize: number, maxBodySize: number): Buffer[] | string {
  const readMax = maxBodySize + 1;
  const data = body.length > readMax ? body.subarray(0, readMax) : body;
  const out: Buffer[] = [];
  let pos = 0;
  let total = 0;
  for (;;) {
    const nl = data.indexOf(10, pos);
    const end = nl === -1 ? data.length : nl + 1;
    total += end - pos;
    if (total === readMax) return 'BODY_TOO_BIG';
    const stop = nl === -1 ? end : nl;
    if (stop > pos) {
      if (stop - pos > maxMsgSize) return 'MSG_TOO_BIG';
      out.push(data.subarray(pos, stop));
    }
    pos = end;
    if (nl === -1) return out;
  }
}

/**
 * /mpub binary mode as nsqd's readMPUB over the request body: `[int32 n]([int32 len][len bytes])*`,
 * trailing bytes ignored. Errors are the TCP codes minus `E_` (BAD_BODY / BAD_MESSAGE); a body cut
 * at the read bound (`capped`) that runs out of bytes is BODY_TOO_BIG instead.
 */
export function splitBinaryMpub(
  body: Buffer,
  maxMsgSize: number,
  maxBodySize: number,
  capped: boolean,
): Buffer[] | string {
  const short = capped ? 'BODY_TOO_BIG' : 'BAD_MESSAGE';
  if (body.length < 4) return capped ? 'BODY_TOO_BIG' : 'BAD_BODY';
  const n = body.readInt32BE(0);
  if (n <= 0 || n > Math.trunc((maxBodySize - 4) / 5)) return 'BAD_BODY';
  const out: Buffer[] = [];
  let pos = 4;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > body.length) return short;
    const len = body.readInt32BE(pos);
    if (len <= 0 || len > maxMsgSize) return 'BAD_MESSAGE';
    pos += 4;
    if (pos + len > body.length) return short;
    out.push(body.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}
