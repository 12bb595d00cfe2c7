import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { explainError } from '../explain-error.ts';
import { useSession } from '../session.tsx';
import { usePageTitle } from '../page-title.ts';

/** Email and password first; single sign-on when configured; the admin token for bootstrap. */
export function SignInPage() {
  usePageTitle('Sign in');
  const sso = useQuery({ queryKey: ['sso'], queryFn: () => api.get('session/oidc'), retry: false });
  const returnTo = `${window.location.pathname}${window.location.search}`;
  return (
    <main className="sign-in">
      <div className="card">
        <h1>Muster</h1>
        <PasswordForm />
        {sso.data?.enabled && sso.data.start_url ? (
          <p className="sign-in-sso">
            <a className="button" href={`${sso.data.start_url}?return_to=${encodeURIComponent(returnTo)}`}>
              Sign in with SSO
            </a>
          </p>
        ) : null}
        <details className="bootstrap">
          <summary>Bootstrap: sign in with the admin token</summary>
          <AdminTokenForm />
        </details>
      </div>
    </main>
  );
}

function PasswordForm() {
  const { signInAsUser } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      signInAsUser(await api.signIn(email.trim(), password));
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'That email and password were not accepted.'
          : caught instanceof ApiError
            ? explainError(caught)
            : `Could not reach Muster: ${String(caught)}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label="Account sign-in">
      <label htmlFor="email">Email</label>
      <input id="email" type="email" autoComplete="username" value={email} onChange={(event) => setEmail(event.target.value)} required autoFocus />
      <label htmlFor="password">Password</label>
      <input id="password" type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} required />
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button primary" disabled={busy || email.trim() === '' || password === ''}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function AdminTokenForm() {
  const { signInWithToken } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.verify(token.trim());
      signInWithToken(token.trim());
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
    <form onSubmit={submit} aria-label="Bootstrap sign-in">
      <label htmlFor="token">Admin token</label>
      <input id="token" type="password" autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} required />
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button" disabled={busy || token.trim() === ''}>
        {busy ? 'Signing in…' : 'Sign in with the token'}
      </button>
    </form>
  );
}
