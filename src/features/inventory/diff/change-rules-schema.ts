import type { ScalarValue } from './field-path.ts';
import { CATEGORIES, CHANGE_TYPES, SEVERITIES, type Category, type ChangeType, type Severity } from '../../../domain/changes.ts';

/**
 * The rules file format and its validation. Every complaint names the entry (`rules[3]
 * (os-version)`) and the field, so a bad override of RULES_FILE stops start-up with a message
 * that says what to fix. Fields whose name starts with `$` are comments and are ignored.
 */

/** The verdict's rule name when no rule matched; no rule may take it. */
export const DEFAULT_RULE_ID = 'default';

/** What a rule looks at; every condition given must hold. An empty match matches every change. */
export interface RuleMatch {
  /** Path patterns (path-pattern.ts); any may match. */
  paths?: string[];
  /** The category of the change's area is one of these. */
  categories?: Category[];
  /** The change's type is one of these. */
  types?: ChangeType[];
  /** Both values are numbers (or numeric strings) and differ by more than this percentage of the previous one. */
  numeric_change_over_percent?: number;
  /** The value after the change equals this scalar (null after a delete). */
  current_value_equals?: ScalarValue;
  /** The value before the change equals this scalar (null before a create). */
  previous_value_equals?: ScalarValue;
}

export interface ChangeRule {
  id: string;
  description?: string;
  match: RuleMatch;
  /** Omitted: the category of the change's area. */
  category?: Category;
  severity: Severity;
  significant: boolean;
}

export interface CategoryArea {
  category: Category;
  paths: string[];
}

export interface RulesDocument {
  areas: CategoryArea[];
  rules: ChangeRule[];
}

type Fail = (message: string) => never;
type Fields = Record<string, unknown>;

const RULE_ID = /^[a-z0-9][a-z0-9_.-]*$/;

export function parseRulesDocument(document: unknown, fail: Fail): RulesDocument {
  // `alerts` belongs to the alerting feature, which reads and checks it (alert-rules.ts).
  const top = fieldsOf(document, 'the document', ['version', 'areas', 'rules', 'alerts'], fail);
  if (top.version !== undefined && top.version !== 1) fail(`version: must be 1, got ${show(top.version)}`);
  const areas = top.areas === undefined ? [] : arrayOf(top.areas, 'areas', fail).map((entry, index) => parseArea(entry, `areas[${index}]`, fail));
  const rawRules = arrayOf(top.rules, 'rules', fail);
  if (rawRules.length === 0) fail('rules: must list at least one rule');

  const rules: ChangeRule[] = [];
  const seen = new Map<string, number>();
  rawRules.forEach((entry, index) => {
    const rule = parseRule(entry, index, fail);
    const earlier = seen.get(rule.id);
    if (earlier !== undefined) fail(`rules[${index}].id: "${rule.id}" is already the id of rules[${earlier}]`);
    seen.set(rule.id, index);
    rules.push(rule);
  });
  const catchAll = rules.findIndex((rule) => matchesEverything(rule.match));
  if (catchAll >= 0 && catchAll < rules.length - 1) {
    fail(`rules[${catchAll + 1}] (${rules[catchAll + 1]!.id}) can never match: rules[${catchAll}] (${rules[catchAll]!.id}) before it matches every change`);
  }
  return { areas, rules };
}

function parseArea(entry: unknown, where: string, fail: Fail): CategoryArea {
  const fields = fieldsOf(entry, where, ['category', 'paths'], fail);
  return {
    category: oneOf(fields.category, CATEGORIES, `${where}.category`, fail),
    paths: stringList(fields.paths, `${where}.paths`, fail),
  };
}

