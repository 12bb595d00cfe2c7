/**
 * PostgreSQL array literals (`{a,b}`) built in one pass, for the batched statements of the hot
 * paths (heartbeats, reports, samples). The drivers' own encoding of a JavaScript array quotes
 * and escapes every element and formats every Date in local time, which shows with batches of
 * hundreds; these are for elements that need no quoting: UUIDs, ISO times, integers, numbers.
 */
export function arrayLiteral<T>(items: readonly T[], value: (item: T) => string): string {
  let literal = '{';
  for (let index = 0; index < items.length; index++) literal += (index === 0 ? '' : ',') + value(items[index]!);
  return `${literal}}`;
}

/** Times as an ISO array literal; the items of one batch mostly share a millisecond, formatted once. */
export function timesLiteral<T>(items: readonly T[], time: (item: T) => Date): string {
  let lastTime = NaN;
  let lastIso = '';
  return arrayLiteral(items, (item) => {
    const at = time(item);
    if (at.getTime() !== lastTime) {
      lastTime = at.getTime();
      lastIso = at.toISOString();
    }
    return lastIso;
  });
}

/**
 * JSON texts as one JSON array's text, for `json_array_elements($n::json)`: each element comes
 * back as sent, and nothing is escaped twice (a `json[]` literal would quote every report).
 */
export const jsonArrayText = (texts: readonly string[]): string => `[${texts.join(',')}]`;
