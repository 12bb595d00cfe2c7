import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFixtureCollector, createMachineCollector } from './collect/collector.ts';
import { createCredentialsGate } from './credentials-gate.ts';
import type { Logger } from './log.ts';
import { createMusterClient, type MusterClient } from './muster-client.ts';
import type { ReportDeps } from './reports.ts';
import { SettingsError, type Settings } from './settings.ts';
import { openSpool } from './spool.ts';
import { statusFile } from './status-file.ts';

export interface AgentContext extends ReportDeps {
  settings: Settings;
  /** Replaces the credentials (a new secret was stored) for every request from now on. */
  useCredentials(systemKey: string, systemSecret: string): void;
}

export async function readCa(settings: Settings): Promise<Buffer | undefined> {
  return settings.caFile === undefined ? undefined : readFile(settings.caFile);
}

/** Everything a command that reports needs: the client with the system's credentials, the spool, the status file and the collector. */
export async function openAgentContext(settings: Settings, log: Logger): Promise<AgentContext> {
  const { url, systemKey, systemSecret } = settings;
  if (url === undefined || systemKey === undefined || systemSecret === undefined)
    throw new SettingsError('not registered yet: run muster-agent register --url URL --secret SECRET first (or name the config file with --config)');
  const ca = await readCa(settings);
  await mkdir(settings.stateDir, { recursive: true, mode: 0o700 });
  const makeClient = (key: string, secret: string) =>
    createMusterClient({ url, credentials: { systemKey: key, systemSecret: secret }, ca, timeoutMs: settings.requestTimeoutSeconds * 1000 });
  let client: MusterClient = makeClient(systemKey, systemSecret);
  return {
    settings,
    log,
    client: () => client,
    useCredentials(key, secret) {
      client = makeClient(key, secret);
    },
    gate: createCredentialsGate(),
    status: statusFile(settings.stateDir),
    spool: await openSpool(path.join(settings.stateDir, 'spool'), settings.spoolMaxBytes),
    collector: settings.fixture === undefined ? createMachineCollector(settings.custom) : createFixtureCollector(settings.fixture),
  };
}
