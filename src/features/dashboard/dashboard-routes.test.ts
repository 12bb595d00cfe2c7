import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { openTestDatabase, type TestDatabase } from '../../../test/helpers/test-databases.ts';

const PAGE = '<!doctype html><html><head><title>Muster</title></head><body><script type="module" src="./assets/app-1a2b.js"></script></body></html>';

describe('dashboard serving (the built page and its assets)', () => {
  let database: TestDatabase;
  let distDir: string;
  let t: TestMuster;

  before(async () => {
    distDir = await mkdtemp(path.join(tmpdir(), 'muster-dist-'));
    await mkdir(path.join(distDir, 'assets'));
    await writeFile(path.join(distDir, 'index.html'), PAGE);
    await writeFile(path.join(distDir, 'assets', 'app-1a2b.js'), 'console.log("dashboard");');
    database = await openTestDatabase('pglite');
    t = await startTestMuster(database.db, { DASHBOARD_DIR: distDir, BASE_PATH: '/collect' });
  });
  after(async () => {
    await t.close();
    await database.dispose();
    await rm(distDir, { recursive: true, force: true });
  });

  const get = (url: string) => t.muster.app.inject({ method: 'GET', url });

  it('serves the page at the base path with a <base href> for its relative assets, and a strict CSP', async () => {
    for (const url of ['/collect/', '/collect', '/collect/systems/6f1c/changes?severity=high']) {
      const response = await get(url);
      assert.equal(response.statusCode, 200, url);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /<head>\s*<base href="\/collect\/" \/>/);
      assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
      assert.equal(response.headers['cache-control'], 'no-cache');
    }
  });

  it('serves hashed assets with a long cache life', async () => {
    const response = await get('/collect/assets/app-1a2b.js');
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, 'console.log("dashboard");');
    assert.match(String(response.headers['cache-control']), /immutable/);
    assert.equal((await get('/collect/assets/missing.js')).statusCode, 404);
  });

  it('keeps unknown API paths JSON 404s', async () => {
    for (const url of ['/collect/api/v1/nothing-here', '/collect/api/nothing', '/collect/docs/nothing/../x']) {
      const response = await get(url);
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json().code, 404);
    }
  });

  it('explains when the dashboard has not been built', async () => {
    const bare = await startTestMuster(database.db, { DASHBOARD_DIR: path.join(distDir, 'missing') });
    try {
      const response = await bare.muster.app.inject({ method: 'GET', url: '/' });
      assert.equal(response.statusCode, 503);
      assert.match(response.body, /not built/);
    } finally {
      await bare.close();
    }
  });
});
