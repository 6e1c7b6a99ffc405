/**
 * The record layouts that cross threads on the rings, and nothing else. Every record starts with
 * the same 8-byte head; all integers are big-endian; the ring adds its own length prefix.
 *
 *   head (every record)
 *   0      1      2      3      4                      8
 *   +------+------+------+------+----------------------+
 *   |  op  |  a   |  b   |  c   |   conn (u32)         |
 *   +------+------+------+------+----------------------+
 *
 * Inbound (io thread → shard):
 *   PUB     a=kind b=topicLen c=pad | deferMs u32 | count u32 | topic | pad | [u32 size][body] * count
 *           (pad: 0-7 zero bytes so the bodies sit at the same address mod 8 as in the socket
 *           chunk they are copied from; V8 copies into shared memory 6x faster when they agree)
 *   SUB     b=topicLen c=chanLen | msgTimeout u32 | sampleRate u32 | topic | channel
 *   RDY     | count u32
 *   FIN     | id (16 bytes)
 *   REQ     | delayMs u32 | id (16 bytes)
 *   TOUCH   | id (16 bytes)
 *   CLS     (head only)
 *   GONE    (head only: the connection closed)
 *
 * Outbound (shard → io thread):
 *   OK      (head only)
 *   ERR     a=fatal | frame data: "<E_CODE> <text>" (latin1)
 *   MSG     a=flush | tsHi u32 | tsLo u32 | attempts u16 | id (16 bytes) | body
 *           (bytes 8.. are exactly the message frame's data, copied to the socket as they are)
 *   CLOSE   (head only: the shard dropped this subscriber)
 */

export const HEAD = 8;
export const OFF_OP = 0;
export const OFF_A = 1;
export const OFF_B = 2;
export const OFF_C = 3;
export const OFF_CONN = 4;

// inbound ops
export const IN_PUB = 1;
export const IN_SUB = 2;
export const IN_RDY = 3;
export const IN_FIN = 4;
export const IN_REQ = 5;
export const IN_TOUCH = 6;
export const IN_CLS = 7;
export const IN_GONE = 8;

// outbound ops
export const OUT_OK = 1;
export const OUT_ERR = 2;
export const OUT_MSG = 3;
export const OUT_CLOSE = 4;

export const ID_LENGTH = 16;
/** PUB record fields after the head */
export const PUB_FIXED = 8;
/** SUB record fields after the head */
export const SUB_FIXED = 8;
/** MSG record fields after the head, before the body: tsHi, tsLo, attempts, id */
export const MSG_FIXED = 4 + 4 + 2 + ID_LENGTH;
