/** Code-unit order: stable across locales, and without ICU's collation data (megabytes of RSS). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
