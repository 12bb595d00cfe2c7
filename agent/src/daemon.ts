import type { AgentContext } from './agent-context.ts';
import { readConfigFile } from './config-file.ts';
import { pidLock } from './pid-lock.ts';
import { sendHeartbeat, spoolInventoryIfDue, spoolMetrics } from './reports.ts';
import { repeat } from './schedule.ts';
import { createSpoolSender } from './spool-sender.ts';
import { AGENT_VERSION } from './version.ts';

/**
 * `muster-agent run`: heartbeats, metrics and inventory checks on their jittered schedules, the
 * spool sent in the background, the config file re-read for a new secret after a 401. SIGHUP
 * (`once`, `systemctl reload`) re-reads it at once and sends what was spooled meanwhile. SIGTERM
 * and SIGINT stop it once the request in flight is answered.
 */
export async function runDaemon(context: AgentContext, configFile: string): Promise<number> {
  const { settings, log } = context;
  const lock = pidLock(settings.stateDir);
  const acquired = await lock.acquire();
  if (!acquired.acquired) {
    log.error('another muster-agent is running on this state directory', { pid: acquired.pid, state_dir: settings.stateDir });
    return 1;
  }
  const sender = createSpoolSender({ ...context, retryMaxMs: settings.retryMaxSeconds * 1000 });
  const task = (name: string, work: () => Promise<unknown>) => async () => {
    try {
      await work();
    } catch (error) {
      log.error(`${name} failed`, { error: (error as Error).message });
      await context.status.update((status) => void (status.lastError = { at: new Date().toISOString(), kind: name, message: (error as Error).message }));
    }
  };
  let credentials = { key: settings.systemKey, secret: settings.systemSecret };
  const lookForNewSecret = async () => {
    const file = await readConfigFile(configFile);
    const key = typeof file.system_key === 'string' ? file.system_key : credentials.key;
    const secret = typeof file.system_secret === 'string' ? file.system_secret : credentials.secret;
    if (key === credentials.key && secret === credentials.secret) return;
    credentials = { key, secret };
    context.useCredentials(key!, secret!);
    if (context.gate.refusal !== undefined) {
      log.info('new credentials in the config file: sending again');
      context.gate.open();
      await context.status.update((status) => void (status.refused = undefined));
    }
  };

  const jitter = settings.jitter;
  const schedules = [
    repeat(
      task('heartbeat', () => sendHeartbeat(context)),
      { intervalMs: settings.heartbeatIntervalSeconds * 1000, jitter },
    ),
    repeat(
      task('metrics', async () => {
        await spoolMetrics(context);
        sender.wake();
      }),
      { intervalMs: settings.metricsIntervalSeconds * 1000, jitter },
    ),
    repeat(
      task('inventory', async () => {
        if (await spoolInventoryIfDue(context, settings.inventoryIntervalSeconds * 1000)) sender.wake();
      }),
      { intervalMs: settings.inventoryCheckSeconds * 1000, jitter },
    ),
    repeat(
      task('credentials', async () => {
        if (context.gate.refusal !== undefined) await lookForNewSecret();
      }),
      { intervalMs: settings.credentialsCheckSeconds * 1000, jitter: 0 },
    ),
  ];
  const sending = sender.loop();
  log.info('muster-agent started', {
    version: AGENT_VERSION,
    url: settings.url,
    state_dir: settings.stateDir,
    pid: process.pid,
  });

  const onHangup = () => {
    sender.wake();
    void task('credentials', lookForNewSecret)();
  };
  process.on('SIGHUP', onHangup);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping', { signal });
  process.off('SIGHUP', onHangup);
  sender.stop();
  await Promise.all(schedules.map((schedule) => schedule.stop()));
  await sending;
  await lock.release();
  log.info('stopped');
  return 0;
}
