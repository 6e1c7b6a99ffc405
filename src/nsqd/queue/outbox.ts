/**
 * What a shard says back to the io thread, as an interface the shard core calls without knowing
 * whether it runs inline (direct calls into connections) or in a worker (records on the outbound
 * ring). Owns nothing.
 */

import type { ProtocolError } from '../../wire/errors.js';
import type { Message } from './message.js';

export interface Outbox {
  /** one `OK` response for the connection's oldest command awaiting a shard answer */
  ok(conn: number): void;
  /** an error frame; fatal ones also answer the oldest awaiting command and close the connection */
  error(conn: number, err: ProtocolError): void;
  /** a message frame; `flush` = the consumer is no longer ready, so the io thread flushes now */
  deliver(conn: number, msg: Message, flush: boolean): void;
  /** the shard dropped this subscriber (its topic or channel was deleted): close the connection */
  close(conn: number): void;
}
