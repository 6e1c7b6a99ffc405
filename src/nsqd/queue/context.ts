/**
 * What every topic and channel of one shard shares: its answers to the io thread, the disk side,
 * the options it needs, the clocks, and the callbacks up to the shard core. Owned by the shard core.
 */

import type { Logger } from '../../log.js';
import type { CoreAnswers } from '../contract/shard.js';
import type { TopologyChange } from '../contract/topology.js';
import type { Options } from '../options/options.js';
import type { ShardDisk } from './shard-disk.js';

export interface ShardContext {
  /** what the shard says to the io thread (shard-contract.ts) */
  readonly outbox: CoreAnswers;
  readonly options: Options;
  /**
   * the shard clock for deadlines and due times: whole ms since the shard's thread started (small
   * integers, so they stay unboxed), not wall time; tests drive their own
   */
  now(): number;
  /** ns since the epoch (a double), for publish timestamps and e2e latency */
  wallNs(): number;
  /** uniform in [0, 1), replaceable in tests */
  random(): number;
  /** the shard's logger (topic and channel events, as nsqd logs them) */
  readonly log: Logger;
  /** --sync-publish: new messages go to disk (and are fsynced) before they are acknowledged */
  readonly durable: boolean;
  /** the disk queues of this shard */
  readonly disk: ShardDisk;
  /** a topic has messages on disk to hand to its channels: drain them in slices, off this call */
  scheduleDrain(topic: import('./topic.js').Topic): void;
  /** a non-ephemeral topic or channel was created or deleted, or a pause flag changed (nsqd.dat) */
  metaChanged(): void;
  /** a topic or channel came or went (ephemeral ones too): for the lookupd registrar */
  topologyChanged(ev: TopologyChange): void;
  /** a channel asks to be forgotten (ephemeral, last consumer gone) */
  channelEmptied(channel: import('./channel.js').Channel): void;
}
