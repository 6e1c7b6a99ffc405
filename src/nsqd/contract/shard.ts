/**
 * The one contract for the arrow between the io thread and the shards, whichever way a shard runs:
 * inline (--workers=0, direct calls) or in a worker (records on two rings, see
 * shard/ring-records.ts). Commands go in (ShardCommands, through a ShardLink), answers come out
 * (ShardAnswers); the op codes name both on the rings; the timings are the ones both ends of a ring
 * share. It sits at the program's root, below queue/ (whose shard core implements the commands and
 * calls the answers) and shard/ (which hosts that core), so neither imports the other's folder for
 * it. Owns no state.
 */

import type { ProtocolError } from '../../wire/errors.js';

// ---- publish kinds: which command published, for its answer (E_PUB_FAILED, E_MPUB_FAILED, ...) ----

export const PUB = 0;
export const MPUB = 1;
export const DPUB = 2;
export type PubKind = typeof PUB | typeof MPUB | typeof DPUB;

/**
 * The `conn` of a publish the io thread has answered OK already, when it committed the publish to
 * a link whose `preAcks` was true: the shard answers nothing for it, and a message it cannot put
 * on disk stays in memory (the shard turns unhealthy) instead of failing. Connection ids start at 1.
 */
export const PREACKED = 0;

/**
 * A connection id's top byte names the io thread that owns the connection (0: the main thread;
 * --io-threads); the low 24 bits count within that thread. A shard answers through the rings of
 * the io thread the id names, so per-connection state and reply order never cross io threads.
 */
export const IO_THREAD_SHIFT = 24;
/** the most io threads (--io-threads) */
export const MAX_IO_THREADS = 64;

/** the io thread that owns connection `conn` */
export function ioThreadOf(conn: number): number {
  return conn >>> IO_THREAD_SHIFT;
}

// ---- commands: io thread → shard ----

/** what a shard does for the io thread; `conn` is the connection's (or HTTP publish's) id */
export interface ShardCommands {
  /** PUB or DPUB (`kind`): `buf[start, end)` is the one body; `deferMs` 0 for PUB */
  publishOne(
    conn: number,
    kind: PubKind,
    topic: string,
    deferMs: number,
    buf: Buffer,
    start: number,
    end: number,
  ): void;
  /**
   * MPUB: `buf[start, end)` is `[u32 size][body]...` for `count` messages (the wire layout after the
   * count); `deferMs` > 0 only for HTTP /mpub?defer= (beyond nsqd 1.3.0: upstream PR #1504)
   */
  publishBatch(
    conn: number,
    topic: string,
    buf: Buffer,
    start: number,
    end: number,
    count: number,
    deferMs: number,
  ): void;
  subscribe(conn: number, topic: string, channel: string, msgTimeout: number, sampleRate: number): void;
  ready(conn: number, count: number): void;
  /** FIN, REQ, TOUCH: the message's 16-byte hex ID is `buf[idStart, idStart + 16)` */
  finish(conn: number, buf: Buffer, idStart: number): void;
  requeue(conn: number, buf: Buffer, idStart: number, delayMs: number): void;
  touch(conn: number, buf: Buffer, idStart: number): void;
  /** CLS: no more deliveries to this connection; FIN/REQ/TOUCH keep working */
  startClose(conn: number): void;
  /** the connection is gone */
  disconnect(conn: number): void;
  /**
   * Beyond nsqd: a dead letter from another shard for `topic`, which this shard owns. `buf[start,
   * end)` is the message as a frame's data (timestamp, attempts, ID, body; disk-message.ts):
   * kept with its ID, timestamp and attempts. Nobody waits for an answer.
   */
  adopt(topic: string, buf: Buffer, start: number, end: number): void;
}

/**
 * The io thread's handle on one shard: the same commands, each answering `false` when the shard's
 * inbound ring is full right now (the caller stalls and retries on ShardAnswers.ringSpace). An
 * inline shard never refuses. `disconnect` is never refused: a link queues it until there is room.
 */
export type ShardLink = {
  readonly index: number;
  /**
   * A publish this link accepts may be answered OK at once, with conn PREACKED: the shard runs on
   * another thread, is healthy, and OK does not promise an fsync (no --sync-publish). Once the
   * shard reports a failed write this is false, and publishes wait for the shard's answer again,
   * as nsqd's do.
   */
  readonly preAcks: boolean;
} & {
  readonly [K in Exclude<keyof ShardCommands, 'disconnect'>]: (
    ...args: Parameters<ShardCommands[K]>
  ) => boolean;
} & Pick<ShardCommands, 'disconnect'>;

