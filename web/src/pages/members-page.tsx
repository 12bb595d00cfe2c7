import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Member } from '../api.ts';
import { SettingsNav } from '../components/settings-nav.tsx';
import { NoOrganization, ShownOnce } from '../components/shown-once.tsx';
import { Empty, ErrorBox, Loading, Time } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { useAccess, useSession } from '../session.tsx';
import { ROLES, type Role } from '../../../src/domain/access.ts';
import { usePageTitle } from '../page-title.ts';

/** The link an invited person opens: the token in the fragment, so it reaches no server log. */
export function invitationLink(token: string): string {
  return `${new URL('accept-invitation', document.baseURI).toString()}#token=${encodeURIComponent(token)}`;
}

export function MembersPage() {
  usePageTitle('Members');
  const { selected } = useOrganization();
  const access = useAccess();
  const { current } = useSession();
  const queryClient = useQueryClient();
  const organizationId = selected?.id ?? '';
  const manage = selected !== null && access.can('members:manage', organizationId);
  const members = useQuery({
    queryKey: ['members', organizationId],
    enabled: selected !== null,
    queryFn: () => api.get('organizations/{id}/members', { path: { id: organizationId }, query: { page_size: 500, sort: 'email' } }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['members', organizationId] });
  const changeRole = useMutation({
    mutationFn: ({ member, role }: { member: Member; role: Role }) =>
      api.put('organizations/{id}/members/{userId}', { path: { id: organizationId, userId: member.user_id }, body: { role } }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (member: Member) => api.delete('organizations/{id}/members/{userId}', { path: { id: organizationId, userId: member.user_id } }),
    onSuccess: refresh,
  });

  if (!selected) return <NoOrganization />;
  const myId = current?.kind === 'user' ? current.user.id : null;
  return (
    <div className="page">
      <h1>Members of {selected.name}</h1>
      <SettingsNav organizationId={selected.id} />
      {manage ? <InviteForm organizationId={organizationId} onInvited={refresh} /> : null}
      <section className="card">
        <h2>Members and roles</h2>
        <p className="muted">Owners manage members; admins settings, webhooks and API keys; operators act on systems; viewers read.</p>
        <ErrorBox error={members.error ?? changeRole.error ?? remove.error} />
        {members.isPending ? <Loading /> : null}
        {members.data?.items.length === 0 ? <Empty title="No members yet" /> : null}
        {members.data && members.data.items.length > 0 ? (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Member since</th>
                {manage ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.data.items.map((member) => (
                <tr key={member.user_id}>
                  <td>
                    {member.name}
                    {member.user_id === myId ? <span className="muted"> (you)</span> : null}
                  </td>
                  <td>{member.email}</td>
                  <td>
                    {manage ? (
                      <select
                        aria-label={`Role of ${member.email}`}
                        value={member.role}
                        onChange={(event) => changeRole.mutate({ member, role: event.target.value as Role })}
                      >
                        {ROLES.map((role) => (
                          <option key={role} value={role}>
                            {role}
                          </option>
                        ))}
                      </select>
                    ) : (
                      member.role
                    )}
                  </td>
                  <td>
                    <Time iso={member.created_at} />
                  </td>
                  {manage ? (
                    <td className="actions">
                      <button
                        type="button"
                        className="button small danger"
                        onClick={() => {
                          if (window.confirm(`Remove ${member.email} from ${selected.name}? They lose access to its systems at once.`)) remove.mutate(member);
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}

function InviteForm({ organizationId, onInvited }: { organizationId: string; onInvited: () => unknown }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [result, setResult] = useState<{ email: string; link: string | null } | null>(null);
  const invite = useMutation({
    mutationFn: () =>
      api.post('organizations/{id}/invitations', {
        path: { id: organizationId },
        body: { email: email.trim(), role, ...(name.trim() ? { name: name.trim() } : {}) },
      }),
    onSuccess: (answer) => {
      setResult({ email: answer.email, link: answer.invitation ? invitationLink(answer.invitation.token) : null });
      setEmail('');
      setName('');
      void onInvited();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    invite.mutate();
  }
  return (
    <section className="card">
      <h2>Invite a member</h2>
      <form className="form-row" onSubmit={submit}>
        <label>
          Email
          <input type="email" value={email} onChange={(event) => setEmail(event.target.value)} required />
        </label>
        <label>
          Name (optional)
          <input value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button primary" disabled={invite.isPending || email.trim() === ''}>
          Invite
        </button>
      </form>
      <ErrorBox error={invite.error} />
      {result?.link ? (
        <ShownOnce
          title={`Invitation link for ${result.email}`}
          value={result.link}
          testId="invitation-link"
          copyLabel="Copy link"
          onDismiss={() => setResult(null)}
        />
      ) : result ? (
        <p role="status">{result.email} already had an account and is now a member.</p>
      ) : null}
    </section>
  );
}
