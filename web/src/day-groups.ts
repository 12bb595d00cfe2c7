const DAY_MS = 86_400_000;

export interface DayGroup<T> {
  /** The calendar day, `YYYY-MM-DD`. */
  day: string;
  items: T[];
  /** Days without any item between this group and the newer one shown above it. */
  quietDaysBefore: number;
}

/** Groups items listed newest first by their calendar day (`dayOf`, in whichever zone), counting the quiet days between groups. */
export function groupByDay<T>(items: readonly T[], dayOf: (item: T) => string): DayGroup<T>[] {
  const groups: DayGroup<T>[] = [];
  for (const item of items) {
    const day = dayOf(item);
    const last = groups.at(-1);
    if (last?.day === day) {
      last.items.push(item);
      continue;
    }
    const quietDaysBefore = last ? Math.max(0, Math.round((Date.parse(last.day) - Date.parse(day)) / DAY_MS) - 1) : 0;
    groups.push({ day, items: [item], quietDaysBefore });
  }
  return groups;
}
