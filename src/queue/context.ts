/**
 * What every topic and channel of one shard shares: the outbox, the options it needs, and the
 * clock. Plain data plus three functions; owned by the shard core.
 */

import type { Options } from '../options/options.js';
import type { Outbox } from './outbox.js';

export interface ShardContext {
  readonly outbox: Outbox;
  readonly options: Options;
  /** ms since the epoch, with sub-ms precision */
  now(): number;
  /** ns since the epoch (a double), for publish timestamps and e2e latency */
  wallNs(): number;
  /** uniform in [0, 1), replaceable in tests */
  random(): number;
  /** a channel asks to be forgotten (ephemeral, last consumer gone) */
  channelEmptied(channel: import('./channel.js').Channel): void;
}
