/**
 * Can a wrong secret tell whether a system key exists? Times failed appliance authentications
 * (`POST /api/systems/heartbeat` through inject, and the authenticator alone) for three kinds of
 * credentials, interleaved in random order: a registered key with a wrong secret, a key that
 * does not exist, and a suspended key with its right secret. Prints the means and, for each kind
 * against the unknown key, Welch's z = (mean₁ − mean₂) / √(s₁²/n₁ + s₂²/n₂); |z| beyond ~3 means
 * the two can be told apart.
 *
 *   node bench/auth-timing.ts [--db pglite|postgres] [--samples 1000] [--warmup 200]
 *
 * PostgreSQL: TEST_DATABASE_URL (a schema is created and dropped). A micro-measurement, not a
 * load: one request at a time, on loopback or in process.
 */
import { parseArgs } from 'node:util';
import { basicAuth, startTestMuster } from '../test/helpers/test-muster.ts';
import { openTestDatabase } from '../test/helpers/test-databases.ts';

const { values } = parseArgs({
  options: { db: { type: 'string', default: 'pglite' }, samples: { type: 'string', default: '1000' }, warmup: { type: 'string', default: '200' } },
});
const kind = values.db === 'postgres' ? 'postgres' : 'pglite';
const samples = Number(values.samples);
const warmup = Number(values.warmup);

const database = await openTestDatabase(kind);
const t = await startTestMuster(database.db, { SYSTEM_AUTH_CACHE_TTL: '0' });
const registered = await t.createRegisteredSystem();
const suspended = await t.createRegisteredSystem();
await t.muster.app.inject({ method: 'POST', url: `/api/v1/systems/${suspended.id}/suspend`, headers: { authorization: 'Bearer test-admin-token-0123456789' } });
const flip = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`;
const headers = {
  'wrong secret': basicAuth(registered.systemKey, flip(registered.secret)),
  'unknown key': basicAuth(`NETH-${'0123-'.repeat(7)}4567`, registered.secret),
  'suspended key': suspended.basic,
};
type Kind = keyof typeof headers;
const kinds = Object.keys(headers) as Kind[];

async function measure(label: string, attempt: (header: string) => Promise<void>): Promise<void> {
  const times = new Map<Kind, number[]>(kinds.map((name) => [name, []]));
  for (let round = 0; round < warmup + samples; round++) {
    const order = [...kinds].sort(() => Math.random() - 0.5);
    for (const name of order) {
      const started = process.hrtime.bigint();
      await attempt(headers[name]);
      const micros = Number(process.hrtime.bigint() - started) / 1000;
      if (round >= warmup) times.get(name)!.push(micros);
    }
  }
  const stats = (name: Kind) => {
    const list = times.get(name)!;
    const mean = list.reduce((sum, value) => sum + value, 0) / list.length;
    const variance = list.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (list.length - 1);
    const median = [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)]!;
    return { mean, variance, median, n: list.length };
  };
  const base = stats('unknown key');
  console.log(`\n${label} (${kind}, ${samples} samples each, interleaved)`);
  for (const name of kinds) {
    const own = stats(name);
    const z =
      name === 'unknown key' ? '' : `  z vs unknown key = ${((own.mean - base.mean) / Math.sqrt(own.variance / own.n + base.variance / base.n)).toFixed(2)}`;
    console.log(`  ${name.padEnd(14)} mean ${own.mean.toFixed(1)} µs  median ${own.median.toFixed(1)} µs${z}`);
  }
}

await measure('HTTP (inject)', async (authorization) => {
  const response = await t.muster.app.inject({ method: 'POST', url: '/api/systems/heartbeat', headers: { authorization } });
  if (response.statusCode !== 401) throw new Error(`expected 401, got ${response.statusCode}`);
});
await measure('authenticator', async (authorization) => {
  await t.muster.authenticator.authenticate(authorization).then(
    () => {
      throw new Error('admitted');
    },
    () => undefined,
  );
});
await t.close();
await database.dispose();
