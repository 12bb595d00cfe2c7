import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prometheusFamilyDaemon, type RunningDaemon } from './prometheus-family.ts';

/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`, 0.25 on bookworm; `.ci/run` installs
 * it) for tests, on a random loopback port with the cluster listener disabled, a temporary
 * config and a temporary storage path. See docs/research/alertmanager-api-v2.md for its API.
 */
export type TestAlertmanager = RunningDaemon;

export interface AlertmanagerOptions {
  /** The config's `route` (default: receiver `null`, group_wait/group_interval 1s). */
  route?: object;
  /** The config's `receivers` (default: one receiver `null` without integrations). */
  receivers?: object[];
}

const daemon = (config: object) =>
  prometheusFamilyDaemon({
    name: 'Alertmanager',
    binaryVariable: 'ALERTMANAGER_BIN',
    candidates: ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager'],
    package: "Debian's prometheus-alertmanager",
    tempPrefix: 'muster-alertmanager-',
    readyTimeoutMs: 20_000,
    async prepare(dir, port) {
      // JSON is YAML, which is what Alertmanager reads.
      const configFile = join(dir, 'alertmanager.yml');
      await writeFile(configFile, JSON.stringify(config, null, 2));
      return [`--config.file=${configFile}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='];
    },
  });

/**
 * Whether the Alertmanager tests can run. Outside CI a missing binary means "skip"; with
 * CI=true it throws, so the suite cannot silently lose these tests.
 */
export const alertmanagerAvailable = (): boolean => daemon({}).available();

/** Starts Alertmanager and resolves once `GET /-/ready` answers 200 (throws after 20 s). */
export function startAlertmanager(options: AlertmanagerOptions = {}): Promise<TestAlertmanager> {
  return daemon({
    route: options.route ?? { receiver: 'null', group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: options.receivers ?? [{ name: 'null' }],
  }).start();
}
