import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, LIVE_INTERVAL_MS, SYSTEM_STATES, type Answer, type LivenessStatus, type System, type SystemWithSecret } from '../api.ts';
import { CreateSystemDialog } from '../components/create-system-dialog.tsx';
import { SecretDialog } from '../components/secret-dialog.tsx';
import { SystemActions } from '../components/system-actions.tsx';
import { useToast } from '../components/toasts.tsx';
import { Empty, ErrorBox, HealthBadge, Loading, Pagination, Time, useClosedFromOutside } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useUrlFilters } from '../url-filters.ts';
import { useAccess } from '../session.tsx';
import { usePageTitle } from '../page-title.ts';

const PAGE_SIZES = [25, 50, 100, 200];
const DEFAULT_PAGE_SIZE = 50;

type Listed = System;
interface Column {
  id: string;
  label: string;
  sort?: string;
  cell: (system: Listed, extra: { score?: { score: number | null; grade: 'good' | 'fair' | 'poor' | null } | undefined }) => ReactNode;
}

const muted = <span className="muted">—</span>;
/** What the agent version filter names for systems without a Muster agent. */
const NO_AGENT = 'none';

/** Every column the list can show; the operator picks which (kept in the URL with the rest of the view). */
const COLUMNS: Column[] = [
  { id: 'state', label: 'Status', sort: 'status', cell: (system) => <StateBadge system={system} /> },
  {
    id: 'name',
    label: 'Name',
    sort: 'name',
    cell: (system) => (
      <Link to={`/systems/${system.id}`} title={system.name}>
        {system.name}
      </Link>
    ),
  },
  { id: 'type', label: 'Type', sort: 'type', cell: (system) => system.type ?? muted },
  { id: 'version', label: 'Version', cell: (system) => system.version ?? muted },
  { id: 'agent', label: 'Agent', sort: 'agent_version', cell: (system) => system.agent_version ?? muted },
  { id: 'address', label: 'FQDN / IP', cell: (system) => system.fqdn ?? system.ipv4_address ?? system.ipv6_address ?? muted },
  { id: 'os', label: 'OS', cell: (system) => system.os ?? muted },
  {
    id: 'labels',
    label: 'Labels',
    cell: (system) =>
      Object.keys(system.labels).length === 0
        ? muted
        : Object.entries(system.labels).map(([key, value]) => (
            <span key={key} className="badge">
              {key}: {value}
            </span>
          )),
  },
  { id: 'organization', label: 'Organization', sort: 'organization', cell: (system) => system.organization_name },
  { id: 'last_heartbeat', label: 'Last heartbeat', sort: 'last_heartbeat', cell: (system) => <Time iso={system.last_heartbeat} /> },
  { id: 'last_inventory_at', label: 'Last inventory', sort: 'last_inventory_at', cell: (system) => <Time iso={system.last_inventory_at} /> },
  { id: 'created_at', label: 'Created', sort: 'created_at', cell: (system) => <Time iso={system.created_at} /> },
  { id: 'health', label: 'Health', cell: (_system, { score }) => <HealthBadge score={score?.score} grade={score?.grade} /> },
];
const DEFAULT_COLUMNS = ['state', 'name', 'type', 'version', 'agent', 'address', 'organization', 'last_heartbeat', 'health'];

export const STATE_LABEL: Record<System['state'], string> = {
  active: 'Active',
  warning: 'Warning',
  inactive: 'Inactive',
  awaiting_first_heartbeat: 'Awaiting first heartbeat',
  never_registered: 'Never registered',
  suspended: 'Suspended',
  deleted: 'Deleted',
};
const STATE_HINT: Record<System['state'], string> = {
  active: 'Heartbeats arrive in time',
  warning: 'Late: past the warning threshold',
  inactive: 'Registered and reported, then silent past the timeout',
  awaiting_first_heartbeat: 'Registered, never heard from',
  never_registered: 'Created; its secret has not been used yet',
  suspended: 'Suspended: its calls are refused',
  deleted: 'Deleted: it can be restored',
};
/** The liveness dot that fits a state (suspended and deleted systems are grey, whatever they last were). */
const STATE_DOT: Record<System['state'], LivenessStatus> = {
  active: 'active',
  warning: 'warning',
  inactive: 'inactive',
  awaiting_first_heartbeat: 'unknown',
  never_registered: 'unknown',
  suspended: 'unknown',
  deleted: 'unknown',
};

