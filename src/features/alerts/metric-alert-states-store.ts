import type { Sql } from '../../db/db.ts';

/** A series meeting a metric rule since `pendingSince`; `firing` once its alert is raised. */
export interface MetricAlertState {
  rule: string;
  systemId: string;
  series: string;
  pendingSince: Date;
  firing: boolean;
}

/** SQL of the metric alert rules' state (metric_alert_states), always in the evaluation's transaction. */
export function createMetricAlertStatesStore() {
  return {
    async lockAll(tx: Sql): Promise<MetricAlertState[]> {
      const { rows } = await tx.query<{ rule: string; system_id: string; series: string; pending_since: Date; firing: boolean }>(
        'SELECT rule, system_id, series, pending_since, firing FROM metric_alert_states FOR UPDATE',
      );
      return rows.map((row) => ({ rule: row.rule, systemId: row.system_id, series: row.series, pendingSince: row.pending_since, firing: row.firing }));
    },
    async insert(tx: Sql, state: MetricAlertState): Promise<void> {
      await tx.query('INSERT INTO metric_alert_states (rule, system_id, series, pending_since, firing) VALUES ($1, $2, $3, $4, $5)', [
        state.rule,
        state.systemId,
        state.series,
        state.pendingSince,
        state.firing,
      ]);
    },
    async markFiring(tx: Sql, rule: string, systemId: string, series: string): Promise<void> {
      await tx.query('UPDATE metric_alert_states SET firing = true WHERE rule = $1 AND system_id = $2 AND series = $3', [rule, systemId, series]);
    },
    async remove(tx: Sql, state: Pick<MetricAlertState, 'rule' | 'systemId' | 'series'>): Promise<void> {
      await tx.query('DELETE FROM metric_alert_states WHERE rule = $1 AND system_id = $2 AND series = $3', [state.rule, state.systemId, state.series]);
    },
  };
}
