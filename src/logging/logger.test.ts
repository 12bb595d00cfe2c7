import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, basicAuth, startTestMuster, type TestMuster } from '../../test/helpers/test-muster.ts';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/test-databases.ts';
import type { LogLevel } from '../config/config.ts';
import { captureLogs } from '../../test/helpers/log-capture.ts';

/** A Muster on PGlite logging at `level` into `lines`, started before the suite's tests. */
function loggingMuster(level: LogLevel) {
  const { logger, lines } = captureLogs(level);
  const running = { t: undefined as unknown as TestMuster, lines };
  let database: TestDatabase;
  before(async () => {
    database = await openTestDatabase('pglite');
    running.t = await startTestMuster(database.db, { LOG_LEVEL: level }, undefined, logger);
  });
  after(async () => {
    await running.t.close();
    await database.dispose();
  });
  return running;
}

describe('logs', () => {
  it('redact credentials wherever they appear in a log object', () => {
    const { logger, lines } = captureLogs('info');
    logger.info({ req: { headers: { authorization: 'Basic c2VjcmV0' } }, system_secret: 'my_x.y', body: { system_secret: 'my_a.b' } }, 'hello');
    const line = JSON.parse(lines[0]!);
    assert.equal(line.req.headers.authorization, '[redacted]');
    assert.equal(line.system_secret, '[redacted]');
    assert.equal(line.body.system_secret, '[redacted]');
  });

  describe('of a running Muster at LOG_LEVEL=debug', () => {
    const running = loggingMuster('debug');

    it('log request URLs without the values of their query parameters', async () => {
      const { t, lines } = running;
      const system = await t.createRegisteredSystem();
      const secret = system.secret;
      const token = 'tok-0123456789abcdef';
      await t.muster.app.inject({
        method: 'POST',
        url: `/api/systems/heartbeat?system_secret=${encodeURIComponent(secret)}&token=${token}`,
        headers: { authorization: system.basic },
      });
      await t.admin.get(`/api/v1/systems?search=${token}&page=2`);
      await t.muster.app.inject({ method: 'GET', url: `/no/such/route?${secret}` });
      const all = lines.join('\n');
      assert.ok(all.includes('/api/systems/heartbeat?system_secret=[redacted]&token=[redacted]'), 'the URL is logged, names kept');
      assert.ok(all.includes('/api/v1/systems?search=[redacted]&page=[redacted]'));
      assert.ok(all.includes('"/no/such/route?[redacted]"'), 'a parameter without a value is dropped whole');
      for (const value of [secret, encodeURIComponent(secret), secret.split('.')[1]!, token]) assert.equal(all.includes(value), false, value);
    });
  });

  describe('of a running Muster at the most verbose level', () => {
    const running = loggingMuster('trace');

    it('are JSON lines that never contain a secret, a token or an authorization header', async () => {
      const { t, lines } = running;
      const system = await t.createRegisteredSystem();
      await t.heartbeat(system.basic);
      await t.heartbeat(basicAuth(system.systemKey, `${system.secret}x`));
      await t.admin.post(`/api/v1/systems/${system.id}/regenerate-secret`);
      assert.ok(lines.length > 5, 'request logging is on at debug and finer');
      for (const line of lines) JSON.parse(line);
      const all = lines.join('\n');
      assert.equal(all.includes(system.secret.split('.')[1]!), false);
      assert.equal(all.includes(ADMIN_TOKEN), false);
      assert.equal(all.includes(system.basic.split(' ')[1]!), false);
    });
  });
});
