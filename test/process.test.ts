import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openPgliteDb } from '../src/db/pglite-db.ts';
import { startMusterProcess as startMuster } from './helpers/muster-process.ts';

const root = path.join(import.meta.dirname, '..');

async function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: root, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr };
}

describe('the muster process', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start on a bad setting, naming the variable', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-process-'));
    dirs.push(dataDir);
    const result = await runToExit({ DATA_DIR: dataDir, HEARTBEAT_TIMEOUT_MINUTES: 'soon' });
    assert.equal(result.code, 78);
    assert.match(result.stderr, /HEARTBEAT_TIMEOUT_MINUTES must be an integer/);
  });

  it('starts with nothing but DATA_DIR, prints a generated admin token once, drains on SIGTERM and keeps data across restarts', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-process-'));
    dirs.push(dataDir);
    const first = await startMuster({ DATA_DIR: dataDir });
    const token = /admin token[^\n]*\n\n\s+(\S+)/.exec(first.stderr())?.[1];
    assert.ok(token, first.stderr());
    const stored = await readFile(path.join(dataDir, 'admin-token.sha256'), 'utf8');
    assert.equal(stored.includes(token), false, 'only the hash is kept');
    assert.equal(first.stdout().includes(token), false, 'the token never reaches the logs');

    const created = await fetch(`${first.url}/api/v1/systems`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'process-test' }),
    });
    assert.equal(created.status, 201);
    const system = (await created.json()) as { id: string; system_secret: string };
    const registered = await fetch(`${first.url}/api/systems/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ system_secret: system.system_secret }),
    });
    const { data } = (await registered.json()) as { data: { system_key: string } };
    const basic = `Basic ${Buffer.from(`${data.system_key}:${system.system_secret}`).toString('base64')}`;

    // Heartbeats in flight when SIGTERM arrives are answered, and what was answered 200 is stored.
    type Answer = { status: number; body: { data?: { last_heartbeat: string } } };
    const inFlight = Array.from({ length: 30 }, () =>
      fetch(`${first.url}/api/systems/heartbeat`, { method: 'POST', headers: { authorization: basic } }).then(
        async (response): Promise<Answer> => ({ status: response.status, body: (await response.json()) as Answer['body'] }),
        (): Answer => ({ status: 0, body: {} }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    first.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    assert.equal(await first.exited, 0, `${first.stdout()}\n${first.stderr()}`);
    assert.match(first.stdout(), /"msg":"stopped"/);
    const acknowledged = answers.filter((answer) => answer.status === 200);
    assert.ok(acknowledged.length > 0, JSON.stringify(answers.map((answer) => answer.status)));
    for (const answer of answers) assert.ok([200, 503, 0].includes(answer.status), `unexpected ${answer.status}`);

    const db = await openPgliteDb(path.join(dataDir, 'pglite'));
    const { rows } = await db.query<{ last_heartbeat: Date; status: string }>('SELECT status, last_heartbeat FROM system_liveness WHERE system_id = $1', [
      system.id,
    ]);
    await db.close();
    const latestAcknowledged = Math.max(...acknowledged.map((answer) => Date.parse(answer.body.data!.last_heartbeat)));
    assert.equal(rows[0]!.status, 'active');
    assert.ok(rows[0]!.last_heartbeat.getTime() >= latestAcknowledged);

    const second = await startMuster({ DATA_DIR: dataDir });
    try {
      assert.doesNotMatch(second.stderr(), /generated an admin token/);
      const fetched = await fetch(`${second.url}/api/v1/systems/${system.id}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(fetched.status, 200);
      assert.equal(((await fetched.json()) as { status: string }).status, 'active');
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });
});
