import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveSettings, SettingsError, settingsHelp, SETTINGS } from '../src/settings.ts';

describe('settings', () => {
  it("default to the issue's schedules: heartbeat 5 min, inventory 6 h checked every 5 min, metrics 60 s, with jitter", () => {
    const settings = resolveSettings({}, {}, {});
    assert.equal(settings.heartbeatIntervalSeconds, 300);
    assert.equal(settings.inventoryIntervalSeconds, 21_600);
    assert.equal(settings.inventoryCheckSeconds, 300);
    assert.equal(settings.metricsIntervalSeconds, 60);
    assert.equal(settings.jitter, 0.1);
    assert.equal(settings.stateDir, '/var/lib/muster-agent');
    assert.equal(settings.url, undefined);
    assert.deepEqual(settings.custom, {});
  });

  it('take the config file, overridden by the environment, overridden by flags', () => {
    const file = { url: 'https://file.example', heartbeat_interval: 120, metrics_interval: '30', custom: { rack: 'B4' }, system_key: 'NETH-1' };
    const env = { MUSTER_AGENT_HEARTBEAT_INTERVAL: '60', MUSTER_AGENT_URL: 'https://env.example/collect/', STATE_DIRECTORY: '/run/state' };
    const settings = resolveSettings(file, env, { 'heartbeat-interval': '10' });
    assert.equal(settings.heartbeatIntervalSeconds, 10);
    assert.equal(settings.metricsIntervalSeconds, 30);
    assert.equal(settings.url, 'https://env.example/collect');
    assert.equal(settings.systemKey, 'NETH-1');
    assert.equal(settings.stateDir, '/run/state', "systemd's STATE_DIRECTORY");
    assert.deepEqual(settings.custom, { rack: 'B4' });
  });

  it('refuse bad values, naming where they came from', () => {
    assert.throws(
      () => resolveSettings({}, { MUSTER_AGENT_JITTER: '2' }, {}),
      (error: Error) => error instanceof SettingsError && /MUSTER_AGENT_JITTER/.test(error.message),
    );
    assert.throws(() => resolveSettings({ metrics_interval: 'often' }, {}, {}), /metrics_interval in the config file/);
    assert.throws(() => resolveSettings({}, {}, { url: 'ftp://x' }), /--url must be an http or https URL/);
    assert.throws(() => resolveSettings({ custom: [] }, {}, {}), /custom/);
    assert.equal(resolveSettings({}, { MUSTER_AGENT_SPOOL_MAX_BYTES: '8MB' }, {}).spoolMaxBytes, 8 * 1024 * 1024);
  });

  it('are each documented in --help with their variable and default', () => {
    const help = settingsHelp();
    for (const spec of SETTINGS.filter((item) => item.flag !== undefined))
      assert.match(help, new RegExp(`--${spec.flag} \\(${spec.env}, "${spec.file}"; default`));
  });
});
