/**
 * What every session on the io thread shares: the options, the links to the shards and the body
 * size rules derived from the options. Built once by the broker; read-only.
 */

import type { BodyRules } from '../../wire/parser.js';
import type { ShardLink } from '../contract/shard.js';
import type { Options } from '../options/options.js';

export interface ServerContext {
  readonly options: Options;
  readonly links: readonly ShardLink[];
  readonly rules: BodyRules;
}
