import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT_EXECUTABLE, agentLogLines } from '../../scripts/built-executable.ts';

export { ensureBuiltAgent } from '../../scripts/built-executable.ts';

/** A scratch home for one agent: its config file, state directory and collector fixture. */
export interface AgentHome {
  dir: string;
  config: string;
  stateDir: string;
  fixture: string;
  env: Record<string, string>;
  writeFixture(fixture: { inventory: unknown; metrics: unknown }): Promise<void>;
  dispose(): Promise<void>;
}

/** Short intervals, little jitter and quick retries, so that a test sees minutes of agent life in seconds. */
export async function makeAgentHome(settings: Record<string, string> = {}): Promise<AgentHome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'muster-agent-test-'));
  const home = {
    dir,
    config: path.join(dir, 'etc', 'agent.json'),
    stateDir: path.join(dir, 'state'),
    fixture: path.join(dir, 'fixture.json'),
  };
  const env = {
    PATH: process.env.PATH ?? '',
    MUSTER_AGENT_CONFIG: home.config,
    MUSTER_AGENT_STATE_DIR: home.stateDir,
    MUSTER_AGENT_FIXTURE: home.fixture,
    MUSTER_AGENT_HEARTBEAT_INTERVAL: '1',
    MUSTER_AGENT_METRICS_INTERVAL: '1',
    MUSTER_AGENT_INVENTORY_CHECK_INTERVAL: '0.5',
    MUSTER_AGENT_JITTER: '0',
    MUSTER_AGENT_RETRY_MAX: '1',
    MUSTER_AGENT_CREDENTIALS_CHECK_INTERVAL: '0.5',
    MUSTER_AGENT_REQUEST_TIMEOUT: '5',
    ...settings,
  };
  return {
    ...home,
    env,
    writeFixture: (fixture) => writeFile(home.fixture, JSON.stringify(fixture)),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface AgentLogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface RunningAgent {
  child: ChildProcess;
  /** Its JSON log lines so far. */
  lines(): AgentLogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `muster-agent run` in the background. */
export function startAgent(home: AgentHome): RunningAgent {
  const child = spawn(AGENT_EXECUTABLE, ['run'], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = agentLogLines<AgentLogLine>(child.stderr, (line) => ({ level: 'raw', msg: line }));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines: () => lines,
    exited,
  };
}

/** A one-shot command (`register`, `once`, `status`, `collect`), `input` on its standard input: its exit code and output. */
export async function runAgentCommand(home: AgentHome, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(AGENT_EXECUTABLE, args, { env: home.env, stdio: 'pipe' });
  child.stdin.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

export async function agentStatus(home: AgentHome): Promise<{
  last_success: Record<string, string>;
  refused: { reason: string } | null;
  spool: { records: number; bytes: number; dropped_records: number };
}> {
  const result = await runAgentCommand(home, ['status']);
  if (result.code !== 0) throw new Error(`status failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Awaited<ReturnType<typeof agentStatus>>;
}
