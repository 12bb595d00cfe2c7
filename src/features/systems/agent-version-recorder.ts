import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import { agentVersionOf } from './agent-version.ts';
import type { AuthenticatedSystem } from './system-authenticator.ts';
import type { SystemsStore } from './systems-store.ts';

export interface AgentVersionRecorderDeps {
  store: Pick<SystemsStore, 'setAgentVersion'>;
  clock: Clock;
  logger: Logger;
}

export interface AgentVersionRecorder {
  /**
   * Records the agent version an appliance request's User-Agent names, when it differs from the
   * one this node knows for the system (`system.agentVersion`). Synchronous and never throws: the
   * write runs beside the request, which never waits for it.
   */
  note(system: AuthenticatedSystem, userAgent: string | undefined): void;
  /** Waits for the writes in flight (at shutdown, before the database closes). */
  drain(): Promise<void>;
}

/**
 * Agent versions are written on change, not per request: a heartbeat (the hottest path) compares
 * two strings and writes nothing while its agent keeps its version. The known version travels
 * with the system's cached credentials (read from the database when they are verified), so a
 * node learns what is stored without asking; another node's stale knowledge costs one UPDATE
 * that changes nothing (`IS DISTINCT FROM`). A system has at most one write in flight: a request
 * naming yet another version meanwhile is left to the next request. A failed write is logged
 * and leaves the known version as it was, so the next request tries again.
 */
export function createAgentVersionRecorder(deps: AgentVersionRecorderDeps): AgentVersionRecorder {
  // System id → the write in flight for it.
  const writing = new Map<string, Promise<void>>();

  function write(system: AuthenticatedSystem, version: string): Promise<void> {
    return deps.store.setAgentVersion(system.id, version, deps.clock.now()).then(
      () => {
        system.agentVersion = version;
      },
      (error: unknown) => {
        deps.logger.warn({ err: error, systemId: system.id, agentVersion: version }, 'could not record the agent version; the next request retries');
      },
    );
  }

  return {
    note(system, userAgent) {
      const version = agentVersionOf(userAgent);
      if (version === undefined || version === system.agentVersion || writing.has(system.id)) return;
      const pending = write(system, version).finally(() => writing.delete(system.id));
      writing.set(system.id, pending);
    },

    async drain() {
      await Promise.all(writing.values());
    },
  };
}
