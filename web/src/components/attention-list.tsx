import { Link } from 'react-router';
import type { Answer } from '../api.ts';
import { SeverityBadge, Time } from './ui.tsx';

export type AttentionItem = Answer<'get', 'attention'>['items'][number];
type Reason = AttentionItem['reasons'][number];

export const TIER_LABEL: Record<AttentionItem['tier'], string> = { critical: 'Critical', high: 'High', warning: 'Warning' };

function reasonText(reason: Reason): string {
  if (reason.kind === 'liveness') return reason.status === 'inactive' ? 'Inactive: no heartbeat within its timeout' : 'Late: heartbeats overdue';
  return reason.summary ?? reason.name ?? 'alert';
}

/** Where a reason is looked into: the system's alerts for an alert, its overview for its liveness. */
function reasonLink(item: AttentionItem, reason: Reason): string {
  return reason.kind === 'alert' ? `/systems/${item.system_id}/alerts` : `/systems/${item.system_id}`;
}

/** Systems needing attention, one row each: its worst tier, its name, every reason with since when. */
export function AttentionList({ items }: { items: readonly AttentionItem[] }) {
  return (
    <ul className="attention-list" aria-label="Systems needing attention">
      {items.map((item) => (
        <li key={item.system_id} className="attention-item" data-tier={item.tier}>
          <div className="attention-head">
            <SeverityBadge severity={item.tier} />
            <Link className="attention-system" to={`/systems/${item.system_id}`}>
              {item.name}
            </Link>
            <span className="muted">
              since <Time iso={item.since} />
            </span>
          </div>
          <ul className="attention-reasons">
            {item.reasons.map((reason) => (
              <li key={reason.kind === 'alert' ? reason.alert_id : 'liveness'}>
                {reason.kind === 'alert' && reason.severity ? <SeverityBadge severity={reason.severity} /> : null}
                <Link to={reasonLink(item, reason)}>{reasonText(reason)}</Link>
                <span className="muted">
                  {' '}
                  · <Time iso={reason.since} />
                </span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
