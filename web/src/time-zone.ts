import { useMemo, useSyncExternalStore } from 'react';
import { dayOf, formatDateTime, zoneName, zoneOf, type ZoneChoice } from './time.ts';

const KEY = 'muster.time-zone';
const listeners = new Set<() => void>();

function stored(): ZoneChoice {
  try {
    return localStorage.getItem(KEY) === 'utc' ? 'utc' : 'local';
  } catch {
    return 'local';
  }
}

let choice = stored();

/** The operator's choice, kept in the browser; every mounted time re-renders in the new zone. */
export function setZoneChoice(next: ZoneChoice): void {
  choice = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Storage refused (private mode): the choice lasts for this page.
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab changed it.
  const onStorage = (event: StorageEvent) => {
    if (event.key !== KEY) return;
    choice = stored();
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useZoneChoice(): ZoneChoice {
  return useSyncExternalStore(subscribe, () => choice);
}

export interface TimeFormat {
  choice: ZoneChoice;
  /** The IANA zone times are shown in. */
  timeZone: string;
  /** Its short name now (`UTC`, `GMT+1`), for labels of inputs and charts. */
  zone: string;
  dateTime: (at: string | number | Date) => string;
  day: (at: string | number | Date) => string;
}

/** Absolute times in the operator's chosen zone. */
export function useTimeFormat(): TimeFormat {
  const current = useZoneChoice();
  return useMemo(() => {
    const timeZone = zoneOf(current);
    return {
      choice: current,
      timeZone,
      zone: zoneName(timeZone),
      dateTime: (at) => formatDateTime(at, timeZone),
      day: (at) => dayOf(at, timeZone),
    };
  }, [current]);
}
