/**
 * Absolute times as the dashboard shows them: one format, `2026-12-07 14:03:12 UTC`, always with its
 * zone, in UTC or in the browser's own zone (the operator's choice, see time-zone.ts). Pure functions
 * of an instant and an IANA zone, so that they are tested without a browser.
 */
export type ZoneChoice = 'local' | 'utc';

/** The IANA zone a choice stands for: UTC, or the browser's own. */
export function zoneOf(choice: ZoneChoice): string {
  return choice === 'utc' ? 'UTC' : Intl.DateTimeFormat().resolvedOptions().timeZone;
}

type Part = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'timeZoneName';
const formatters = new Map<string, Intl.DateTimeFormat>();

/** An instant's wall-clock fields in a zone, two digits each (`hourCycle: h23`: midnight is 00, never 24). */
function partsIn(at: number, timeZone: string): Record<Part, string> {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = {} as Record<Part, string>;
  for (const part of formatter.formatToParts(at)) if (part.type !== 'literal') parts[part.type as Part] = part.value;
  return parts;
}

const instant = (at: string | number | Date): number => (typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime());

/** `2026-12-07 14:03:12 UTC`: the one format of every absolute time. */
export function formatDateTime(at: string | number | Date, timeZone: string): string {
  const parts = partsIn(instant(at), timeZone);
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** The calendar day (`YYYY-MM-DD`) of an instant in a zone. */
export function dayOf(at: string | number | Date, timeZone: string): string {
  const parts = partsIn(instant(at), timeZone);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The zone's short name at an instant (`UTC`, `EST`, `GMT+1`): what labels a time. */
export function zoneName(timeZone: string, at: number = Date.now()): string {
  return partsIn(at, timeZone).timeZoneName;
}

const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone: 'UTC' });

/** A day heading: `Monday 2026-12-07` (the day is a calendar day, so its weekday needs no zone). */
export function formatDay(day: string): string {
  return `${weekday.format(Date.parse(`${day}T12:00:00Z`))} ${day}`;
}

/** A chart tick: the day (`12-07`) over a range of days, the time of day (`14:05`) otherwise. */
export function formatTick(at: number, timeZone: string, days: boolean): string {
  const parts = partsIn(at, timeZone);
  return days ? `${parts.month}-${parts.day}` : `${parts.hour}:${parts.minute}`;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(at: number, timeZone: string): number {
  const parts = partsIn(at, timeZone);
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(at / 1000) * 1000;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A wall-clock time typed in a zone (`YYYY-MM-DD` or `YYYY-MM-DDTHH:mm[:ss]`, as date and
 * datetime-local inputs give it) as the instant it names; null when malformed. A time skipped by a
 * daylight-saving change is read with the offset before it.
 */
export function wallToInstant(wall: string, timeZone: string): Date | null {
  const match = WALL.exec(wall);
  if (!match) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00'] = match;
  const guess = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  // Date.UTC rolls 2026-13-45 over into 2027: only fields that name a real time are read.
  const check = new Date(guess);
  if (
    Number.isNaN(guess) ||
    check.getUTCMonth() !== Number(month) - 1 ||
    check.getUTCDate() !== Number(day) ||
    check.getUTCHours() !== Number(hour) ||
    check.getUTCMinutes() !== Number(minute)
  )
    return null;
  let at = guess - offsetAt(guess, timeZone);
  const offset = offsetAt(at, timeZone);
  if (guess - offset !== at) at = guess - offset;
  return new Date(at);
}

/** An instant as a datetime-local input's value (`YYYY-MM-DDTHH:mm`) in a zone. */
export function instantToWall(at: Date, timeZone: string): string {
  const parts = partsIn(at.getTime(), timeZone);
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The instant a calendar day (`YYYY-MM-DD`), or the one `daysLater`, begins in a zone; null when malformed. */
export function startOfDay(day: string, timeZone: string, daysLater = 0): Date | null {
  const midnight = Date.parse(`${day}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(midnight)) return null;
  return wallToInstant(new Date(midnight + daysLater * 86_400_000).toISOString().slice(0, 10), timeZone);
}
