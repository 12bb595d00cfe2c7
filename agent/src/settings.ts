/**
 * The agent's settings: each from the config file (snake_case key), overridden by its
 * environment variable, overridden by its flag. One table describes them all, so `--help`, the
 * README and the parser cannot disagree.
 */
export interface Settings {
  url: string | undefined;
  systemKey: string | undefined;
  systemSecret: string | undefined;
  stateDir: string;
  caFile: string | undefined;
  heartbeatIntervalSeconds: number;
  inventoryIntervalSeconds: number;
  inventoryCheckSeconds: number;
  metricsIntervalSeconds: number;
  jitter: number;
  spoolMaxBytes: number;
  retryMaxSeconds: number;
  requestTimeoutSeconds: number;
  credentialsCheckSeconds: number;
  fixture: string | undefined;
  custom: Record<string, unknown>;
}

type Parse = (raw: string, name: string) => unknown;

interface SettingSpec {
  key: keyof Settings;
  /** The config file's key, the environment variable and the flag (without `--`). */
  file: string;
  env: string | undefined;
  flag: string | undefined;
  fallback: string | number | undefined;
  parse: Parse;
  doc: string;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

const text: Parse = (raw) => raw;

function seconds(min: number): Parse {
  return (raw, name) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new SettingsError(`${name} must be a number of seconds, at least ${min}, got '${raw}'`);
    return value;
  };
}

const fraction: Parse = (raw, name) => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new SettingsError(`${name} must be between 0 and 1, got '${raw}'`);
  return value;
};

const bytes: Parse = (raw, name) => {
  const match = /^(\d+)\s*(|k|m|g)(i?b)?$/i.exec(raw.trim());
  if (!match) throw new SettingsError(`${name} must be a size such as 67108864 or 64MB, got '${raw}'`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const value = Number(match[1]) * unit;
  if (value < 64 * 1024) throw new SettingsError(`${name} must be at least 64KB, got '${raw}'`);
  return value;
};

const url: Parse = (raw, name) => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new SettingsError(`${name} must be a URL such as https://muster.example.com, got '${raw}'`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new SettingsError(`${name} must be an http or https URL, got '${raw}'`);
  return raw.replace(/\/+$/, '');
};

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'url', file: 'url', env: 'MUSTER_AGENT_URL', flag: 'url', fallback: undefined, parse: url, doc: "Muster's base URL (with BASE_PATH, if any)." },
  { key: 'systemKey', file: 'system_key', env: undefined, flag: undefined, fallback: undefined, parse: text, doc: 'Written by register.' },
  { key: 'systemSecret', file: 'system_secret', env: undefined, flag: undefined, fallback: undefined, parse: text, doc: 'Written by register.' },
  {
    key: 'stateDir',
    file: 'state_dir',
    env: 'MUSTER_AGENT_STATE_DIR',
    flag: 'state-dir',
    fallback: '/var/lib/muster-agent',
    parse: text,
    doc: 'The spool and status.json (systemd: $STATE_DIRECTORY).',
  },
  {
    key: 'caFile',
    file: 'ca_file',
    env: 'MUSTER_AGENT_CA_FILE',
    flag: 'ca-file',
    fallback: undefined,
    parse: text,
    doc: 'PEM file of a custom CA to verify Muster.',
  },
  {
    key: 'heartbeatIntervalSeconds',
    file: 'heartbeat_interval',
    env: 'MUSTER_AGENT_HEARTBEAT_INTERVAL',
    flag: 'heartbeat-interval',
    fallback: 300,
    parse: seconds(0.1),
    doc: 'Seconds between heartbeats.',
  },
  {
    key: 'inventoryIntervalSeconds',
    file: 'inventory_interval',
    env: 'MUSTER_AGENT_INVENTORY_INTERVAL',
    flag: 'inventory-interval',
    fallback: 21_600,
    parse: seconds(0.1),
    doc: 'Seconds between inventories sent even if unchanged.',
  },
  {
    key: 'inventoryCheckSeconds',
    file: 'inventory_check_interval',
    env: 'MUSTER_AGENT_INVENTORY_CHECK_INTERVAL',
    flag: 'inventory-check-interval',
    fallback: 300,
    parse: seconds(0.1),
    doc: 'Seconds between collections that send the inventory at once when its hash changed.',
  },
  {
    key: 'metricsIntervalSeconds',
    file: 'metrics_interval',
    env: 'MUSTER_AGENT_METRICS_INTERVAL',
    flag: 'metrics-interval',
    fallback: 60,
    parse: seconds(0.1),
    doc: 'Seconds between metrics samples.',
  },
  {
    key: 'jitter',
    file: 'jitter',
    env: 'MUSTER_AGENT_JITTER',
    flag: 'jitter',
    fallback: 0.1,
    parse: fraction,
    doc: 'Each wait is the interval ± this fraction, the first one a random part of it.',
  },
  {
    key: 'spoolMaxBytes',
    file: 'spool_max_bytes',
    env: 'MUSTER_AGENT_SPOOL_MAX_BYTES',
    flag: 'spool-max-bytes',
    fallback: 64 * 1024 ** 2,
    parse: bytes,
    doc: 'Largest spool; beyond it the oldest records are dropped (counted, with a warning).',
  },
  {
    key: 'retryMaxSeconds',
    file: 'retry_max',
    env: 'MUSTER_AGENT_RETRY_MAX',
    flag: 'retry-max',
    fallback: 300,
    parse: seconds(0.1),
    doc: 'Longest wait between retries (exponential backoff from 1 s, with jitter).',
  },
  {
    key: 'requestTimeoutSeconds',
    file: 'request_timeout',
    env: 'MUSTER_AGENT_REQUEST_TIMEOUT',
    flag: 'request-timeout',
    fallback: 30,
    parse: seconds(0.1),
    doc: 'Longest a request may take.',
  },
  {
    key: 'credentialsCheckSeconds',
    file: 'credentials_check_interval',
    env: 'MUSTER_AGENT_CREDENTIALS_CHECK_INTERVAL',
    flag: 'credentials-check-interval',
    fallback: 30,
    parse: seconds(0.1),
    doc: 'After a 401, seconds between looks at the config file for a new secret.',
  },
  {
    key: 'fixture',
    file: 'fixture',
    env: 'MUSTER_AGENT_FIXTURE',
    flag: 'fixture',
    fallback: undefined,
    parse: text,
    doc: 'Testing aid: a JSON file {inventory, metrics} collected instead of the machine.',
  },
];

