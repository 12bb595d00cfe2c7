import { parseArgs } from 'node:util';
import { openAgentContext } from './agent-context.ts';
import { readConfigFile } from './config-file.ts';
import { runDaemon } from './daemon.ts';
import { createLogger } from './log.ts';
import { collectForReview, once, showStatus } from './one-shot-commands.ts';
import { register } from './register.ts';
import { CONFIG_ENV, DEFAULT_CONFIG_FILE, SETTINGS, SettingsError, resolveSettings, settingsHelp } from './settings.ts';
import { AGENT_VERSION } from './version.ts';

const COMMANDS = `muster-agent ${AGENT_VERSION}: reports this system's heartbeat, inventory and metrics to Muster

usage: muster-agent COMMAND [options]

commands:
  register --url URL --secret SECRET   register with the secret the system was created with (or store a
                                       regenerated one); the key and secret go to the config file (mode 0600)
  run                                  the daemon: heartbeats, inventories and metrics on their schedules
  once heartbeat|inventory|metrics     send one report now (reports are spooled first; with the daemon
                                       running, it sends them)
  collect                              print the inventory and metrics that would be sent, for review
  status                               last success per kind, spool size, last error
  help, --help                         this text

options (each overrides its environment variable, which overrides the config file's key):`;

export const USAGE = `${COMMANDS}\n${settingsHelp()}\n  --secret SECRET\n      register only: the system's secret (never logged); - reads it from standard input, out of the process list.\n\nexit codes: 0 done, 1 failed, 2 bad usage, 78 bad setting`;

/** Runs one command line; answers the exit code. */
export async function main(argv: string[]): Promise<number> {
  const log = createLogger();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(SETTINGS.filter((spec) => spec.flag !== undefined).map((spec) => [spec.flag!, { type: 'string' as const }])),
        config: { type: 'string' },
        secret: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const configFile = values.config ?? process.env[CONFIG_ENV] ?? DEFAULT_CONFIG_FILE;
  try {
    const flags = Object.fromEntries(Object.entries(values).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
    const settings = resolveSettings(await readConfigFile(configFile), process.env, flags);
    switch (command) {
      case 'register': {
        if (values.secret === undefined) return usage('register needs --secret SECRET');
        const secret = values.secret === '-' ? (await readStdin()).trim() : values.secret;
        const result = await register(settings, configFile, secret);
        (result.ok ? console.log : console.error)(result.message);
        return result.ok ? 0 : 1;
      }
      case 'run':
        return await runDaemon(await openAgentContext(settings, log), configFile);
      case 'once': {
        const kind = rest[0];
        if (kind !== 'heartbeat' && kind !== 'inventory' && kind !== 'metrics') return usage('once needs heartbeat, inventory or metrics');
        return await once(await openAgentContext(settings, log), kind);
      }
      case 'collect':
        return await collectForReview(settings);
      case 'status':
        return await showStatus(settings);
      default:
        return usage(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(error.message);
      return 78;
    }
    throw error;
  }
}

function usage(message: string): number {
  console.error(`${message}\n\n${USAGE}`);
  return 2;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
