import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type ApiKey, type CreatedApiKey } from '../api.ts';
import { SettingsNav } from '../components/settings-nav.tsx';
import { NoOrganization, ShownOnce } from '../components/shown-once.tsx';
import { Empty, ErrorBox, Loading, Time } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useAccess } from '../session.tsx';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../src/domain/access.ts';
import { usePageTitle } from '../page-title.ts';

const SCOPE_WORDS: Record<ApiKeyScope, string> = {
  'heartbeat-daemon': 'heartbeat daemons (/hmi/v1)',
  'monitoring:write': 'monitoring agents reporting',
  'monitoring:read': 'monitoring views',
  'host-inventory:read': 'host inventory reads',
  'host-inventory:write': 'host inventory changes',
  'systems:read': 'reading systems through /api/v1',
};

/** Organization API keys for machines: made with scopes, the key shown once, revoked at once everywhere. */
export function ApiKeysPage() {
  usePageTitle('API keys');
  const { selected } = useOrganization();
  const access = useAccess();
  const queryClient = useQueryClient();
  const organizationId = selected?.id ?? '';
  const allowed = selected !== null && access.can('api-keys:manage', organizationId);
  const keys = useQuery({
    queryKey: ['api-keys', organizationId],
    enabled: allowed,
    queryFn: () => api.get('organizations/{id}/api-keys', { path: { id: organizationId }, query: { page_size: 500, sort: 'created_at', order: 'desc' } }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['api-keys', organizationId] });
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => api.delete('organizations/{id}/api-keys/{keyId}', { path: { id: organizationId, keyId: key.id } }),
    onSuccess: refresh,
  });

  if (!selected) return <NoOrganization />;
  if (!allowed) return <p className="muted">API keys are managed by the organization&apos;s admins and owners.</p>;
  return (
    <div className="page">
      <h1>API keys of {selected.name}</h1>
      <SettingsNav organizationId={selected.id} />
      <CreateKeyForm organizationId={organizationId} onCreated={refresh} />
      <section className="card">
        <h2>Keys in use</h2>
        <ErrorBox error={keys.error ?? revoke.error} />
        {keys.isPending ? <Loading /> : null}
        {keys.data?.items.length === 0 ? <Empty title="No API keys">Machines (heartbeat daemons, monitoring agents) authenticate with one.</Empty> : null}
        {keys.data && keys.data.items.length > 0 ? (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key starts with</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>
                    {key.scopes.map((scope) => (
                      <span key={scope} className="label">
                        {scope}
                      </span>
                    ))}
                  </td>
                  <td>
                    <Time iso={key.created_at} />
                  </td>
                  <td>
                    <Time iso={key.last_used_at} />
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button small danger"
                      onClick={() => {
                        if (window.confirm(`Revoke the key ${key.name}? Machines using it are refused at once.`)) revoke.mutate(key);
                      }}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}

function CreateKeyForm({ organizationId, onCreated }: { organizationId: string; onCreated: () => unknown }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>([]);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const create = useMutation({
    mutationFn: () => api.post('organizations/{id}/api-keys', { path: { id: organizationId }, body: { name: name.trim(), scopes } }),
    onSuccess: (answer) => {
      setCreated(answer);
      setName('');
      setScopes([]);
      void onCreated();
    },
  });
  const toggle = (scope: ApiKeyScope, on: boolean) => setScopes((held) => (on ? [...held, scope] : held.filter((item) => item !== scope)));
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <section className="card">
      <h2>Create an API key</h2>
      <form className="form-row" onSubmit={submit}>
        <label>
          Key name
          <input value={name} onChange={(event) => setName(event.target.value)} required />
        </label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {API_KEY_SCOPES.map((scope) => (
            <label key={scope} title={SCOPE_WORDS[scope]}>
              <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.target.checked)} />
              {scope}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button primary" disabled={create.isPending || name.trim() === '' || scopes.length === 0}>
          Create key
        </button>
      </form>
      <ErrorBox error={create.error} />
      {created ? (
        <ShownOnce title={`Key ${created.name}`} value={created.key} testId="api-key" copyLabel="Copy key" onDismiss={() => setCreated(null)} />
      ) : null}
    </section>
  );
}
