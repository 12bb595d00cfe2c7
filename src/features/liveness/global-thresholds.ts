import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import type { Thresholds } from './liveness-rules.ts';
import type { LivenessStore } from './liveness-store.ts';

const SETTING_KEY = 'liveness_thresholds';

/**
 * Deadlines already stored were computed with the global thresholds of the process that
 * stored them. When this start brings different ones (HEARTBEAT_* changed), the systems that
 * inherit them are woken so the scanner re-evaluates them; otherwise nothing is touched.
 */
export async function applyGlobalThresholds(db: Db, liveness: LivenessStore, defaults: Thresholds, clock: Clock): Promise<boolean> {
  return db.transaction(async (tx) => {
    const now = clock.now();
    const { rows } = await tx.query<{ value: Thresholds }>('SELECT value FROM settings WHERE key = $1 FOR UPDATE', [SETTING_KEY]);
    const stored = rows[0]?.value;
    if (stored && stored.timeoutMinutes === defaults.timeoutMinutes && stored.warningMinutes === defaults.warningMinutes) return false;
    await tx.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [SETTING_KEY, JSON.stringify(defaults), now],
    );
    if (stored) await liveness.wakeInheritingSystems(tx, now);
    return stored !== undefined;
  });
}
