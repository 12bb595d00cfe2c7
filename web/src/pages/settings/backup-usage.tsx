import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api.ts';
import { Empty, ErrorBox, Loading } from '../../components/ui.tsx';
import { bytes } from '../../format.ts';

/** A labelled bar of `used` against `limit`, with the numbers in words beside it. */
function UsageMeter({ label, used, limit, testId }: { label: string; used: number; limit: number; testId: string }) {
  const share = limit > 0 ? used / limit : 0;
  const percent = share * 100;
  return (
    <div className="usage">
      <div className="usage-head">
        <span>{label}</span>
        <span data-testid={testId}>
          {bytes(used)} of {bytes(limit)} ({percent < 0.1 && used > 0 ? '< 0.1' : percent.toFixed(1)} %)
        </span>
      </div>
      <div
        className={`usage-bar${share >= 0.9 ? ' usage-high' : ''}`}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={used}
        aria-valuetext={`${bytes(used)} of ${bytes(limit)}`}
      >
        <span style={{ width: `${Math.min(100, percent)}%` }} />
      </div>
    </div>
  );
}

/** The organization's backup storage against its quota (BACKUP_MAX_SIZE_PER_ORG), and each system's against what retention keeps. */
export function BackupUsage({ organizationId }: { organizationId: string }) {
  const usage = useQuery({
    queryKey: ['backup-usage', organizationId],
    queryFn: () => api.get('backups/usage', { query: { organization_id: organizationId } }),
    refetchInterval: 10_000,
  });
  const data = usage.data;
  const organization = data?.organizations.find((entry) => entry.organization_id === organizationId) ?? { bytes: 0, count: 0 };
  const quota = data?.limits.organization_quota_bytes ?? null;
  return (
    <section className="card" aria-labelledby="backup-usage-title">
      <h2 id="backup-usage-title">Backup usage and quotas</h2>
      <ErrorBox error={usage.error} />
      {usage.isPending ? <Loading /> : null}
      {data ? (
        <div className="stack usage-section">
          {quota === null ? (
            <p data-testid="organization-backup-usage">
              {bytes(organization.bytes)} in {organization.count} backup{organization.count === 1 ? '' : 's'}; no organization quota (BACKUP_MAX_SIZE_PER_ORG is
              0).
            </p>
          ) : (
            <>
              <UsageMeter label="Organization quota" used={organization.bytes} limit={quota} testId="organization-backup-usage" />
              <p className="muted">
                {organization.count} backup{organization.count === 1 ? '' : 's'}; an upload beyond the quota is refused (413).
              </p>
            </>
          )}
          <p className="muted">
            Each system keeps its newest {data.limits.system_max_backups} backups within {bytes(data.limits.system_max_bytes)} (older ones are removed after
            each upload).
          </p>
          {data.systems.length === 0 ? (
            <Empty title="No backups yet">Appliances upload them to POST /api/systems/backups with their credentials.</Empty>
          ) : (
            <ul className="usage-list" aria-label="Backup usage per system">
              {data.systems.map((system) => (
                <li key={system.system_id}>
                  <UsageMeter
                    label={`${system.system_name} (${system.count} of ${data.limits.system_max_backups} backups)`}
                    used={system.bytes}
                    limit={data.limits.system_max_bytes}
                    testId={`system-backup-usage-${system.system_name}`}
                  />
                  <Link to={`/systems/${system.system_id}/backups`}>Backups of {system.system_name}</Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </section>
  );
}