// ---- answers: shard → io thread ----

/**
 * A message as an inline shard hands it to a connection's writer: the frame header's fields and
 * where the body lies (batch.slab[offset + batch.shift], length bytes). The shard's Message is one.
 */
export interface OutgoingMessage {
  readonly idHi: number;
  readonly idLo: number;
  readonly attempts: number;
  readonly offset: number;
  readonly length: number;
  readonly batch: {
    readonly slab: Buffer;
    readonly shift: number;
    readonly tsHi: number;
    readonly tsLo: number;
  };
}

/**
 * What shards say to the io thread, and what each of its peers (a TCP connection, an HTTP publish)
 * hears: the io thread's table implements it by handing each answer to the peer `conn` names.
 * The shard core calls the first four (CoreAnswers); a worker's answers cross its outbound ring and
 * arrive with a message as its encoded frame (deliverFrame); the shard host adds the last two.
 */
export interface ShardAnswers {
  /** one `OK` for the connection's oldest command awaiting a shard answer */
  ok(conn: number): void;
  /** an error frame; a fatal one also answers the oldest awaiting command and closes the connection */
  error(conn: number, err: ProtocolError): void;
  /** a message frame; `flush`: the consumer is no longer ready, so write it out now */
  deliver(conn: number, msg: OutgoingMessage, flush: boolean): void;
  /** a message frame from a worker: `buf[start, end)` is the frame's data (ts, attempts, id, body) */
  deliverFrame(conn: number, buf: Buffer, start: number, end: number, flush: boolean): void;
  /** the shard dropped this subscriber (its topic or channel was deleted): close the connection */
  close(conn: number): void;
  /** shard `index` crashed and was restarted: close whatever depended on it */
  shardLost(index: number): void;
  /** a full inbound ring may have room again: retry what stalled on it */
  ringSpace(): void;
}

/**
 * Beyond nsqd: dead letters for a topic another shard owns, which the io thread hands on
 * (ShardCommands.adopt). Only the io thread's table hears them, no peer; never called inline (one
 * shard owns every topic).
 */
export interface ForwardAnswers {
  forward(topic: string, msg: OutgoingMessage): void;
  /** the same from a worker's ring: `buf[start, end)` is the message as a frame's data */
  forwardFrame(topic: string, buf: Buffer, start: number, end: number): void;
}

/** everything the io thread hears from shards: its table implements it */
export type IoAnswers = ShardAnswers & ForwardAnswers;

/** the answers the shard core gives, by whatever carries them to the io thread */
export type CoreAnswers = Pick<ShardAnswers, 'ok' | 'error' | 'deliver' | 'close'> &
  Pick<ForwardAnswers, 'forward'>;

// ---- op codes: a record's first byte on the rings ----

/** inbound ring (io thread → shard): one per ShardCommands method */
export const IN_PUB_ONE = 1;
export const IN_PUB_BATCH = 2;
export const IN_SUB = 3;
export const IN_RDY = 4;
export const IN_FIN = 5;
export const IN_REQ = 6;
export const IN_TOUCH = 7;
export const IN_CLS = 8;
export const IN_GONE = 9;
export const IN_ADOPT = 10;
/**
 * With several io threads: the first record of every batch an io thread publishes, carrying the
 * batch's place (u32 after the head) in its shard's publish order; the shard takes batches from its
 * rings in that order, so a command sent after an OK seen on another thread comes after it
 * (shard/inbound-order.ts)
 */
export const IN_MARK = 11;

/** outbound ring (shard → io thread): one per CoreAnswers method */
export const OUT_OK = 1;
export const OUT_ERR = 2;
export const OUT_MSG = 3;
export const OUT_CLOSE = 4;
export const OUT_FORWARD = 5;

// ---- timing both ends of a ring share ----

/** after its last record, how long a ring's consumer keeps looking once per event-loop turn before it sleeps on the doorbell */
export const RING_SPIN_MS = 0.5;
/** the longest either end sleeps on a doorbell (data or space) before looking anyway: a missed ring costs at most this */
export const DOORBELL_TIMEOUT_MS = 100;
/**
 * A ring consumer that has found nothing for IDLE_AFTER_MS sleeps this long between looks instead
 * (the doorbell still wakes it at once): an idle node wakes its threads 1×/s, not 10×/s
 */
export const IDLE_DOORBELL_TIMEOUT_MS = 1000;
export const IDLE_AFTER_MS = 1000;
