import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Fragment, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, type AuditEntry } from '../api.ts';
import { Empty, ErrorBox, Loading, Pagination, Time } from '../components/ui.tsx';
import { showValue } from '../format.ts';
import { useOrganization } from '../organization.tsx';
import { startOfDay } from '../time.ts';
import { useTimeFormat } from '../time-zone.ts';
import { useUrlFilters } from '../url-filters.ts';
import { useAccess, useSession } from '../session.tsx';
import { usePageTitle } from '../page-title.ts';

const PAGE_SIZE = 50;
const OUTCOMES: AuditEntry['outcome'][] = ['success', 'failure', 'denied'];
const ACTOR_TYPES: [AuditEntry['actor_type'], string][] = [
  ['user', 'User (session)'],
  ['token', 'Personal token'],
  ['api-key', 'API key'],
  ['bootstrap', 'Admin token'],
  ['anonymous', 'Anonymous'],
];
/** An outcome in the liveness colours: success is green, a failure amber, a refusal red. */
/** Targets that are people, named by email where the page knows it. */
const PERSON_TARGETS = new Set(['member', 'user']);
const OUTCOME_DOT: Record<AuditEntry['outcome'], string> = { success: 'dot-active', failure: 'dot-warning', denied: 'dot-inactive' };

/** The audit log of the organizations where the caller holds audit:read, filtered from the URL so a view can be linked. */
export function AuditPage() {
  usePageTitle('Audit log');
  const { params, update } = useUrlFilters();
  const { selected, organizations } = useOrganization();
  const access = useAccess();
  const organizationId = params.get('organization_id') ?? selected?.id;
  const allowed = access.can('audit:read', organizationId);
  const time = useTimeFormat();
  const filters = {
    organization_id: organizationId,
    outcome: params.get('outcome') ?? undefined,
    actor_type: params.get('actor_type') ?? undefined,
    actor_id: params.get('actor_id') ?? undefined,
    action: params.get('action') ?? undefined,
    target_id: params.get('target_id') ?? undefined,
    // Days picked in the chosen zone; `to` is the day after, so the day is included.
    from: startOfDay(params.get('from') ?? '', time.timeZone)?.toISOString(),
    to: startOfDay(params.get('to') ?? '', time.timeZone, 1)?.toISOString(),
  };
  const page = Number(params.get('page') ?? '1') || 1;

  const entries = useQuery({
    queryKey: ['audit', filters, page],
    enabled: allowed,
    queryFn: () => api.get('audit', { query: { ...filters, page, page_size: PAGE_SIZE } }),
    placeholderData: keepPreviousData,
  });
  const names = useUserNames(organizationId);
  const organizationNames = new Map(organizations.map((organization) => [organization.id, organization.name]));
  const filtered = ['outcome', 'actor_type', 'actor_id', 'action', 'target_id', 'from', 'to'].some((key) => params.has(key));

  if (!allowed) return <p className="muted">The audit log{selected ? ` of ${selected.name}` : ''} is read by the organization&apos;s admins and owners.</p>;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Audit log{selected && !params.has('organization_id') ? ` of ${selected.name}` : ''}</h1>
      </div>

      <form className="filters" role="search" aria-label="Audit log filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Outcome
          <select value={filters.outcome ?? ''} onChange={(event) => update({ outcome: event.target.value || undefined })}>
            <option value="">Any</option>
            {OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {outcome}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor type
          <select value={filters.actor_type ?? ''} onChange={(event) => update({ actor_type: event.target.value || undefined })}>
            <option value="">Any</option>
            {ACTOR_TYPES.map(([type, label]) => (
              <option key={type} value={type}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <TextFilter label="Action" placeholder="systems.suspend" value={filters.action ?? ''} onChange={(action) => update({ action })} />
        <TextFilter label="Target id" placeholder="An id" value={filters.target_id ?? ''} onChange={(target_id) => update({ target_id })} />
        <label>
          From ({time.zone})
          <input type="date" value={params.get('from') ?? ''} onChange={(event) => update({ from: event.target.value || undefined })} />
        </label>
        <label>
          To ({time.zone})
          <input type="date" value={params.get('to') ?? ''} onChange={(event) => update({ to: event.target.value || undefined })} />
        </label>
        {filters.actor_id ? (
          <span className="label">
            Actor {names.get(filters.actor_id) ?? filters.actor_id}{' '}
            <button type="button" className="button small ghost" aria-label="Any actor" onClick={() => update({ actor_id: undefined })}>
              ×
            </button>
          </span>
        ) : null}
        {filtered ? (
          <button
            type="button"
            className="button small"
            onClick={() =>
              update({
                outcome: undefined,
                actor_type: undefined,
                actor_id: undefined,
                action: undefined,
                target_id: undefined,
                from: undefined,
                to: undefined,
              })
            }
          >
            Clear filters
          </button>
        ) : null}
      </form>

      <ErrorBox error={entries.error} />
      {entries.isPending ? <Loading /> : null}
      {entries.data && entries.data.items.length === 0 ? (
        <Empty title="No audit entries match">
          {filtered ? 'Try other filters, or clear them.' : 'Changes through the management API and sign-ins are recorded here.'}
        </Empty>
      ) : null}
      {entries.data && entries.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table className="table audit">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="sr-only">Details</span>
                  </th>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Status</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {entries.data.items.map((entry) => (
                  <AuditRow
                    key={entry.id}
                    entry={entry}
                    actor={actorLabel(entry, names)}
                    targetName={entry.target_id && PERSON_TARGETS.has(entry.target_type ?? '') ? names.get(entry.target_id) : undefined}
                    organizationName={entry.organization_id ? organizationNames.get(entry.organization_id) : undefined}
                    onActor={(actorId) => update({ actor_id: actorId })}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={PAGE_SIZE} total={entries.data.total} onPage={(next) => update({ page: String(next) }, false)} />
        </>
      ) : null}
    </div>
  );
}

function AuditRow({
  entry,
  actor,
  targetName,
  organizationName,
  onActor,
}: {
  entry: AuditEntry;
  actor: string;
  targetName: string | undefined;
  organizationName: string | undefined;
  onActor: (actorId: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const detailsId = `audit-details-${entry.id}`;
  const details = Object.entries(entry.details);
  return (
    <Fragment>
      <tr data-audit-id={entry.id} data-outcome={entry.outcome}>
        <td>
          <button
            type="button"
            className="button small ghost"
            aria-expanded={open}
            aria-controls={detailsId}
            aria-label={`${open ? 'Hide' : 'Show'} details of ${entry.action}`}
            onClick={() => setOpen(!open)}
          >
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td>
          <Time iso={entry.occurred_at} absolute />
        </td>
        <td data-testid="audit-actor">{actor}</td>
        <td>
          <code>{entry.action}</code>
        </td>
        <td>
          <Target entry={entry} name={targetName} />
        </td>
        <td>
          <span className="status">
            <span className={`dot ${OUTCOME_DOT[entry.outcome]}`} aria-hidden="true" />
            {entry.outcome}
          </span>
        </td>
        <td>{entry.http_status}</td>
        <td>{entry.address ?? <span className="muted">—</span>}</td>
      </tr>
      {open ? (
        <tr id={detailsId} className="audit-details">
          <td />
          <td colSpan={7}>
            <dl className="facts">
              {details.map(([key, value]) => (
                <Fragment key={key}>
                  <dt>{key}</dt>
                  <dd>{showValue(value)}</dd>
                </Fragment>
              ))}
              <dt>User agent</dt>
              <dd>{entry.user_agent ?? '—'}</dd>
              <dt>Actor</dt>
              <dd>
                {entry.actor_type}
                {entry.actor_id ? (
                  <>
                    {' '}
                    <code>{entry.actor_id}</code>{' '}
                    <button type="button" className="button small" onClick={() => onActor(entry.actor_id!)}>
                      Only this actor
                    </button>
                  </>
                ) : null}
              </dd>
              {entry.user_id && entry.user_id !== entry.actor_id ? (
                <>
                  <dt>User</dt>
                  <dd>
                    <code>{entry.user_id}</code>
                  </dd>
                </>
              ) : null}
              <dt>Organization</dt>
              <dd>{entry.organization_id ? (organizationName ?? <code>{entry.organization_id}</code>) : '—'}</dd>
              <dt>Entry</dt>
              <dd>
                <code>{entry.id}</code>
              </dd>
            </dl>
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

function Target({ entry, name }: { entry: AuditEntry; name: string | undefined }) {
  if (!entry.target_type && !entry.target_id) return <span className="muted">—</span>;
  const id = entry.target_id ? <code title={entry.target_id}>{name ?? entry.target_id}</code> : null;
  return (
    <>
      {entry.target_type ? `${entry.target_type} ` : null}
      {entry.target_type === 'system' && entry.target_id ? <Link to={`/systems/${entry.target_id}`}>{id}</Link> : id}
    </>
  );
}

function actorLabel(entry: AuditEntry, names: Map<string, string>): string {
  switch (entry.actor_type) {
    case 'bootstrap':
      return 'admin token';
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return names.get(entry.user_id ?? entry.actor_id ?? '') ?? `user ${entry.actor_id ?? ''}`;
    case 'token': {
      const owner = entry.user_id ? names.get(entry.user_id) : undefined;
      return owner ? `${owner} (personal token)` : `personal token ${entry.actor_id ?? ''}`;
    }
    case 'api-key':
      return `API key ${entry.actor_id ?? ''}`;
  }
}

/**
 * Emails by user id, to name actors: the signed-in user, the chosen organization's members
 * (its admins may read them), and every user for global admins.
 */
function useUserNames(organizationId: string | undefined): Map<string, string> {
  const { current } = useSession();
  const access = useAccess();
  const members = useQuery({
    queryKey: ['members', organizationId, 'audit-names'],
    enabled: Boolean(organizationId) && access.can('organizations:read', organizationId),
    queryFn: () => api.get('organizations/{id}/members', { path: { id: organizationId ?? '' }, query: { page_size: 500 } }),
    staleTime: 60_000,
  });
  const users = useQuery({
    queryKey: ['users', 'audit-names'],
    enabled: access.globalAdmin,
    queryFn: () => api.get('users', { query: { page_size: 500 } }),
    staleTime: 60_000,
  });
  const names = new Map<string, string>();
  for (const user of users.data?.items ?? []) names.set(user.id, user.email);
  for (const member of members.data?.items ?? []) names.set(member.user_id, member.email);
  if (current?.kind === 'user') names.set(current.user.id, current.user.email);
  return names;
}

/** A text filter applied a moment after the operator stops typing. */
function TextFilter({
  label,
  placeholder,
  value,
  onChange,
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string | undefined) => void;
}) {
  const [text, setText] = useState(value);
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  });
  // Cleared or changed from outside (Clear filters, a link): show the new value.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (text.trim() !== value) setText(value);
  }
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => latest.current(text.trim() || undefined), 400);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <label>
      {label}
      <input type="search" placeholder={placeholder} value={text} onChange={(event) => setText(event.target.value)} />
    </label>
  );
}
