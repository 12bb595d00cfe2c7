import { useQuery } from '@tanstack/react-query';
import { api } from './api.ts';

/** "30 minutes", "2 hours", "90 seconds": a whole number of the largest unit that divides it. */
export function spellSeconds(seconds: number): string {
  const [count, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/**
 * How often an appliance should send a heartbeat for a timeout: a third of it, so that two lost
 * heartbeats in a row do not yet make the system inactive; whole minutes from two minutes up.
 */
export function suggestedHeartbeatSeconds(timeoutSeconds: number): number {
  const third = timeoutSeconds / 3;
  if (third >= 120) return Math.floor(third / 60) * 60;
  return Math.max(1, Math.floor(third));
}

/** The heartbeat timeout in force for an organization (its own, or the server's default it inherits); undefined until known or when not readable. */
export function useHeartbeatTimeout(organizationId: string | null | undefined): number | undefined {
  const organization = useQuery({
    queryKey: ['organization', organizationId],
    enabled: Boolean(organizationId),
    queryFn: () => api.get('organizations/{id}', { path: { id: organizationId! } }),
    staleTime: 60_000,
  });
  return organization.data?.effective_heartbeat_timeout_seconds;
}
