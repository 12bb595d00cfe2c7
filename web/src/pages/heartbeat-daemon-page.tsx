import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, type HeartbeatDaemonParams } from '../api.ts';
import { SettingsNav } from '../components/settings-nav.tsx';
import { NoOrganization } from '../components/shown-once.tsx';
import { ErrorBox, Loading } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useAccess } from '../session.tsx';
import { usePageTitle } from '../page-title.ts';

type Field = keyof HeartbeatDaemonParams;
/** What a change may hold: every field but Port. */
type Changes = Partial<Record<Exclude<Field, 'Port'>, string>>;

/** The twelve parameters by what they do in Muster, each with one line of meaning. */
const GROUPS: readonly { title: string; fields: readonly (readonly [Field, string])[] }[] = [
  {
    title: 'Liveness thresholds',
    fields: [
      ['Warntime', "Seconds without a heartbeat before a node is marked warning (0: no warning); the organization's warning threshold."],
      ['Errtime', "Seconds without a heartbeat before a node is declared dead (inactive); the organization's timeout."],
      ['Interval', "Seconds between the daemon's scans; kept as given (Muster scans every LIVENESS_SCAN_INTERVAL_MS)."],
    ],
  },
  {
    title: 'State manager',
    fields: [
      ['Sm_url', 'Where liveness transitions are sent (PATCH …/State/Components/BulkStateData); empty: nothing is sent.'],
      ['Sm_timeout', 'Seconds each call to the state manager may take.'],
      ['Sm_retries', 'Retries of a failed call (with backoff) before it is dead in the jobs API.'],
      ['Nosm', 'On (1): sending to the state manager is off, whatever Sm_url says.'],
    ],
  },
  {
    title: 'Other',
    fields: [
      ['Debug', "The daemon's debug level; kept as given."],
      ['Use_telemetry', 'Whether the daemon publishes telemetry (0/1); kept as given.'],
      ['Telemetry_host', 'host:port:topic of the telemetry bus; kept as given.'],
      ['Kv_url', "The daemon's key-value store; kept as given (Muster keeps its own database)."],
      ['Port', "The daemon's listening port: read-only (set when the daemon starts, never by a change)."],
    ],
  },
];

/** The clauses of a refused change (`data.detail`: "Parameter 'warntime' with illegal value 'x'; …"), or null for another error. */
function refusalClauses(error: unknown): string[] | null {
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const detail = (error.data as { detail?: unknown } | null)?.detail;
  if (typeof detail !== 'string') return null;
  return detail
    .split(/;\s*/)
    .map((clause) => clause.trim())
    .filter((clause) => clause !== '');
}

/** The organization's heartbeat-daemon parameters (`/hmi/v1/params`): every member reads them, admins and owners change them. */
export function HeartbeatDaemonPage() {
  usePageTitle('Heartbeat daemon');
  const { selected } = useOrganization();
  const access = useAccess();
  const organizationId = selected?.id ?? '';
  const edit = selected !== null && access.can('organizations:manage', organizationId);
  const params = useQuery({
    queryKey: ['heartbeat-daemon-params', organizationId],
    enabled: selected !== null,
    queryFn: () => api.get('organizations/{id}/heartbeat-daemon/params', { path: { id: organizationId } }),
  });

  if (!selected) return <NoOrganization />;
  return (
    <div className="page">
      <h1>Heartbeat daemon of {selected.name}</h1>
      <SettingsNav organizationId={selected.id} />
      <p className="muted">
        Compute nodes report to <code>/hmi/v1</code> with an API key of scope <code>heartbeat-daemon</code>; each becomes a system of type <code>node</code>{' '}
        named by its xname. These parameters apply at once to every node of the organization.
      </p>
      <ErrorBox error={params.error} />
      {params.isPending ? <Loading /> : null}
      {params.data ? <ParamsForm key={organizationId} organizationId={organizationId} saved={params.data} edit={edit} /> : null}
    </div>
  );
}

function ParamsForm({ organizationId, saved, edit }: { organizationId: string; saved: HeartbeatDaemonParams; edit: boolean }) {
  const queryClient = useQueryClient();
  // Only what the operator typed; the rest shows what is saved.
  const [draft, setDraft] = useState<Changes>({});
  const [savedFields, setSavedFields] = useState<Field[] | null>(null);
  const changes = Object.fromEntries(Object.entries(draft).filter(([field, value]) => value !== saved[field as Field])) as Changes;
  const changed = Object.keys(changes).length > 0;
  const save = useMutation({
    mutationFn: ({ body }: { body: Changes; before: HeartbeatDaemonParams }) =>
      api.patch('organizations/{id}/heartbeat-daemon/params', { path: { id: organizationId }, body }),
    onSuccess: (answer, { body, before }) => {
      setSavedFields((Object.keys(body) as Field[]).filter((field) => answer[field] !== before[field]));
      setDraft({});
      queryClient.setQueryData(['heartbeat-daemon-params', organizationId], answer);
    },
  });
  const clauses = refusalClauses(save.error);
  const refused = (field: Field) => clauses?.some((clause) => clause.includes(`'${field.toLowerCase()}'`)) ?? false;
  function change(field: keyof Changes, value: string) {
    setSavedFields(null);
    setDraft((held) => ({ ...held, [field]: value }));
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ body: changes, before: saved });
  }

  const groups = GROUPS.map(({ title, fields }) => (
    <section key={title} className="card">
      <h2>{title}</h2>
      <table className="table params">
        <tbody>
          {fields.map(([field, meaning]) => (
            <tr key={field}>
              <th scope="row">{edit && field !== 'Port' ? <label htmlFor={`param-${field}`}>{field}</label> : field}</th>
              <td>
                {edit && field !== 'Port' ? (
                  <input
                    id={`param-${field}`}
                    value={draft[field] ?? saved[field]}
                    aria-invalid={refused(field) || undefined}
                    onChange={(event) => change(field, event.target.value)}
                  />
                ) : (
                  <code data-testid={`param-${field}`}>{saved[field] === '' ? <span className="muted">(empty)</span> : saved[field]}</code>
                )}
              </td>
              <td className="muted">{meaning}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  ));
  if (!edit)
    return (
      <>
        <p className="muted">The organization&apos;s admins and owners change these.</p>
        {groups}
      </>
    );
  return (
    <form className="page" onSubmit={submit}>
      {groups}
      <div className="form-row">
        <button type="submit" className="button primary" disabled={!changed || save.isPending}>
          Save changes
        </button>
        <button type="button" className="button" disabled={!changed || save.isPending} onClick={() => setDraft({})}>
          Undo changes
        </button>
        <span className="muted">Only changed fields are sent; an emptied field is left as it was (the daemon reads an empty value as not given).</span>
      </div>
      {clauses ? (
        <div className="error-box" role="alert">
          <strong>The daemon&apos;s rules refused the change; nothing was saved.</strong>
          <ul>
            {clauses.map((clause) => (
              <li key={clause}>{clause}</li>
            ))}
          </ul>
        </div>
      ) : (
        <ErrorBox error={save.error} />
      )}
      {savedFields ? <p role="status">{savedFields.length > 0 ? `Saved: ${savedFields.join(', ')}.` : 'Saved; nothing changed.'}</p> : null}
    </form>
  );
}
