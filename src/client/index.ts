/**
 * The nsq-ts client: `import { Producer, Consumer } from 'nsq-ts'`. A TypeScript twin of go-nsq v1.1.0
 * (same config options and defaults, RDY distribution, backoff, lookupd discovery and stop), built on
 * the project's wire codec. See producer.ts and consumer.ts for examples.
 */

export {
  type BackoffStrategyName,
  CLIENT_VERSION,
  type Config,
  newConfig,
  resolveConfig,
  setConfigOption,
  validateConfig,
} from './config.js';
export { Consumer, type ConsumerOptions, type ConsumerStats } from './consumer.js';
export type { Handler } from './dispatch.js';
export { type ClientErrorCode, NsqClientError } from './errors.js';
export type { ClientLogLevel, ClientLogSink } from './log.js';
export { Message } from './message.js';
export { Batcher, type BatcherOptions, type Body, Producer, type ProducerOptions } from './producer.js';
