/**
 * The vocabulary of inventory changes, shared by the features that produce them (inventory's
 * diff engine and rules) and those that act on them (alerts, summaries): one source for each
 * shape, so a category or a field of the record cannot differ between them.
 */

export const CATEGORIES = [
  'os',
  'hardware',
  'network',
  'services',
  'features',
  'security',
  'backup',
  'modules',
  'cluster',
  'nodes',
  'custom',
  'system',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CHANGE_TYPES = ['create', 'update', 'delete'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** One change between a system's inventory record and its predecessor, as the rules classified it. */
export interface ClassifiedChange {
  fieldPath: string;
  diffType: ChangeType;
  previousValue: unknown;
  currentValue: unknown;
  category: string;
  severity: string;
  /** Whether the rules count it as significant (alerts, summaries) rather than noise. */
  significant: boolean;
  /** The id of the rule that classified it (`default` when none matched). */
  rule: string;
}

/** A change as stored: where it belongs. */
export interface ChangeRecord extends ClassifiedChange {
  systemId: string;
  organizationId: string;
  recordId: string;
  previousRecordId: string;
  detectedAt: Date;
}
