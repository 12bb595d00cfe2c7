import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { explainError } from '../explain-error.ts';
import { usePageTitle } from '../page-title.ts';

/** The invitation token travels in the link's fragment (never sent to a server or kept in logs); read once, then taken off the address bar. */
function takeTokenFromFragment(): string {
  const token = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') ?? '';
  if (token) window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
  return token;
}

/** Where an invited person sets their password; then they sign in. */
export function AcceptInvitationPage({ onDone }: { onDone: () => void }) {
  usePageTitle('Accept invitation');
  const [token] = useState(takeTokenFromFragment);
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [accepted, setAccepted] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeated) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post('invitations/accept', { body: { token, password } });
      setAccepted(true);
    } catch (caught) {
      setError(explainError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <div className="card">
        <h1>Accept invitation</h1>
        {!token ? (
          <p className="error-text" role="alert">
            This link has no invitation in it. Open the whole link you were given.
          </p>
        ) : accepted ? (
          <>
            <p role="status">Your password is set. Sign in with your email and the new password.</p>
            <button type="button" className="button primary" onClick={onDone}>
              Go to sign-in
            </button>
          </>
        ) : (
          <form onSubmit={submit}>
            <p className="muted">Choose the password you will sign in with.</p>
            <label htmlFor="new-password">New password</label>
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              required
              autoFocus
            />
            <label htmlFor="repeat-password">Repeat the password</label>
            <input
              id="repeat-password"
              type="password"
              autoComplete="new-password"
              value={repeated}
              onChange={(event) => setRepeated(event.target.value)}
              required
            />
            {error ? (
              <p className="error-text" role="alert">
                {error}
              </p>
            ) : null}
            <button type="submit" className="button primary" disabled={busy || password === ''}>
              {busy ? 'Saving…' : 'Set password'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
