import { useConnection } from '../connection.tsx';
import { useTimeFormat } from '../time-zone.ts';
import { Time } from './ui.tsx';

/** Above every page while Muster cannot be reached: what is shown is the last data, from when. */
export function ConnectionBanner() {
  const { lost, lastUpdatedAt } = useConnection();
  const time = useTimeFormat();
  if (!lost) return null;
  return (
    <div className="connection-banner" role="alert" data-testid="connection-lost">
      <strong>Connection lost</strong> —{' '}
      {lastUpdatedAt ? (
        <>
          showing data from <span data-testid="connection-last-updated">{time.dateTime(lastUpdatedAt)}</span> (last updated{' '}
          <Time iso={new Date(lastUpdatedAt).toISOString()} />
          ). Retrying…
        </>
      ) : (
        'Muster cannot be reached. Retrying…'
      )}
    </div>
  );
}