function StateBadge({ system }: { system: Listed }) {
  return (
    <span className="status" data-status={STATE_DOT[system.state]} data-state={system.state} title={STATE_HINT[system.state]}>
      <span className={`dot dot-${STATE_DOT[system.state]}`} aria-hidden="true" />
      {STATE_LABEL[system.state]}
    </span>
  );
}

export function SystemsPage() {
  usePageTitle('Systems');
  const { params, update } = useUrlFilters();
  const [created, setCreated] = useState<SystemWithSecret | null>(null);
  const [creating, setCreating] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const { organizations, selected: chosen } = useOrganization();
  const access = useAccess();
  const filters = {
    state: params.getAll('state') as System['state'][],
    type: params.getAll('type'),
    agent_version: params.getAll('agent_version'),
    // Links may name organizations; otherwise the switcher's choice narrows the list.
    organization_id: params.getAll('organization_id').length ? params.getAll('organization_id') : chosen ? [chosen.id] : undefined,
    label: params.getAll('label'),
    status: params.getAll('status') as LivenessStatus[],
    search: params.get('search') ?? undefined,
    deleted: (params.get('deleted') ?? undefined) as 'exclude' | 'include' | 'only' | undefined,
    // The overview's counts link here: its statuses leave suspended systems out (suspended=false).
    suspended: params.has('suspended') ? params.get('suspended') === 'true' : undefined,
    sort: (params.get('sort') ?? 'name') as 'name',
    order: (params.get('order') ?? 'asc') as 'asc' | 'desc',
  };
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = PAGE_SIZES.includes(Number(params.get('page_size'))) ? Number(params.get('page_size')) : DEFAULT_PAGE_SIZE;
  const shown = params.get('columns')?.split(',') ?? DEFAULT_COLUMNS;
  const columns = COLUMNS.filter((column) => shown.includes(column.id));

  const systems = useQuery({
    queryKey: ['systems', 'list', filters, page, pageSize],
    queryFn: () => api.get('systems', { query: { ...filters, page, page_size: pageSize } }),
    placeholderData: keepPreviousData,
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const ids = systems.data?.items.map((system) => system.id) ?? [];
  const health = useQuery({
    queryKey: ['health', ids],
    enabled: ids.length > 0 && shown.includes('health'),
    queryFn: () => api.get('health-scores', { query: { system_id: ids } }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const scores = new Map(health.data?.items.map((item) => [item.system_id, item]) ?? []);
  // The type and label filters offer what the fleet (or the chosen organizations) has.
  const fleet = useQuery({
    queryKey: ['summary', filters.organization_id?.length === 1 ? filters.organization_id[0] : null],
    queryFn: () => api.get('summary', { query: filters.organization_id?.length === 1 ? { organization_id: filters.organization_id[0] } : {} }),
  });
  const labels = useQuery({
    queryKey: ['systems', 'labels', filters.organization_id ?? null],
    queryFn: () => api.get('systems/labels', { query: { organization_id: filters.organization_id } }),
  });
  const types = fleet.data?.by_type.map((entry) => ({ value: entry.type, label: entry.type, count: entry.count })) ?? [];
  for (const type of filters.type) if (!types.some((option) => option.value === type)) types.push({ value: type, label: type, count: 0 });
  // The agent filter offers the versions in use, and systems without a Muster agent (`none`).
  const agentVersions =
    fleet.data?.agent_versions.map((entry) => ({ value: entry.version ?? NO_AGENT, label: entry.version ?? 'No agent', count: entry.count })) ?? [];
  for (const version of filters.agent_version) {
    if (!agentVersions.some((option) => option.value === version))
      agentVersions.push({ value: version, label: version === NO_AGENT ? 'No agent' : version, count: 0 });
  }
  const labelOptions = (labels.data?.items ?? []).map((item) => ({
    value: `${item.key}:${item.value}`,
    label: `${item.key}: ${item.value}`,
    count: item.count,
  }));
  for (const label of filters.label) if (!labelOptions.some((option) => option.value === label)) labelOptions.push({ value: label, label, count: 0 });

  const sortBy = (field: string) => update({ sort: field, order: filters.sort === field && filters.order === 'asc' ? 'desc' : 'asc' });
  const operable = organizations.some((organization) => access.can('systems:operate', organization.id)) || access.globalAdmin;
  const pageIds = systems.data?.items.filter((system) => access.can('systems:operate', system.organization_id)).map((system) => system.id) ?? [];
  const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <div className="page">
      <div className="page-head">
        <h1>Systems</h1>
        <span className="spacer" />
        <SavedViews current={params} />
        <button type="button" className="button" onClick={() => api.download('systems/export', { query: { ...filters } }, 'systems.csv').catch(setExportError)}>
          Export CSV
        </button>
        {access.can('systems:operate', chosen?.id) ? (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            Create system
          </button>
        ) : null}
      </div>

      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <SearchBox value={filters.search ?? ''} onChange={(search) => update({ search })} />
        <MultiSelect
          label="Status"
          options={SYSTEM_STATES.map((state) => ({ value: state, label: STATE_LABEL[state] }))}
          selected={filters.state}
          onChange={(state) => update({ state })}
        />
        <MultiSelect label="Type" options={types} selected={filters.type} onChange={(type) => update({ type })} />
        <MultiSelect label="Agent" options={agentVersions} selected={filters.agent_version} onChange={(agent_version) => update({ agent_version })} />
        {organizations.length > 1 ? (
          <MultiSelect
            label="Organization"
            options={organizations.map((organization) => ({ value: organization.id, label: organization.name }))}
            selected={params.getAll('organization_id')}
            onChange={(organization_id) => update({ organization_id })}
          />
        ) : null}
        <MultiSelect label="Labels" options={labelOptions} selected={filters.label} onChange={(label) => update({ label })} />
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
        <MultiSelect
          label="Columns"
          options={COLUMNS.map((column) => ({ value: column.id, label: column.label }))}
          selected={shown}
          onChange={(next) =>
            update(
              {
                columns: next.length
                  ? COLUMNS.filter((column) => next.includes(column.id))
                      .map((column) => column.id)
                      .join(',')
                  : undefined,
              },
              false,
            )
          }
        />
        <label>
          Per page
          <select value={pageSize} onChange={(event) => update({ page_size: String(event.target.value) })}>
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        {params.size > 0 ? (
          <button type="button" className="button small" onClick={() => update(Object.fromEntries([...params.keys()].map((key) => [key, undefined])))}>
            Clear all
          </button>
        ) : null}
      </form>

      {selected.size > 0 ? (
        <BulkBar
          ids={[...selected]}
          total={systems.data?.total ?? 0}
          canSelectAll={allOnPage && (systems.data?.total ?? 0) > selected.size && (systems.data?.total ?? 0) <= MAX_BULK}
          onSelectAll={async () => {
            const all = await api.get('systems', { query: { ...filters, page: 1, page_size: MAX_BULK } });
            setSelected(new Set(all.items.filter((system) => access.can('systems:operate', system.organization_id)).map((system) => system.id)));
          }}
          onClear={() => setSelected(new Set())}
        />
      ) : null}

      <ErrorBox error={systems.error ?? exportError} />
      {systems.isPending ? <Loading rows={10} /> : null}
      {systems.data && systems.data.items.length === 0 ? (
        <Empty title="No systems match">
          {params.size > 0 ? 'Try other filters, or clear the search.' : 'Create a system, then register the appliance with its secret.'}
        </Empty>
      ) : null}
      {systems.data && systems.data.items.length > 0 ? (
        <>
          <p className="muted" data-testid="systems-total">
            {systems.data.total} {systems.data.total === 1 ? 'system' : 'systems'}
          </p>
          <div className="table-wrap">
            <table className="table systems">
              <thead>
                <tr>
                  {operable ? (
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label="Select every system on this page"
                        checked={allOnPage}
                        onChange={() =>
                          setSelected((current) => {
                            const next = new Set(current);
                            for (const id of pageIds) {
                              if (allOnPage) next.delete(id);
                              else next.add(id);
                            }
                            return next;
                          })
                        }
                      />
                    </th>
                  ) : null}
                  {columns.map((column) => (
                    <th
                      key={column.id}
                      scope="col"
                      aria-sort={column.sort && filters.sort === column.sort ? (filters.order === 'asc' ? 'ascending' : 'descending') : undefined}
                    >
                      {column.sort ? (
                        <button type="button" className="sort" onClick={() => sortBy(column.sort!)}>
                          {column.label}
                          {filters.sort === column.sort ? (filters.order === 'asc' ? ' ▲' : ' ▼') : ''}
                        </button>
                      ) : (
                        column.label
                      )}
                    </th>
                  ))}
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {systems.data.items.map((system) => (
                  <tr key={system.id} data-system-id={system.id} className={system.deleted ? 'deleted' : undefined}>
                    {operable ? (
                      <td>
                        {access.can('systems:operate', system.organization_id) ? (
                          <input type="checkbox" aria-label={`Select ${system.name}`} checked={selected.has(system.id)} onChange={() => toggle(system.id)} />
                        ) : null}
                      </td>
                    ) : null}
                    {columns.map((column) => (
                      <td key={column.id} className={column.id === 'name' ? 'name-cell' : undefined}>
                        {column.cell(system, { score: scores.get(system.id) })}
                      </td>
                    ))}
                    <td>
                      <SystemActions system={system} compact />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={pageSize} total={systems.data.total} onPage={(next) => update({ page: String(next) }, false)} />
        </>
      ) : null}

      {creating ? (
        <CreateSystemDialog
          // Only where the user may create systems; the default organization only for global admins.
          organizations={organizations.filter((organization) => access.can('systems:operate', organization.id))}
          preselected={chosen?.id ?? null}
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

/** The most systems one bulk change names (the API's limit). */
const MAX_BULK = 500;

/** Checkboxes in a drop-down: any number of a filter's values, each with its count when known. */
function MultiSelect({
  label,
  options,
  selected,
  onChange,
}: {
  label: string;
  options: { value: string; label: string; count?: number }[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
}) {
  const names = options.filter((option) => selected.includes(option.value)).map((option) => option.label);
  const dropDown = useRef<HTMLDetailsElement>(null);
  useClosedFromOutside(dropDown);
  return (
    <details className="multi-select" ref={dropDown}>
      <summary className="button">
        {label}: {names.length === 0 ? 'any' : names.length <= 2 ? names.join(', ') : `${names.length} chosen`}
      </summary>
      <fieldset className="multi-select-options">
        <legend className="sr-only">{label}</legend>
        {options.length === 0 ? <span className="muted">None in use</span> : null}
        {options.map((option) => (
          <label key={option.value}>
            <input
              type="checkbox"
              checked={selected.includes(option.value)}
              onChange={() => onChange(selected.includes(option.value) ? selected.filter((value) => value !== option.value) : [...selected, option.value])}
            />
            {option.label}
            {option.count !== undefined && option.count > 0 ? <span className="muted"> ({option.count})</span> : null}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

type BulkAnswer = Answer<'post', 'systems/bulk'>;

/** What to do with the selected systems: each change in one request, its outcome told in words. */
function BulkBar({
  ids,
  total,
  canSelectAll,
  onSelectAll,
  onClear,
}: {
  ids: string[];
  total: number;
  canSelectAll: boolean;
  onSelectAll: () => Promise<void>;
  onClear: () => void;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [labelling, setLabelling] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (body: { action: BulkAnswer['action']; labels?: { set?: Record<string, string>; remove?: string[] } }) =>
      api.post('systems/bulk', { body: { ...body, system_ids: ids } }),
    onSuccess: (answer) => {
      const skipped = answer.items.filter((item) => item.outcome === 'skipped');
      const reasons = [...new Set(skipped.map((item) => item.reason))].join('; ');
      setOutcome(
        `${VERB[answer.action]}: ${answer.changed} changed, ${answer.unchanged} already so${skipped.length ? `, ${skipped.length} skipped (${reasons})` : ''}.`,
      );
      refresh();
      // Undo reverses only what this change did: systems already suspended (or deleted) stay so.
      const changed = answer.items.filter((item) => item.outcome === 'changed').map((item) => item.system_id);
      if ((answer.action === 'suspend' || answer.action === 'delete') && changed.length > 0) {
        const systems = `${changed.length} ${changed.length === 1 ? 'system' : 'systems'}`;
        toast({
          message: `${VERB[answer.action]} ${systems}.`,
          undo: {
            run: async () => {
              if (answer.action === 'suspend') await api.post('systems/bulk', { body: { action: 'reactivate', system_ids: changed } });
              else await restoreEach(changed);
              refresh();
            },
            done: `${answer.action === 'suspend' ? 'Reactivated' : 'Restored'} ${systems}.`,
          },
        });
      }
    },
  });
  function refresh() {
    void queryClient.invalidateQueries({ queryKey: ['systems'] });
    void queryClient.invalidateQueries({ queryKey: ['summary'] });
  }
  const run = (action: BulkAnswer['action'], question?: string) => {
    if (question && !window.confirm(question)) return;
    change.mutate({ action });
  };
  const count = `${ids.length} ${ids.length === 1 ? 'system' : 'systems'}`;
  return (
    <section className="bulk-bar" aria-label="Selected systems">
      <strong data-testid="selected-count">{count} selected</strong>
      {canSelectAll ? (
        <button type="button" className="button small" onClick={() => void onSelectAll()}>
          Select all {total} matching
        </button>
      ) : null}
      <button type="button" className="button small" onClick={() => run('suspend', `Suspend ${count}? Their heartbeats and inventories will be refused.`)}>
        Suspend
      </button>
      <button type="button" className="button small" onClick={() => run('reactivate')}>
        Reactivate
      </button>
      <button type="button" className="button small" onClick={() => setLabelling(true)}>
        Label…
      </button>
      <button type="button" className="button small danger" onClick={() => run('delete', `Delete ${count}? They can be restored later.`)}>
        Delete
      </button>
      <button type="button" className="button small" onClick={onClear}>
        Clear selection
      </button>
      {change.isPending ? <span className="muted">Working…</span> : null}
      {outcome ? (
        <span role="status" data-testid="bulk-outcome">
          {outcome}
        </span>
      ) : null}
      <ErrorBox error={change.error} />
      {labelling ? (
        <LabelDialog
          count={count}
          onClose={() => setLabelling(false)}
          onApply={(labels) => {
            setLabelling(false);
            change.mutate({ action: 'label', labels });
          }}
        />
      ) : null}
    </section>
  );
}

/** The bulk endpoint has no restore: a bulk delete is undone one system at a time (at most MAX_BULK, a few at once). */
async function restoreEach(ids: readonly string[]): Promise<void> {
  const queue = ids.slice(0, MAX_BULK);
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await api.post('systems/{id}/restore', { path: { id } });
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}

const VERB: Record<BulkAnswer['action'], string> = { suspend: 'Suspended', reactivate: 'Reactivated', delete: 'Deleted', label: 'Labelled' };

function LabelDialog({
  count,
  onClose,
  onApply,
}: {
  count: string;
  onClose: () => void;
  onApply: (labels: { set?: Record<string, string>; remove?: string[] }) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [remove, setRemove] = useState(false);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(remove ? { remove: [key.trim()] } : { set: { [key.trim()]: value } });
  };
  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} aria-labelledby="label-title">
      <form onSubmit={submit} className="form">
        <h2 id="label-title">Label {count}</h2>
        <label>
          Key
          <input value={key} onChange={(event) => setKey(event.target.value)} required pattern="[A-Za-z0-9_.\-/]{1,63}" maxLength={63} autoFocus />
        </label>
        <label className="inline">
          <input type="checkbox" checked={remove} onChange={(event) => setRemove(event.target.checked)} /> Remove this label instead
        </label>
        {remove ? null : (
          <label>
            Value
            <input value={value} onChange={(event) => setValue(event.target.value)} maxLength={255} />
          </label>
        )}
        <div className="actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={key.trim() === ''}>
            {remove ? 'Remove' : 'Set'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** Views saved in this browser: each a name for the URL's filters, sort, columns and page size. */
function SavedViews({ current }: { current: URLSearchParams }) {
  const navigate = useNavigate();
  const [views, setViews] = useState<Record<string, string>>(() => {
    try {
      return JSON.parse(localStorage.getItem(VIEWS_KEY) ?? '{}') as Record<string, string>;
    } catch {
      return {};
    }
  });
  const store = (next: Record<string, string>) => {
    setViews(next);
    localStorage.setItem(VIEWS_KEY, JSON.stringify(next));
  };
  const query = new URLSearchParams(current);
  query.delete('page');
  return (
    <>
      {Object.keys(views).length > 0 ? (
        <label className="inline">
          View
          <select
            value={Object.entries(views).find(([, saved]) => saved === query.toString())?.[0] ?? ''}
            onChange={(event) => {
              const saved = views[event.target.value];
              if (saved !== undefined) void navigate({ search: saved });
            }}
          >
            <option value="">(unsaved)</option>
            {Object.keys(views).map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <button
        type="button"
        className="button"
        onClick={() => {
          const name = window.prompt('Name this view (its filters, sort, columns and page size):')?.trim();
          if (name) store({ ...views, [name]: query.toString() });
        }}
      >
        Save view
      </button>
    </>
  );
}
const VIEWS_KEY = 'muster.systems.views';

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
