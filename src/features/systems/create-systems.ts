import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import { createTransactionHook, type TransactionListener } from '../../db/transaction-hook.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import { createAgentVersionRecorder } from './agent-version-recorder.ts';
import { applianceSystemsRoutes } from './appliance-routes.ts';
import { createPeerReports } from './peer-reports.ts';
import { createPeerSystems } from './peer-systems.ts';
import { createPeerSystemsStore } from './peer-systems-store.ts';
import { createSystemAuthenticator } from './system-authenticator.ts';
import { systemsRoutes } from './systems-routes.ts';
import { createSystemsService } from './systems-service.ts';
import { createSystemsStore } from './systems-store.ts';

export interface SystemsDeps {
  db: Db;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  config: Pick<
    Config,
    | 'systemKeyPrefix'
    | 'systemAuthCacheTtlSeconds'
    | 'systemAuthCacheSize'
    | 'dialectMaxSystemsPerOrganization'
    | 'registerRateLimitPerMinute'
    | 'heartbeatMaxPending'
  >;
  organizations: Pick<OrganizationsService, 'find' | 'findDefault'>;
}

/** Systems: their lifecycle and credentials, and the authentication of appliances. */
export function createSystems(deps: SystemsDeps) {
  const { db, config } = deps;
  const store = createSystemsStore(db);
  const agentVersions = createAgentVersionRecorder({ store, clock: deps.clock, logger: deps.logger });
  const authenticator = createSystemAuthenticator({
    db,
    store,
    systemKeyPrefix: config.systemKeyPrefix,
    cacheTtlSeconds: config.systemAuthCacheTtlSeconds,
    cacheSize: config.systemAuthCacheSize,
    agentVersions,
  });
  const registered = createTransactionHook<[systemId: string, at: Date]>();
  const destroying = createTransactionHook<[systemId: string]>();
  const settingAside = createTransactionHook<[systemId: string, at: Date]>();
  const service = createSystemsService({
    db,
    store,
    organizations: deps.organizations,
    authenticator,
    clock: deps.clock,
    systemKeyPrefix: config.systemKeyPrefix,
    onRegistered: registered.run,
    onDestroy: destroying.run,
    onSetAside: settingAside.run,
  });
  deps.metrics.setSystemStatusCounter(() => service.countByStatus());
  const peers = createPeerSystems({
    db,
    store: createPeerSystemsStore(),
    clock: deps.clock,
    systemKeyPrefix: config.systemKeyPrefix,
    maxPerOrganization: config.dialectMaxSystemsPerOrganization,
    cacheSize: config.systemAuthCacheSize,
    logger: deps.logger,
  });

  const peerReports = createPeerReports({ db, logger: deps.logger, maxPending: config.heartbeatMaxPending });

  return {
    service,
    authenticator,
    /** The systems dialects create for their peers' components. */
    peers,
    /** Their latest reports as the peers sent them, for the dialects' own views. */
    peerReports,
    /** Runs `listener` in the transaction in which an appliance registers. */
    onRegistered(listener: TransactionListener<[systemId: string, at: Date]>): void {
      registered.add(listener);
    },
    /** Runs `listener` in the transaction that destroys a system, before its rows go. */
    onDestroy(listener: TransactionListener<[systemId: string]>): void {
      destroying.add(listener);
    },
    /** Runs `listener` in the transaction that suspends or deletes a system (culling included). */
    onSetAside(listener: TransactionListener<[systemId: string, at: Date]>): void {
      settingAside.add(listener);
    },
    mount: {
      applianceRoutes: [applianceSystemsRoutes(service, authenticator, config.registerRateLimitPerMinute)],
      managementRoutes: [systemsRoutes(service)],
      // Other nodes' credential changes reach this node's authentication cache.
      start: () => authenticator.listen(),
      drain: async () => {
        await Promise.all([peerReports.drain(), agentVersions.drain()]);
      },
    } satisfies FeatureMount,
  };
}

export type Systems = ReturnType<typeof createSystems>;
