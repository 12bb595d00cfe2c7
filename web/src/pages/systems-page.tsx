import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, LIVE_INTERVAL_MS, STATUSES, type Organization, type SystemWithSecret } from '../api.ts';
import { SecretDialog } from '../components/secret-dialog.tsx';
import { SystemActions } from '../components/system-actions.tsx';
import { Empty, ErrorBox, HealthBadge, Loading, Pagination, STATUS_LABEL, StatusDot, Time } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useUrlFilters } from '../url-filters.ts';
import { useAccess } from '../session.tsx';

const PAGE_SIZE = 50;
const COLUMNS: [sort: string | null, label: string][] = [
  ['status', 'Status'],
  ['name', 'Name'],
  ['type', 'Type'],
  [null, 'Version'],
  [null, 'FQDN / IP'],
  ['organization', 'Organization'],
  ['last_heartbeat', 'Last heartbeat'],
  ['last_inventory_at', 'Last inventory'],
  [null, 'Health'],
  [null, 'Actions'],
];

export function SystemsPage() {
  const { params, update } = useUrlFilters();
  const [created, setCreated] = useState<SystemWithSecret | null>(null);
  const [creating, setCreating] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const { organizations, selected } = useOrganization();
  const access = useAccess();
  const filters = {
    status: params.getAll('status'),
    type: params.get('type') ?? undefined,
    // A link may name an organization; otherwise the switcher's choice narrows the list.
    organization_id: params.get('organization_id') ?? selected?.id,
    search: params.get('search') ?? undefined,
    deleted: params.get('deleted') ?? undefined,
    // The overview's counts link here: its statuses leave suspended systems out (suspended=false).
    suspended: params.has('suspended') ? params.get('suspended') === 'true' : undefined,
    sort: params.get('sort') ?? 'name',
    order: params.get('order') ?? 'asc',
  };
  const page = Number(params.get('page') ?? '1') || 1;

  const systems = useQuery({
    queryKey: ['systems', 'list', filters, page],
    queryFn: () => api.get('systems', { query: { ...filters, page, page_size: PAGE_SIZE } }),
    placeholderData: keepPreviousData,
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const ids = systems.data?.items.map((system) => system.id) ?? [];
  const health = useQuery({
    queryKey: ['health', ids],
    enabled: ids.length > 0,
    queryFn: () => api.get('health-scores', { query: { system_id: ids } }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const scores = new Map(health.data?.items.map((item) => [item.system_id, item]) ?? []);
  // The type filter offers the types the fleet (or the chosen organization) has, the most common first.
  const fleet = useQuery({
    queryKey: ['summary', filters.organization_id ?? null],
    queryFn: () => api.get('summary', { query: filters.organization_id ? { organization_id: filters.organization_id } : {} }),
  });
  const types = fleet.data?.by_type.map((entry) => entry.type) ?? [];
  if (filters.type && !types.includes(filters.type)) types.push(filters.type);

  const sortBy = (field: string) => update({ sort: field, order: filters.sort === field && filters.order === 'asc' ? 'desc' : 'asc' });

  return (
    <div className="page">
      <div className="page-head">
        <h1>Systems</h1>
        <span className="spacer" />
        <button type="button" className="button" onClick={() => api.download('systems/export', { query: { ...filters } }, 'systems.csv').catch(setExportError)}>
          Export CSV
        </button>
        {access.can('systems:operate', selected?.id) ? (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            Create system
          </button>
        ) : null}
      </div>

      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <SearchBox value={filters.search ?? ''} onChange={(search) => update({ search })} />
        <label>
          Status
          <select value={filters.status[0] ?? ''} onChange={(event) => update({ status: event.target.value || undefined })}>
            <option value="">Any</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {STATUS_LABEL[status]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={filters.type ?? ''} onChange={(event) => update({ type: event.target.value || undefined })}>
            <option value="">Any</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label>
          Deleted
          <select
            value={filters.deleted ?? 'exclude'}
            onChange={(event) => update({ deleted: event.target.value === 'exclude' ? undefined : event.target.value })}
          >
            <option value="exclude">Hidden</option>
            <option value="include">Shown too</option>
            <option value="only">Only deleted</option>
          </select>
        </label>
      </form>

      <ErrorBox error={systems.error ?? exportError} />
      {systems.isPending ? <Loading /> : null}
      {systems.data && systems.data.items.length === 0 ? (
        <Empty title="No systems match">
          {params.size > 0 ? 'Try other filters, or clear the search.' : 'Create a system, then register the appliance with its secret.'}
        </Empty>
      ) : null}
      {systems.data && systems.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  {COLUMNS.map(([sort, label]) => (
                    <th key={label} scope="col" aria-sort={sort && filters.sort === sort ? (filters.order === 'asc' ? 'ascending' : 'descending') : undefined}>
                      {sort ? (
                        <button type="button" className="sort" onClick={() => sortBy(sort)}>
                          {label}
                          {filters.sort === sort ? (filters.order === 'asc' ? ' ▲' : ' ▼') : ''}
                        </button>
                      ) : (
                        label
                      )}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {systems.data.items.map((system) => (
                  <tr key={system.id} data-system-id={system.id} className={system.deleted ? 'deleted' : undefined}>
                    <td>
                      <StatusDot status={system.status} withLabel />
                      {system.suspended ? <span className="badge">suspended</span> : null}
                      {system.deleted ? <span className="badge">deleted</span> : null}
                    </td>
                    <td>
                      <Link to={`/systems/${system.id}`}>{system.name}</Link>
                    </td>
                    <td>{system.type ?? <span className="muted">—</span>}</td>
                    <td>{system.version ?? <span className="muted">—</span>}</td>
                    <td>{system.fqdn ?? system.ipv4_address ?? system.ipv6_address ?? <span className="muted">—</span>}</td>
                    <td>{system.organization_name}</td>
                    <td>
                      <Time iso={system.last_heartbeat} />
                    </td>
                    <td>
                      <Time iso={system.last_inventory_at} />
                    </td>
                    <td>
                      <HealthBadge score={scores.get(system.id)?.score} grade={scores.get(system.id)?.grade} />
                    </td>
                    <td>
                      <SystemActions system={system} compact />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={PAGE_SIZE} total={systems.data.total} onPage={(next) => update({ page: String(next) }, false)} />
        </>
      ) : null}

      {creating ? (
        <CreateSystemDialog
          // Only where the user may create systems; the default organization only for global admins.
          organizations={organizations.filter((organization) => access.can('systems:operate', organization.id))}
          preselected={selected?.id ?? null}
          offerDefault={access.globalAdmin}
          onClose={() => setCreating(false)}
          onCreated={(system) => {
            setCreating(false);
            setCreated(system);
          }}
        />
      ) : null}
      {created ? <SecretDialog system={created} onClose={() => setCreated(null)} /> : null}
    </div>
  );
}

/** Searches as the operator types, a moment after they stop. */
function SearchBox({ value, onChange }: { value: string; onChange: (value: string | undefined) => void }) {
  const [text, setText] = useState(value);
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  });
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => latest.current(text.trim() || undefined), 300);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <label className="grow">
      Search
      <input type="search" placeholder="Name, key, FQDN, IP or id" value={text} onChange={(event) => setText(event.target.value)} />
    </label>
  );
}

function CreateSystemDialog({
  organizations,
  preselected,
  offerDefault,
  onClose,
  onCreated,
}: {
  organizations: Organization[];
  preselected: string | null;
  offerDefault: boolean;
  onClose: () => void;
  onCreated: (system: SystemWithSecret) => void;
}) {
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState('');
  const [type, setType] = useState('');
  const [organizationId, setOrganizationId] = useState(
    () => organizations.find((organization) => organization.id === preselected)?.id ?? (offerDefault ? '' : (organizations[0]?.id ?? '')),
  );
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const create = useMutation({
    mutationFn: () =>
      api.post('systems', { body: { name: name.trim(), ...(type ? { type } : {}), ...(organizationId ? { organization_id: organizationId } : {}) } }),
    onSuccess: (system) => {
      void queryClient.invalidateQueries({ queryKey: ['systems'] });
      void queryClient.invalidateQueries({ queryKey: ['summary'] });
      onCreated(system);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} aria-labelledby="create-title">
      <form onSubmit={submit} className="form">
        <h2 id="create-title">Create a system</h2>
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={255} autoFocus />
        </label>
        <label>
          Type (optional)
          <input
            value={type}
            onChange={(event) => setType(event.target.value)}
            placeholder="ns8, nsec, linux…"
            pattern="[a-z0-9][a-z0-9_.\-]*"
            maxLength={32}
          />
        </label>
        <label>
          Organization
          <select value={organizationId} onChange={(event) => setOrganizationId(event.target.value)}>
            {offerDefault ? <option value="">Default organization</option> : null}
            {organizations.map((organization) => (
              <option key={organization.id} value={organization.id}>
                {organization.name}
              </option>
            ))}
          </select>
        </label>
        <ErrorBox error={create.error} />
        <div className="actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={create.isPending || name.trim() === ''}>
            {create.isPending ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
