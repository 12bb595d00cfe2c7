import { readCa } from './agent-context.ts';
import { readConfigFile, updateConfigFile } from './config-file.ts';
import { createMusterClient } from './muster-client.ts';
import { pidLock } from './pid-lock.ts';
import type { Settings } from './settings.ts';

/**
 * `muster-agent register`: trades the secret an operator created the system with for its key
 * (POST /api/systems/register) and stores URL, key and secret in the config file. A system that
 * is registered already (409) whose key the config file holds is given the new secret instead,
 * once Muster accepts the pair (the secret was regenerated).
 */
export async function register(settings: Settings, configFile: string, secret: string): Promise<{ ok: boolean; message: string }> {
  if (settings.url === undefined) return { ok: false, message: 'register needs --url (or MUSTER_AGENT_URL, or "url" in the config file)' };
  const url = settings.url;
  const ca = await readCa(settings);
  const timeoutMs = settings.requestTimeoutSeconds * 1000;
  const anonymous = createMusterClient({ url, credentials: undefined, ca, timeoutMs });
  const { outcome } = await anonymous.post('/api/systems/register', { system_secret: secret });
  if (outcome.kind === 'ok') {
    const systemKey = (outcome.body as { data?: { system_key?: string } }).data?.system_key;
    if (!systemKey) return { ok: false, message: 'Muster answered the registration without a system key' };
    await updateConfigFile(configFile, { url, system_key: systemKey, system_secret: secret });
    return { ok: true, message: `registered as ${systemKey}; credentials stored in ${configFile}` };
  }
  const status = outcome.kind === 'rejected' ? outcome.status : undefined;
  const known = (await readConfigFile(configFile)).system_key;
  if (status === 409 && typeof known === 'string') {
    const client = createMusterClient({ url, credentials: { systemKey: known, systemSecret: secret }, ca, timeoutMs });
    const check = await client.get('/api/systems/info');
    if (check.outcome.kind === 'ok') {
      await updateConfigFile(configFile, { url, system_secret: secret });
      // A daemon waiting after a 401 takes the new secret at once on SIGHUP (else within credentials_check_interval).
      const daemon = await pidLock(settings.stateDir).holder();
      if (daemon !== undefined) process.kill(daemon, 'SIGHUP');
      return { ok: true, message: `${known} is registered already: its new secret is stored in ${configFile}` };
    }
    return { ok: false, message: `${known} is registered already and Muster refused this secret for it (${describe(check.outcome)})` };
  }
  return { ok: false, message: `registration failed: ${describe(outcome)}` };
}

function describe(outcome: { kind: string; reason?: string }): string {
  return outcome.reason ?? outcome.kind;
}
