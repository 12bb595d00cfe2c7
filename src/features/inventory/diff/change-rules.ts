import { readFileSync } from 'node:fs';
import type { Category, Severity } from '../../../domain/changes.ts';
import { DEFAULT_RULE_ID, parseRulesDocument, type CategoryArea, type ChangeRule } from './change-rules-schema.ts';
import { parseFieldPath, type PathSegment } from './field-path.ts';
import type { FieldChange } from './inventory-diff.ts';
import { compilePathPattern, matchesPathPattern, type PathPattern } from './path-pattern.ts';

/**
 * Classifies inventory changes (category, severity, significance) by the rules of one data
 * file (rules/inventory-rules.json by default, RULES_FILE to override; its format is described
 * in rules/README.md). Two ordered lists, both first-match-wins:
 *
 * - `areas` say where each category lives: the first area with a pattern matching the change's
 *   path names its category, `system` when none does.
 * - `rules` say how much a change matters: the first rule whose conditions all hold gives the
 *   severity, the significance and, when it names one, the category (else the area's).
 *
 * When no rule matches, the change is low and significant, with its area's category, and the
 * verdict names the rule `default`.
 */

export { DEFAULT_RULE_ID } from './change-rules-schema.ts';
export type { CategoryArea, ChangeRule, RuleMatch } from './change-rules-schema.ts';

/** The category of a change whose path lies in no area. */
export const FALLBACK_CATEGORY: Category = 'system';

export interface ChangeRules {
  /** Where the rules came from, for messages. */
  readonly source: string;
  readonly areas: readonly CompiledArea[];
  readonly rules: readonly CompiledRule[];
  /** Category by path: the same paths come back with every inventory of a fleet. */
  readonly areaCache: Map<string, Category>;
}

/** Entries kept in areaCache before it starts over; bounds memory whatever the paths. */
const AREA_CACHE_SIZE = 20_000;

export interface CompiledArea extends CategoryArea {
  readonly patterns: readonly PathPattern[];
}

export interface CompiledRule extends ChangeRule {
  readonly patterns: readonly PathPattern[] | null;
}

export interface Classification {
  category: Category;
  severity: Severity;
  significant: boolean;
  /** Id of the rule that decided, or `default`. */
  rule: string;
}

export class ChangeRulesError extends Error {
  override name = 'ChangeRulesError';
}

/** Reads, validates and compiles a rules file; throws a ChangeRulesError naming the bad entry and field. */
export function loadChangeRules(path: string): ChangeRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ChangeRulesError(`cannot read rules file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ChangeRulesError(`rules file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return compileChangeRules(document, path);
}

/** Validates and compiles rules already parsed from JSON. */
export function compileChangeRules(document: unknown, source: string): ChangeRules {
  const fail = (message: string): never => {
    throw new ChangeRulesError(`rules file ${source}: ${message}`);
  };
  const parsed = parseRulesDocument(document, fail);
  const compile = (patterns: string[], where: string): PathPattern[] =>
    patterns.map((pattern, index) => {
      try {
        return compilePathPattern(pattern);
      } catch (error) {
        return fail(`${where}.paths[${index}]: ${(error as Error).message}`);
      }
    });
  const areas = parsed.areas.map((area, index) => Object.freeze({ ...area, patterns: compile(area.paths, `areas[${index}]`) }));
  const rules = parsed.rules.map((rule, index) =>
    Object.freeze({ ...rule, patterns: rule.match.paths ? compile(rule.match.paths, `rules[${index}] (${rule.id}).match`) : null }),
  );
  return Object.freeze({ source, areas: Object.freeze(areas), rules: Object.freeze(rules), areaCache: new Map<string, Category>() });
}

export function classifyChange(change: FieldChange, rules: ChangeRules): Classification {
  const segments = segmentsOf(change.path);
  let area: Category | undefined;
  const areaCategory = (): Category => (area ??= cachedCategoryOf(change.path, segments, rules));

  for (const rule of rules.rules) {
    const { match } = rule;
    if (match.types && !match.types.includes(change.type)) continue;
    if (rule.patterns && !rule.patterns.some((pattern) => matchesPathPattern(pattern, segments))) continue;
    if (match.categories && !match.categories.includes(areaCategory())) continue;
    if (match.current_value_equals !== undefined && change.current !== match.current_value_equals) continue;
    if (match.previous_value_equals !== undefined && change.previous !== match.previous_value_equals) continue;
    if (match.numeric_change_over_percent !== undefined && !changedOverPercent(change, match.numeric_change_over_percent)) continue;
    return { category: rule.category ?? areaCategory(), severity: rule.severity, significant: rule.significant, rule: rule.id };
  }
  return { category: areaCategory(), severity: 'low', significant: true, rule: DEFAULT_RULE_ID };
}

function segmentsOf(path: string): PathSegment[] {
  try {
    return parseFieldPath(path);
  } catch {
    // Paths come from the diff and always parse; anything else is matched as one opaque key.
    return [{ kind: 'key', key: path }];
  }
}

function cachedCategoryOf(path: string, segments: readonly PathSegment[], rules: ChangeRules): Category {
  let category = rules.areaCache.get(path);
  if (category === undefined) {
    category = categoryOf(segments, rules.areas);
    if (rules.areaCache.size >= AREA_CACHE_SIZE) rules.areaCache.clear();
    rules.areaCache.set(path, category);
  }
  return category;
}

function categoryOf(segments: readonly PathSegment[], areas: readonly CompiledArea[]): Category {
  for (const area of areas) {
    if (area.patterns.some((pattern) => matchesPathPattern(pattern, segments))) return area.category;
  }
  return FALLBACK_CATEGORY;
}

const NUMERIC_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** Inventories often carry counts as strings ("count": "4"); those count as numbers. */
function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return null;
}

function changedOverPercent(change: FieldChange, percent: number): boolean {
  const before = numberOf(change.previous);
  const after = numberOf(change.current);
  if (change.type !== 'update' || before === null || after === null || before === after) return false;
  if (before === 0) return true;
  return (Math.abs(after - before) / Math.abs(before)) * 100 > percent;
}
