/**
 * nsqadmin's composition root and lifecycle: builds the context (HTTP client, ClusterInfo, auth,
 * notifier, assets, poll loop, tails) from the options, listens, and closes it all once. The one
 * place that knows every part; no request handling of its own.
 */

import { formatAddress, parseListenAddress } from '../go/address.js';
import { goListenError } from '../go/errors.js';
import { versionString } from '../go/version.js';
import type { HttpServerAdapter } from '../http/adapter.js';
import { startHttpServer } from '../http/server.js';
import type { Logger } from '../log.js';
import { Auth, readUsersFile } from './auth.js';
import { ClusterInfo } from './cluster.js';
import type { AdminContext } from './context.js';
import { StatsPoller } from './ext/poller.js';
import { TailManager } from './ext/tail.js';
import { Notifier } from './notify.js';
import type { AdminOptions } from './options.js';
import { adminRouteTable } from './routes.js';
import { StaticAssets } from './static.js';
import { Upstream } from './upstream.js';

export class AdminServer {
  readonly ctx: AdminContext;
  private http: HttpServerAdapter | null = null;
  private closing: Promise<void> | null = null;
  /** host:port as the listening line printed it */
  private listening = '';

  private constructor(ctx: AdminContext) {
    this.ctx = ctx;
  }

  /** the bound HTTP port */
  get port(): number {
    return this.http?.port ?? -1;
  }

  /** builds everything and listens; throws Go's instantiate/listen texts */
  static async start(opts: AdminOptions, log: Logger, uiDir?: string): Promise<AdminServer> {
    let upstream: Upstream;
    try {
      upstream = new Upstream(opts.httpClientConnectTimeout, opts.httpClientRequestTimeout, {
        insecureSkipVerify: opts.httpClientTlsInsecureSkipVerify,
        rootCaFile: opts.httpClientTlsRootCaFile,
        cert: opts.httpClientTlsCert,
        key: opts.httpClientTlsKey,
      });
    } catch (err) {
      throw new Error(
        `failed to instantiate nsqadmin - failed to load TLS files - ${(err as Error).message}`,
      );
    }
    let users = null;
    if (opts.adminUsersFile !== '') {
      try {
        users = readUsersFile(opts.adminUsersFile);
      } catch (err) {
        throw new Error(`failed to instantiate nsqadmin - --admin-users-file: ${(err as Error).message}`);
      }
    }
    const ci = new ClusterInfo(upstream, { info: (m) => log.info(m) });
    const pollCi = new ClusterInfo(upstream, { info: (m) => log.debug(m) });
    const poller =
      opts.statsInterval > 0
        ? new StatsPoller(
            pollCi,
            {
              intervalMs: opts.statsInterval,
              windowMs: opts.statsWindow,
              lookupds: () => opts.lookupdHttpAddresses,
              nsqds: () => opts.nsqdHttpAddresses,
            },
            log,
          )
        : null;
    const ctx: AdminContext = {
      opts,
      ci,
      upstream,
      log,
      notifier: new Notifier(() => opts.notificationHttpEndpoint, upstream, log),
      auth: new Auth(() => ({ adminUsers: opts.adminUsers, aclHttpHeader: opts.aclHttpHeader }), users),
      assets: new StaticAssets(uiDir),
      poller,
      tails: new TailManager(),
      onChange: () => poller?.poke(),
    };
    const server = new AdminServer(ctx);
    log.info(versionString('nsqadmin'));
    if (!ctx.assets.built) log.warn(`UI bundle missing in ${ctx.assets.dir}: run npm run build`);
    const addr = parseListenAddress('http-address', opts.httpAddress);
    try {
      server.http = await startHttpServer(opts.httpAddress, opts.httpServer, adminRouteTable(ctx, log), log);
    } catch (err) {
      ctx.tails.closeAll();
      upstream.close();
      const shown = addr.kind === 'tcp' ? formatAddress(addr.host, addr.port) : opts.httpAddress;
      throw new Error(`listen (${opts.httpAddress}) failed - ${goListenError(shown, err)}`);
    }
    server.listening = addr.kind === 'tcp' ? formatAddress(addr.host, server.port) : opts.httpAddress;
    poller?.start();
    return server;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ctx.poller?.stop();
      this.ctx.tails.closeAll();
      if (this.http !== null) {
        this.ctx.log.info(`HTTP: closing ${this.listening}`);
        await this.http.close();
      }
      await this.ctx.notifier.idle(1000);
      this.ctx.upstream.close();
    })();
    return this.closing;
  }
}
