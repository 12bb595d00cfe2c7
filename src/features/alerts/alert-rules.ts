import { readFileSync } from 'node:fs';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../../domain/changes.ts';

export const ALERT_SEVERITIES = ['info', 'low', 'medium', 'warning', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface ChangeAlertRule {
  id: string;
  severities: readonly Severity[] | null;
  categories: readonly Category[] | null;
}

export interface AlertRules {
  changes: readonly ChangeAlertRule[];
  liveness: { inactive: AlertSeverity | null; warning: AlertSeverity | null };
  registration: AlertSeverity | null;
}

/** What applies when the rules file has no `alerts` section. */
export const DEFAULT_ALERT_RULES: AlertRules = {
  changes: [
    { id: 'high-or-critical-change', severities: ['high', 'critical'], categories: null },
    { id: 'security-change', severities: null, categories: ['security'] },
  ],
  liveness: { inactive: 'critical', warning: 'warning' },
  registration: 'info',
};

export class AlertRulesError extends Error {
  override name = 'AlertRulesError';
}

/** Reads the `alerts` section of the rules file (RULES_FILE); throws naming the bad field. */
export function loadAlertRules(path: string): AlertRules {
  const document = JSON.parse(readFileSync(path, 'utf8')) as { alerts?: unknown };
  return parseAlertRules(document.alerts, path);
}

export function parseAlertRules(section: unknown, source: string): AlertRules {
  const fail = (message: string): never => {
    throw new AlertRulesError(`rules file ${source}: alerts.${message}`);
  };
  if (section === undefined) return DEFAULT_ALERT_RULES;
  const fields = objectOf(section, '', fail);
  const changes =
    fields.changes === undefined
      ? DEFAULT_ALERT_RULES.changes
      : arrayOf(fields.changes, 'changes', fail).map((entry, index) => {
          const rule = objectOf(entry, `changes[${index}]`, fail);
          if (typeof rule.id !== 'string' || rule.id === '') fail(`changes[${index}].id: must be a non-empty string`);
          return {
            id: rule.id as string,
            severities: rule.severities === undefined ? null : listOf(rule.severities, SEVERITIES, `changes[${index}].severities`, fail),
            categories: rule.categories === undefined ? null : listOf(rule.categories, CATEGORIES, `changes[${index}].categories`, fail),
          };
        });
  const liveness = fields.liveness === undefined ? {} : objectOf(fields.liveness, 'liveness', fail);
  return {
    changes,
    liveness: {
      inactive: liveness.inactive === undefined ? DEFAULT_ALERT_RULES.liveness.inactive : severityOrNull(liveness.inactive, 'liveness.inactive', fail),
      warning: liveness.warning === undefined ? DEFAULT_ALERT_RULES.liveness.warning : severityOrNull(liveness.warning, 'liveness.warning', fail),
    },
    registration: fields.registration === undefined ? DEFAULT_ALERT_RULES.registration : severityOrNull(fields.registration, 'registration', fail),
  };
}

/** The rule a significant change raises an alert by, if any. */
export function alertRuleForChange(change: { severity: string; category: string; significant: boolean }, rules: AlertRules): ChangeAlertRule | null {
  if (!change.significant) return null;
  return (
    rules.changes.find(
      (rule) =>
        (rule.severities === null || rule.severities.includes(change.severity as Severity)) &&
        (rule.categories === null || rule.categories.includes(change.category as Category)),
    ) ?? null
  );
}

type Fail = (message: string) => never;

function objectOf(value: unknown, where: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where || '(section)'}: must be an object`);
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('$')));
}

function arrayOf(value: unknown, where: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${where}: must be a list`);
  return value as unknown[];
}

function listOf<T extends string>(value: unknown, allowed: readonly T[], where: string, fail: Fail): T[] {
  const list = arrayOf(value, where, fail);
  for (const item of list) if (!allowed.includes(item as T)) fail(`${where}: ${JSON.stringify(item)} is not one of ${allowed.join(', ')}`);
  return list as T[];
}

function severityOrNull(value: unknown, where: string, fail: Fail): AlertSeverity | null {
  if (value === null) return null;
  if (!ALERT_SEVERITIES.includes(value as AlertSeverity)) fail(`${where}: must be null or one of ${ALERT_SEVERITIES.join(', ')}, got ${JSON.stringify(value)}`);
  return value as AlertSeverity;
}
