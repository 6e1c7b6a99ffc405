/**
 * What every session on the io thread shares: the options, the links to the shards, the body
 * size rules derived from the options, the logger and the auth servers' client. Built once by the broker; read-only.
 */

import type { Logger } from '../../log.js';
import type { BodyRules } from '../../wire/parser.js';
import type { AuthClient } from '../auth/query.js';
import type { ShardLink } from '../contract/shard.js';
import type { Options } from '../options/options.js';

export interface ServerContext {
  readonly options: Options;
  readonly links: readonly ShardLink[];
  readonly rules: BodyRules;
  /** nsqd's log: connects, IDENTIFY, protocol errors, disconnects; commands and deliveries at debug */
  readonly log: Logger;
  /** the auth servers' client when --auth-http-address is set (AUTH required), else null */
  readonly auth: AuthClient | null;
}
