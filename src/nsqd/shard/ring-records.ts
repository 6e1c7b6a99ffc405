/**
 * The records that carry the io ↔ shard contract (shard-contract.ts) over a worker's two rings:
 * their byte layouts, drawn, with a named offset for every head byte, and their decoders. The
 * encoders are the producer ends: WorkerLink (inbound) and RingOutbox (outbound). All integers are
 * big-endian; the ring adds its own length prefix, so a record's last field runs to its end.
 *
 * Every record opens with the same 8-byte head: the op code (shard-contract.ts), three bytes whose
 * meaning depends on the op (unused ones are 0), and the connection id.
 *
 *   0      1      2      3      4                      8
 *   +------+------+------+------+----------------------+
 *   |  op  | op-specific bytes  |   conn (u32)         |
 *   +------+------+------+------+----------------------+
 *
 * Inbound (io thread → shard):
 *
 *   IN_PUB_ONE (PUB, DPUB)      8          12              12+T  12+T+P
 *   | op | kind | topicLen | pad | conn | deferMs u32 | topic | pad | body                      |
 *   IN_PUB_BATCH (MPUB)      8          12            16      16+T
 *   | op | 0    | topicLen | pad | conn | count u32 | deferMs u32 | topic | pad | [u32 size][body] * count |
 *     pad: 0-7 zero bytes, so the bodies sit at the same address mod 8 as in the socket chunk they
 *     are copied from (V8 copies into shared memory 6x faster when source and target agree mod 8)
 *   IN_SUB
 *   | op | 0    | topicLen | channelLen | conn | msgTimeout u32 | sampleRate u32 | topic | channel |
 *   IN_RDY          | op | 0 0 0 | conn | count u32 |
 *   IN_FIN, IN_TOUCH | op | 0 0 0 | conn | id (16 hex bytes) |
 *   IN_REQ          | op | 0 0 0 | conn | delayMs u32 | id (16 hex bytes) |
 *   IN_CLS, IN_GONE | op | 0 0 0 | conn |            (GONE: the connection closed)
 *   IN_ADOPT        | op | 0 | topicLen | 0 | conn (0) | topic | tsHi | tsLo | attempts | id | body |
 *     a dead letter another shard forwarded (OUT_FORWARD), for a topic this shard owns
 *
 * Outbound (shard → io thread):
 *
 *   OUT_OK, OUT_CLOSE | op | 0 0 0 | conn |          (CLOSE: the shard dropped this subscriber)
 *   OUT_ERR   | op | code | fatal | 0 | conn | text (latin1) |
 *     code: the error code's index in wire/errors.ts ERROR_CODES; fatal: 1 or 0, as the shard said
 *   OUT_MSG   | op | flush | 0 | 0 | conn | tsHi u32 | tsLo u32 | attempts u16 | id (16) | body |
 *     bytes 8.. are exactly the message frame's data, copied to the socket as they are
 *   OUT_FORWARD | op | 0 | topicLen | 0 | conn (0) | topic | tsHi | tsLo | attempts | id | body |
 *     a dead letter for a topic another shard owns: the io thread sends it on as IN_ADOPT
 */

import { errorCodeAt } from '../../wire/errors.js';
import { MSG_ID_LENGTH } from '../../wire/msgid.js';
import {
  IN_ADOPT,
  IN_CLS,
  IN_FIN,
  IN_GONE,
  IN_PUB_BATCH,
  IN_PUB_ONE,
  IN_RDY,
  IN_REQ,
  IN_SUB,
  IN_TOUCH,
  type IoAnswers,
  OUT_CLOSE,
  OUT_ERR,
  OUT_FORWARD,
  OUT_MSG,
  OUT_OK,
  type PubKind,
  type ShardCommands,
} from '../contract/shard.js';
import type { RingReader } from './ring.js';

/** the head every record opens with */
export const HEAD = 8;
export const OFF_OP = 0;
export const OFF_CONN = 4;
/** IN_PUB_ONE: PUB or DPUB */
export const OFF_PUB_KIND = 1;
/** IN_PUB_ONE, IN_PUB_BATCH: the topic's length, and the zero bytes between topic and bodies */
export const OFF_PUB_TOPIC_LEN = 2;
export const OFF_PUB_PAD = 3;
/** IN_SUB */
export const OFF_SUB_TOPIC_LEN = 2;
export const OFF_SUB_CHANNEL_LEN = 3;
/** OUT_ERR: the code's index in ERROR_CODES, and 1 when fatal */
export const OFF_ERR_CODE = 1;
export const OFF_ERR_FATAL = 2;
/** OUT_MSG: 1 when the io thread should write the frame out now */
export const OFF_MSG_FLUSH = 1;

