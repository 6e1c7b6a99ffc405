/**
 * What every nsqadmin handler is given: the live options (PUT /config swaps some), the cluster
 * client, the logger, the notifier, the auth rules, and the nsq-ts extras (poll loop, tails).
 * Types only; the composition root (server.ts) builds it.
 */

import type { Logger } from '../log.js';
import type { Auth } from './auth.js';
import type { ClusterInfo } from './cluster.js';
import type { StatsPoller } from './ext/poller.js';
import type { TailManager } from './ext/tail.js';
import type { Notifier } from './notify.js';
import type { AdminOptions } from './options.js';
import type { StaticAssets } from './static.js';
import type { Upstream } from './upstream.js';

export interface AdminContext {
  opts: AdminOptions;
  ci: ClusterInfo;
  /** the HTTP client ClusterInfo uses (graphite, notifications) */
  upstream: Upstream;
  log: Logger;
  notifier: Notifier;
  auth: Auth;
  assets: StaticAssets;
  /** null with --stats-interval=0 */
  poller: StatsPoller | null;
  tails: TailManager;
  /** an admin action changed the cluster: poll again now */
  onChange(): void;
}
