import { spellSeconds, suggestedHeartbeatSeconds, useHeartbeatTimeout } from '../heartbeat-interval.ts';

/** "Send one every 10 minutes: its organization's timeout is 30 minutes", from the organization's real threshold. */
export function HeartbeatHint({ organizationId }: { organizationId: string }) {
  const timeout = useHeartbeatTimeout(organizationId);
  if (timeout === undefined) return null;
  return (
    <span className="muted" data-testid="heartbeat-hint">
      (expected every {spellSeconds(suggestedHeartbeatSeconds(timeout))}: the organization's timeout is {spellSeconds(timeout)})
    </span>
  );
}
