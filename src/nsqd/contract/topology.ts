/**
 * What a shard tells the io thread about its topics and channels coming and going, for the lookupd
 * registrar (nsqd's Notify into its lookup loop). Plain data: it crosses threads by postMessage.
 * Owns no state.
 */

export interface TopologyChange {
  topic: string;
  /** '' when the change is the topic's own */
  channel: string;
  /** deleted (REGISTER when false, UNREGISTER when true) */
  gone: boolean;
  /**
   * a new topic that holds its messages until the io thread has asked the lookupds for its channels
   * and sent `startTopic` (nsqd's GetTopic, which starts the topic only after pre-creating them)
   */
  waiting: boolean;
}
