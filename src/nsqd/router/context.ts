/**
 * What every session on the io thread shares: the options, the links to the shards, the body
 * size rules derived from the options, the logger, the TLS upgrader, the auth servers' client and
 * the drain flag's reader. Built once by the broker; read-only.
 */

import type { Logger } from '../../log.js';
import type { BodyRules } from '../../wire/parser.js';
import type { TlsUpgrader } from '../acceptor/tls.js';
import type { AuthClient } from '../auth/query.js';
import type { ShardLink } from '../contract/shard.js';
import type { Options } from '../options/options.js';

export interface ServerContext {
  readonly options: Options;
  readonly links: readonly ShardLink[];
  readonly rules: BodyRules;
  /** nsqd's log: connects, IDENTIFY, protocol errors, disconnects; commands and deliveries at debug */
  readonly log: Logger;
  /** the TLS upgrade for IDENTIFY's tls_v1; null without --tls-cert/--tls-key */
  readonly tls: TlsUpgrader | null;
  /** the auth servers' client when --auth-http-address is set (AUTH required), else null */
  readonly auth: AuthClient | null;
  /** drain mode (nsq-ts, ../drain.ts): while active, publishes are refused */
  readonly drain?: { readonly active: boolean };
}
