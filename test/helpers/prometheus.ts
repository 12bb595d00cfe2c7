import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prometheusFamilyDaemon, type RunningDaemon } from './prometheus-family.ts';

/**
 * A real Prometheus (Debian's `prometheus`, 2.42 on bookworm; `.ci/run` installs it) for tests,
 * with the remote-write receiver on (`POST /api/v1/write`), an empty config (it scrapes
 * nothing), a temporary TSDB, on a random loopback port. Query it through `/api/v1/query`.
 */
export interface TestPrometheus extends RunningDaemon {
  /** Where remote write goes: `${url}/api/v1/write`. */
  remoteWriteUrl: string;
}

const daemon = prometheusFamilyDaemon({
  name: 'Prometheus',
  binaryVariable: 'PROMETHEUS_BIN',
  candidates: ['/usr/bin/prometheus', '/usr/local/bin/prometheus'],
  package: "Debian's prometheus",
  tempPrefix: 'muster-prometheus-',
  readyTimeoutMs: 30_000,
  async prepare(dir, port) {
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, '');
    return [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
    ];
  },
});

/**
 * Whether the Prometheus tests can run. Outside CI a missing binary means "skip"; with CI=true
 * it throws, so the suite cannot silently lose these tests.
 */
export const prometheusAvailable = (): boolean => daemon.available();

/** Starts Prometheus and resolves once `GET /-/ready` answers 200 (throws after 30 s). */
export async function startPrometheus(): Promise<TestPrometheus> {
  const running = await daemon.start();
  return { ...running, remoteWriteUrl: `${running.url}/api/v1/write` };
}
