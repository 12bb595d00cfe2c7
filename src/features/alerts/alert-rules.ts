import { readFileSync } from 'node:fs';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../../domain/changes.ts';

export const ALERT_SEVERITIES = ['info', 'low', 'medium', 'warning', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface ChangeAlertRule {
  id: string;
  severities: readonly Severity[] | null;
  categories: readonly Category[] | null;
}

export const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Comparison = (typeof COMPARISONS)[number];

/**
 * A threshold on a metric's latest value per series: `metric` (divided by `divided_by`, the
 * series with the same label or the system's only one, then times `scale`) compared with
 * `threshold`, true at every evaluation for `for` seconds, raises an alert named `alert`.
 */
export interface MetricAlertRule {
  id: string;
  alert: string;
  metric: string;
  dividedBy: string | null;
  scale: number;
  comparison: Comparison;
  threshold: number;
  forSeconds: number;
  severity: AlertSeverity;
  summary: string | null;
}

export interface AlertRules {
  changes: readonly ChangeAlertRule[];
  metrics: readonly MetricAlertRule[];
  liveness: { inactive: AlertSeverity | null; warning: AlertSeverity | null };
  registration: AlertSeverity | null;
}

/** What applies when the rules file has no `alerts` section. */
export const DEFAULT_ALERT_RULES: AlertRules = {
  changes: [
    { id: 'high-or-critical-change', severities: ['high', 'critical'], categories: null },
    { id: 'security-change', severities: null, categories: ['security'] },
  ],
  metrics: [
    metricRule('disk-almost-full', 'DiskAlmostFull', 'disk.percent', '>=', 90, 600, 'high'),
    metricRule('memory-almost-full', 'MemoryAlmostFull', 'memory.percent', '>=', 95, 600, 'medium'),
    { ...metricRule('load-high', 'HighLoad', 'cpu.load5', '>=', 2, 900, 'medium'), dividedBy: 'cpu.cores' },
    {
      ...metricRule('gpu-memory-almost-full', 'GpuMemoryAlmostFull', 'gpu.memory_used_mb', '>=', 95, 600, 'medium'),
      dividedBy: 'gpu.memory_total_mb',
      scale: 100,
    },
  ],
  liveness: { inactive: 'critical', warning: 'warning' },
  registration: 'info',
};

function metricRule(
  id: string,
  alert: string,
  metric: string,
  comparison: Comparison,
  threshold: number,
  forSeconds: number,
  severity: AlertSeverity,
): MetricAlertRule {
  return { id, alert, metric, dividedBy: null, scale: 1, comparison, threshold, forSeconds, severity, summary: null };
}

/** Whether a value meets a rule's comparison. */
export function compares(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

export class AlertRulesError extends Error {
  override name = 'AlertRulesError';
}

/** Reads the `alerts` section of the rules file (RULES_FILE); throws naming the bad field. */
export function loadAlertRules(path: string, metricNames: readonly string[] = []): AlertRules {
  const document = JSON.parse(readFileSync(path, 'utf8')) as { alerts?: unknown };
  return parseAlertRules(document.alerts, path, metricNames);
}

export function parseAlertRules(section: unknown, source: string, metricNames: readonly string[] = []): AlertRules {
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
  const metrics =
    fields.metrics === undefined
      ? DEFAULT_ALERT_RULES.metrics
      : arrayOf(fields.metrics, 'metrics', fail).map((entry, index) => parseMetricRule(entry, `metrics[${index}]`, metricNames, fail));
  const ids = new Set<string>();
  for (const rule of metrics) {
    if (ids.has(rule.id)) fail(`metrics: the id ${JSON.stringify(rule.id)} is used twice`);
    ids.add(rule.id);
  }
  return {
    changes,
    metrics,
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

const DURATION = /^(\d+)(s|m|h)$/;
const DURATION_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

function parseMetricRule(entry: unknown, where: string, metricNames: readonly string[], fail: Fail): MetricAlertRule {
  const rule = objectOf(entry, where, fail);
  const known = ['id', 'alert', 'metric', 'divided_by', 'scale', 'comparison', 'threshold', 'for', 'severity', 'summary'];
  for (const key of Object.keys(rule)) if (!known.includes(key)) fail(`${where}.${key}: unknown field (known: ${known.join(', ')})`);
  const text = (key: string, pattern?: RegExp): string => {
    const value = rule[key];
    if (typeof value !== 'string' || value === '' || (pattern && !pattern.test(value)))
      fail(`${where}.${key}: must be a non-empty string${pattern ? ` matching ${pattern}` : ''}`);
    return value;
  };
  const metric = (key: string): string => {
    const name = text(key);
    if (metricNames.length > 0 && !metricNames.includes(name))
      fail(`${where}.${key}: ${JSON.stringify(name)} is not a metric (known: ${metricNames.join(', ')})`);
    return name;
  };
  const finite = (key: string, fallback?: number): number => {
    const value = rule[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${where}.${key}: must be a number`);
    return value;
  };
  const id = text('id');
  const comparison = rule.comparison;
  if (!COMPARISONS.includes(comparison as Comparison)) fail(`${where}.comparison: must be one of ${COMPARISONS.join(' ')}`);
  const duration = DURATION.exec(rule.for === undefined ? '0s' : typeof rule.for === 'string' ? rule.for : '');
  if (!duration) fail(`${where}.for: must be a duration such as 90s, 10m or 1h`);
  const severity = rule.severity;
  if (!ALERT_SEVERITIES.includes(severity as AlertSeverity)) fail(`${where}.severity: must be one of ${ALERT_SEVERITIES.join(', ')}`);
  return {
    id,
    alert: rule.alert === undefined ? id : text('alert', /^[A-Za-z_][A-Za-z0-9_]*$/),
    metric: metric('metric'),
    dividedBy: rule.divided_by === undefined ? null : metric('divided_by'),
    scale: finite('scale', 1),
    comparison: comparison as Comparison,
    threshold: finite('threshold'),
    forSeconds: Number(duration[1]) * DURATION_SECONDS[duration[2]!]!,
    severity: severity as AlertSeverity,
    summary: rule.summary === undefined ? null : text('summary'),
  };
}

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