export const CONFIG_ENV = 'MUSTER_AGENT_CONFIG';
export const DEFAULT_CONFIG_FILE = '/etc/muster-agent/agent.json';

/**
 * Settings from the config file's object, the environment and the flags given (by flag name).
 * systemd's $STATE_DIRECTORY stands in for MUSTER_AGENT_STATE_DIR when that is unset.
 */
export function resolveSettings(file: Record<string, unknown>, env: NodeJS.ProcessEnv, flags: Record<string, string | undefined>): Settings {
  const settings: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const fromFlag = spec.flag === undefined ? undefined : flags[spec.flag];
    const fromEnv = spec.env === undefined ? undefined : (env[spec.env] ?? (spec.key === 'stateDir' ? env.STATE_DIRECTORY : undefined));
    const fromFile = file[spec.file];
    if (fromFlag !== undefined) settings[spec.key] = spec.parse(fromFlag, `--${spec.flag}`);
    else if (fromEnv !== undefined && fromEnv !== '') settings[spec.key] = spec.parse(fromEnv, spec.env ?? 'STATE_DIRECTORY');
    else if (typeof fromFile === 'string' || typeof fromFile === 'number') settings[spec.key] = spec.parse(String(fromFile), `${spec.file} in the config file`);
    else if (fromFile !== undefined && fromFile !== null) throw new SettingsError(`${spec.file} in the config file must be a string or a number`);
    else settings[spec.key] = spec.fallback;
  }
  const custom = file.custom ?? {};
  if (typeof custom !== 'object' || Array.isArray(custom)) throw new SettingsError('custom in the config file must be an object');
  settings.custom = custom;
  return Object.freeze(settings) as unknown as Settings;
}

/** The settings' part of `--help`: each flag or key, its variable, its default and what it does. */
export function settingsHelp(): string {
  const rows = SETTINGS.filter((spec) => spec.flag !== undefined).map((spec) => {
    const fallback = spec.fallback === undefined ? 'unset' : String(spec.fallback);
    return `  --${spec.flag} (${spec.env}, "${spec.file}"; default ${fallback})\n      ${spec.doc}`;
  });
  return [
    ...rows,
    `  --config FILE (${CONFIG_ENV}; default ${DEFAULT_CONFIG_FILE})`,
    '      The JSON config file: the keys above, "system_key", "system_secret" and "custom" (an object sent as the inventory\'s custom part).',
  ].join('\n');
}
