import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, LIVE_INTERVAL_MS, type Alert } from '../api.ts';
import { AlertRows } from '../components/alert-triage.tsx';
import { Empty, ErrorBox, Loading, Pagination, Tabs } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useUrlFilters } from '../url-filters.ts';
import { usePageTitle } from '../page-title.ts';

const PAGE_SIZE = 50;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'warning', 'info'] as const;
/** The rules Muster raises by itself; metric rules come from the rules file and can be typed in. */
const RULES = ['LinkFailed', 'HeartbeatWarning', 'InventoryChange', 'SystemRegistered'];
const VIEWS = [
  ['firing', 'Firing'],
  ['history', 'History'],
] as const;
type Grouping = 'none' | 'system' | 'rule';

/** The fleet's alerts: firing or all of them, filtered and grouped as the URL says, each acknowledged or silenced from its row. */
export function AlertsPage() {
  const { params, update } = useUrlFilters();
  const { selected, organizations } = useOrganization();
  const view = params.get('view') === 'history' ? 'history' : 'firing';
  usePageTitle(view === 'history' ? 'Alert history' : 'Alerts');
  const severity = params.getAll('severity');
  const grouping = (['system', 'rule'].includes(params.get('group') ?? '') ? params.get('group') : 'none') as Grouping;
  const acknowledged = params.get('acknowledged');
  const page = Math.max(1, Number(params.get('page')) || 1);
  const query = {
    status: view === 'firing' ? ('firing' as const) : undefined,
    severity: severity.length ? (severity as (typeof SEVERITIES)[number][]) : undefined,
    name: params.get('rule') ?? undefined,
    system_id: params.get('system_id') ?? undefined,
    organization_id: params.get('organization_id') ?? selected?.id,
    acknowledged: acknowledged === 'true' ? true : acknowledged === 'false' ? false : undefined,
    page,
    page_size: PAGE_SIZE,
  };
  const alerts = useQuery({
    queryKey: ['alerts', 'fleet', query],
    queryFn: () => api.get('alerts', { query }),
    refetchInterval: LIVE_INTERVAL_MS,
    placeholderData: keepPreviousData,
  });
  const toggleSeverity = (value: string) => update({ severity: severity.includes(value) ? severity.filter((s) => s !== value) : [...severity, value] });

  return (
    <div className="page">
      <h1>Alerts</h1>
      <Tabs id="alerts" label="Alerts shown" tabs={VIEWS} current={view} onSelect={(next) => update({ view: next === 'firing' ? undefined : next })}>
        <section className="card filters" aria-label="Filters">
          <fieldset className="checkbox-group">
            <legend>Severity</legend>
            {SEVERITIES.map((value) => (
              <label key={value}>
                <input type="checkbox" checked={severity.includes(value)} onChange={() => toggleSeverity(value)} /> {value}
              </label>
            ))}
          </fieldset>
          <label>
            Rule
            <input
              list="alert-rules"
              value={params.get('rule') ?? ''}
              onChange={(event) => update({ rule: event.target.value || undefined })}
              placeholder="any"
            />
            <datalist id="alert-rules">
              {RULES.map((rule) => (
                <option key={rule} value={rule} />
              ))}
            </datalist>
          </label>
          <label>
            Organization
            <select value={query.organization_id ?? ''} onChange={(event) => update({ organization_id: event.target.value || undefined })}>
              <option value="">All I may see</option>
              {organizations.map((organization) => (
                <option key={organization.id} value={organization.id}>
                  {organization.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Acknowledged
            <select value={acknowledged ?? ''} onChange={(event) => update({ acknowledged: event.target.value || undefined })}>
              <option value="">Either</option>
              <option value="false">Not acknowledged</option>
              <option value="true">Acknowledged</option>
            </select>
          </label>
          <label>
            Group by
            <select value={grouping} onChange={(event) => update({ group: event.target.value === 'none' ? undefined : event.target.value })}>
              <option value="none">Nothing</option>
              <option value="system">System</option>
              <option value="rule">Rule</option>
            </select>
          </label>
          {query.system_id ? (
            <button type="button" className="button small" onClick={() => update({ system_id: undefined })}>
              Only one system: show all
            </button>
          ) : null}
        </section>
        <ErrorBox error={alerts.error} />
        {alerts.isPending ? <Loading rows={8} /> : null}
        {alerts.data ? (
          <section className="card" aria-label={view === 'firing' ? 'Firing alerts' : 'All alerts'}>
            <p className="muted" data-testid="alerts-total">
              {alerts.data.total.toLocaleString()} {view === 'firing' ? 'firing' : 'in all'}
            </p>
            {alerts.data.items.length === 0 ? (
              <Empty title={view === 'firing' ? 'Nothing firing' : 'No alerts'}>No alert matches these filters.</Empty>
            ) : (
              <Grouped alerts={alerts.data.items} grouping={grouping} />
            )}
            <Pagination page={page} pageSize={PAGE_SIZE} total={alerts.data.total} onPage={(next) => update({ page: String(next) })} />
          </section>
        ) : null}
      </Tabs>
    </div>
  );
}

/** The page's alerts in groups (by system or by rule), each headed by its name and count; or as one list. */
function Grouped({ alerts, grouping }: { alerts: readonly Alert[]; grouping: Grouping }) {
  if (grouping === 'none') return <AlertRows alerts={alerts} showSystem />;
  const groups = new Map<string, Alert[]>();
  for (const alert of alerts) {
    const key = grouping === 'system' ? (alert.labels.system_name ?? alert.system_id ?? '—') : alert.name;
    groups.set(key, [...(groups.get(key) ?? []), alert]);
  }
  return (
    <div className="stack">
      {[...groups].map(([key, members]) => (
        <section key={key} className="alert-group" aria-label={`${key}: ${members.length}`}>
          <h2 className="group-title">
            {key} <span className="muted">· {members.length}</span>
          </h2>
          <AlertRows alerts={members} showSystem={grouping === 'rule'} />
        </section>
      ))}
    </div>
  );
}