/** IN_PUB_ONE fields after the head: deferMs */
export const PUB_FIXED = 4;
/** IN_PUB_BATCH fields after the head: count, deferMs */
export const BATCH_FIXED = 8;
/** IN_ADOPT, OUT_FORWARD: the topic's length */
export const OFF_FWD_TOPIC_LEN = 2;
/** IN_SUB fields after the head: msgTimeout, sampleRate */
export const SUB_FIXED = 8;
/** OUT_MSG fields after the head, before the body: tsHi, tsLo, attempts, id */
export const MSG_FIXED = 4 + 4 + 2 + MSG_ID_LENGTH;

function u32At(b: Buffer, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** decode the inbound record `r` holds (after next()) into the call it stands for */
export function decodeInbound(r: RingReader, shard: ShardCommands): void {
  const b = r.buf;
  const s = r.start;
  const op = b[s + OFF_OP]!;
  const conn = u32At(b, s + OFF_CONN);
  const end = s + r.length;
  const p = s + HEAD;
  switch (op) {
    case IN_PUB_ONE:
    case IN_PUB_BATCH: {
      const fixed = op === IN_PUB_ONE ? PUB_FIXED : BATCH_FIXED;
      const topicLen = b[s + OFF_PUB_TOPIC_LEN]!;
      const topic = b.toString('latin1', p + fixed, p + fixed + topicLen);
      const bodies = p + fixed + topicLen + b[s + OFF_PUB_PAD]!;
      if (op === IN_PUB_ONE) {
        const kind = b[s + OFF_PUB_KIND]! as PubKind;
        shard.publishOne(conn, kind, topic, u32At(b, p), b, bodies, end);
      } else {
        shard.publishBatch(conn, topic, b, bodies, end, u32At(b, p), u32At(b, p + 4));
      }
      break;
    }
    case IN_ADOPT: {
      const topicEnd = p + b[s + OFF_FWD_TOPIC_LEN]!;
      shard.adopt(b.toString('latin1', p, topicEnd), b, topicEnd, end);
      break;
    }
    case IN_SUB: {
      const topicEnd = p + SUB_FIXED + b[s + OFF_SUB_TOPIC_LEN]!;
      const topic = b.toString('latin1', p + SUB_FIXED, topicEnd);
      const channel = b.toString('latin1', topicEnd, topicEnd + b[s + OFF_SUB_CHANNEL_LEN]!);
      shard.subscribe(conn, topic, channel, u32At(b, p), u32At(b, p + 4));
      break;
    }
    case IN_RDY:
      shard.ready(conn, u32At(b, p));
      break;
    case IN_FIN:
      shard.finish(conn, b, p);
      break;
    case IN_REQ:
      shard.requeue(conn, b, p + 4, u32At(b, p));
      break;
    case IN_TOUCH:
      shard.touch(conn, b, p);
      break;
    case IN_CLS:
      shard.startClose(conn);
      break;
    case IN_GONE:
      shard.disconnect(conn);
      break;
    default:
      throw new Error(`unknown inbound record op ${op}`);
  }
}

/** decode the outbound record `r` holds (after next()) into the answer it stands for */
export function decodeOutbound(r: RingReader, answers: IoAnswers): void {
  const b = r.buf;
  const s = r.start;
  const op = b[s + OFF_OP]!;
  const conn = u32At(b, s + OFF_CONN);
  switch (op) {
    case OUT_OK:
      answers.ok(conn);
      break;
    case OUT_MSG:
      answers.deliverFrame(conn, b, s + HEAD, s + r.length, b[s + OFF_MSG_FLUSH] === 1);
      break;
    case OUT_ERR: {
      const code = errorCodeAt(b[s + OFF_ERR_CODE]!);
      const text = b.toString('latin1', s + HEAD, s + r.length);
      answers.error(conn, { code, text, fatal: b[s + OFF_ERR_FATAL] === 1 });
      break;
    }
    case OUT_CLOSE:
      answers.close(conn);
      break;
    case OUT_FORWARD: {
      const topicEnd = s + HEAD + b[s + OFF_FWD_TOPIC_LEN]!;
      answers.forwardFrame(b.toString('latin1', s + HEAD, topicEnd), b, topicEnd, s + r.length);
      break;
    }
    default:
      throw new Error(`unknown outbound record op ${op}`);
  }
}