function parseRule(entry: unknown, index: number, fail: Fail): ChangeRule {
  const fields = fieldsOf(entry, `rules[${index}]`, null, fail);
  if (typeof fields.id !== 'string' || !RULE_ID.test(fields.id)) {
    fail(`rules[${index}].id: must be lower-case letters, digits, "-", "_" or ".", got ${show(fields.id)}`);
  }
  const id = fields.id;
  if (id === DEFAULT_RULE_ID) fail(`rules[${index}].id: "${DEFAULT_RULE_ID}" is reserved for changes no rule matches`);
  const where = `rules[${index}] (${id})`;
  fieldsOf(fields, where, ['id', 'description', 'match', 'category', 'severity', 'significant'], fail);

  if (fields.description !== undefined && typeof fields.description !== 'string') fail(`${where}.description: must be a string`);
  if (typeof fields.significant !== 'boolean') fail(`${where}.significant: must be true or false, got ${show(fields.significant)}`);
  const rule: ChangeRule = {
    id,
    match: parseMatch(fields.match, `${where}.match`, fail),
    severity: oneOf(fields.severity, SEVERITIES, `${where}.severity`, fail),
    significant: fields.significant,
  };
  if (fields.description !== undefined) rule.description = fields.description;
  if (fields.category !== undefined) rule.category = oneOf(fields.category, CATEGORIES, `${where}.category`, fail);
  return rule;
}

function parseMatch(value: unknown, where: string, fail: Fail): RuleMatch {
  const fields = fieldsOf(value, where, ['paths', 'categories', 'types', 'numeric_change_over_percent', 'current_value_equals', 'previous_value_equals'], fail);
  const match: RuleMatch = {};
  if (fields.paths !== undefined) match.paths = stringList(fields.paths, `${where}.paths`, fail);
  if (fields.categories !== undefined) {
    match.categories = nonEmpty(fields.categories, `${where}.categories`, fail).map((item, i) => oneOf(item, CATEGORIES, `${where}.categories[${i}]`, fail));
  }
  if (fields.types !== undefined) {
    match.types = nonEmpty(fields.types, `${where}.types`, fail).map((item, i) => oneOf(item, CHANGE_TYPES, `${where}.types[${i}]`, fail));
  }
  const percent = fields.numeric_change_over_percent;
  if (percent !== undefined) {
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0) {
      fail(`${where}.numeric_change_over_percent: must be a number of 0 or more, got ${show(percent)}`);
    }
    match.numeric_change_over_percent = percent;
  }
  for (const name of ['current_value_equals', 'previous_value_equals'] as const) {
    const expected = fields[name];
    if (expected === undefined) continue;
    if (expected !== null && !['string', 'number', 'boolean'].includes(typeof expected)) {
      fail(`${where}.${name}: must be a string, number, boolean or null, got ${show(expected)}`);
    }
    match[name] = expected as ScalarValue;
  }
  return match;
}

/** A rule that every change satisfies: no conditions, or only paths that include `**`. */
function matchesEverything(match: RuleMatch): boolean {
  const { paths, ...others } = match;
  return Object.keys(others).length === 0 && (paths === undefined || paths.includes('**'));
}

/** The value as an object whose fields are all `known` (any field when null) or comments. */
function fieldsOf(value: unknown, where: string, known: string[] | null, fail: Fail): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where}: must be an object, got ${show(value)}`);
  const fields = value as Fields;
  if (known === null) return fields;
  for (const name of Object.keys(fields)) {
    if (!name.startsWith('$') && !known.includes(name)) fail(`${where}: unknown field "${name}" (known: ${known.join(', ')})`);
  }
  return fields;
}

function arrayOf(value: unknown, where: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${where}: must be an array, got ${show(value)}`);
  return value as unknown[];
}

function nonEmpty(value: unknown, where: string, fail: Fail): unknown[] {
  const items = arrayOf(value, where, fail);
  if (items.length === 0) fail(`${where}: must not be empty`);
  return items;
}

function stringList(value: unknown, where: string, fail: Fail): string[] {
  return nonEmpty(value, where, fail).map((item, index) => {
    if (typeof item !== 'string' || item === '') fail(`${where}[${index}]: must be a non-empty string, got ${show(item)}`);
    return item;
  });
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string, fail: Fail): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(`${where}: must be one of ${allowed.join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
