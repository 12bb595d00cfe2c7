import { useConnection } from '../connection.tsx';
import { Time } from './ui.tsx';

const clock = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** Above every page while Muster cannot be reached: what is shown is the last data, from when. */
export function ConnectionBanner() {
  const { lost, lastUpdatedAt } = useConnection();
  if (!lost) return null;
  return (
    <div className="connection-banner" role="alert" data-testid="connection-lost">
      <strong>Connection lost</strong> —{' '}
      {lastUpdatedAt ? (
        <>
          showing data from <span data-testid="connection-last-updated">{clock(lastUpdatedAt)}</span> (last updated{' '}
          <Time iso={new Date(lastUpdatedAt).toISOString()} />
          ). Retrying…
        </>
      ) : (
        'Muster cannot be reached. Retrying…'
      )}
    </div>
  );
}
