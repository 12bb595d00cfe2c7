import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { SettingsNav } from '../components/settings-nav.tsx';
import { NoOrganization } from '../components/shown-once.tsx';
import { ErrorBox, Loading } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useAccess } from '../session.tsx';
import { BackupUsage } from './settings/backup-usage.tsx';
import { LivenessThresholds } from './settings/liveness-thresholds.tsx';
import { MonitoringSettingsCard } from './settings/monitoring-settings.tsx';
import { usePageTitle } from '../page-title.ts';

/** The selected organization's settings: liveness thresholds, the monitoring agents' settings, backup usage against its quota. */
export function SettingsPage() {
  usePageTitle('Settings');
  const { selected } = useOrganization();
  const access = useAccess();
  const organizationId = selected?.id ?? '';
  const edit = selected !== null && access.can('organizations:manage', organizationId);
  const organization = useQuery({
    queryKey: ['organization', organizationId],
    enabled: selected !== null,
    queryFn: () => api.get('organizations/{id}', { path: { id: organizationId } }),
  });

  if (!selected) return <NoOrganization />;
  return (
    <div className="page">
      <h1>Settings of {selected.name}</h1>
      <SettingsNav organizationId={organizationId} />
      <ErrorBox error={organization.error} />
      {organization.isPending ? <Loading /> : null}
      {organization.data ? <LivenessThresholds key={organizationId} organization={organization.data} edit={edit} /> : null}
      <MonitoringSettingsCard key={`monitoring-${organizationId}`} organizationId={organizationId} edit={edit} />
      {access.can('systems:read', organizationId) ? <BackupUsage organizationId={organizationId} /> : null}
    </div>
  );
}
