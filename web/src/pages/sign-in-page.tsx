import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useSession } from '../session.tsx';

export function SignInPage() {
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.verify(token.trim());
      signIn(token.trim());
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'That token was not accepted. Use the ADMIN_TOKEN Muster was started with (or the one it printed on first start).'
          : `Could not reach Muster: ${String(caught)}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form className="card" onSubmit={submit}>
        <h1>Muster</h1>
        <p className="muted">Sign in with the admin token.</p>
        <label htmlFor="token">Admin token</label>
        <input id="token" type="password" autoComplete="current-password" value={token} onChange={(event) => setToken(event.target.value)} required autoFocus />
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
