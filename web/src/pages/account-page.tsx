import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type CreatedPersonalToken, type PersonalToken, type UserSession } from '../api.ts';
import { ShownOnce } from '../components/shown-once.tsx';
import { Empty, ErrorBox, Loading, Time } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useSession } from '../session.tsx';
import { usePageTitle } from '../page-title.ts';

/** My account: who I am, where I sign in from, and my personal API tokens. */
export function AccountPage() {
  usePageTitle('My account');
  const { current } = useSession();
  const { organizations } = useOrganization();
  if (current?.kind !== 'user') return <p className="muted">Signed in with the admin token: it has no account, sessions or personal tokens.</p>;
  const names = new Map(organizations.map((organization) => [organization.id, organization.name]));
  return (
    <div className="page">
      <h1>My account</h1>
      <section className="card">
        <dl className="facts">
          <dt>Name</dt>
          <dd>{current.user.name}</dd>
          <dt>Email</dt>
          <dd>{current.user.email}</dd>
          <dt>Roles</dt>
          <dd>
            {current.user.global_admin ? <span className="label">global admin</span> : null}
            {current.memberships.map((membership) => (
              <span key={membership.organization_id} className="label">
                {names.get(membership.organization_id) ?? membership.organization_id}: {membership.role}
              </span>
            ))}
          </dd>
        </dl>
      </section>
      <SessionsCard />
      <TokensCard />
    </div>
  );
}

function SessionsCard() {
  const queryClient = useQueryClient();
  const { signOut } = useSession();
  const sessions = useQuery({
    queryKey: ['my-sessions'],
    queryFn: () => api.get('sessions', { query: { page_size: 500, sort: 'last_seen_at', order: 'desc' } }),
  });
  const revoke = useMutation({
    mutationFn: async (session: UserSession) => {
      if (session.current) return signOut();
      await api.delete('sessions/{id}', { path: { id: session.id } });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['my-sessions'] }),
  });
  return (
    <section className="card">
      <h2>My sessions</h2>
      <ErrorBox error={sessions.error ?? revoke.error} />
      {sessions.isPending ? <Loading /> : null}
      {sessions.data ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">Address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last seen</th>
              <th scope="col">Ends</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.items.map((session) => (
              <tr key={session.id} data-current={session.current}>
                <td>
                  {session.user_agent ?? <span className="muted">unknown</span>}
                  {session.current ? <span className="badge">this session</span> : null}
                </td>
                <td>{session.address ?? '—'}</td>
                <td>
                  <Time iso={session.created_at} />
                </td>
                <td>
                  <Time iso={session.last_seen_at} />
                </td>
                <td>
                  <Time iso={session.expires_at} />
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="button small danger"
                    onClick={() => {
                      if (
                        window.confirm(
                          session.current ? 'Revoke this session? You will be signed out.' : 'Revoke this session? That browser is signed out at once.',
                        )
                      )
                        revoke.mutate(session);
                    }}
                  >
                    {session.current ? 'Sign out here' : 'Revoke'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function TokensCard() {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<CreatedPersonalToken | null>(null);
  const tokens = useQuery({ queryKey: ['my-tokens'], queryFn: () => api.get('tokens', { query: { page_size: 500 } }) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['my-tokens'] });
  const create = useMutation({
    // A date picked is the end of that day, local time.
    mutationFn: () => api.post('tokens', { body: { name: name.trim(), ...(expires ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}) } }),
    onSuccess: (answer) => {
      setCreated(answer);
      setName('');
      setExpires('');
      void refresh();
    },
  });
  const revoke = useMutation({ mutationFn: (token: PersonalToken) => api.delete('tokens/{id}', { path: { id: token.id } }), onSuccess: refresh });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <section className="card">
      <h2>My personal API tokens</h2>
      <p className="muted">A token acts with your roles, sent as Authorization: Bearer.</p>
      <form className="form-row" onSubmit={submit}>
        <label>
          Token name
          <input value={name} onChange={(event) => setName(event.target.value)} required />
        </label>
        <label>
          Expires (optional)
          <input type="date" value={expires} min={new Date().toISOString().slice(0, 10)} onChange={(event) => setExpires(event.target.value)} />
        </label>
        <button type="submit" className="button primary" disabled={create.isPending || name.trim() === ''}>
          Create token
        </button>
      </form>
      <ErrorBox error={create.error ?? tokens.error ?? revoke.error} />
      {created ? (
        <ShownOnce title={`Token ${created.name}`} value={created.token} testId="personal-token" copyLabel="Copy token" onDismiss={() => setCreated(null)} />
      ) : null}
      {tokens.isPending ? <Loading /> : null}
      {tokens.data?.items.length === 0 ? <Empty title="No personal tokens" /> : null}
      {tokens.data && tokens.data.items.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Token starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>
                  <Time iso={token.created_at} />
                </td>
                <td>
                  <Time iso={token.expires_at} empty="never" />
                </td>
                <td>
                  <Time iso={token.last_used_at} />
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="button small danger"
                    onClick={() => {
                      if (window.confirm(`Revoke the token ${token.name}? It stops working at once.`)) revoke.mutate(token);
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
  );
}
