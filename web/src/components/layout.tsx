import { useState } from 'react';
import { NavLink, Outlet } from 'react-router';
import { useOrganization } from '../organization.tsx';
import { useAccess, useSession } from '../session.tsx';
import { currentTheme, setTheme, type Theme } from '../theme.ts';
import { zoneOf, type ZoneChoice } from '../time.ts';
import { setZoneChoice, useZoneChoice } from '../time-zone.ts';
import { ConnectionBanner } from './connection-banner.tsx';

export function Layout() {
  const { current, signOut } = useSession();
  const access = useAccess();
  const { selected } = useOrganization();
  const [theme, setThemeState] = useState<Theme>(currentTheme);
  const toggleTheme = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    setTheme(next);
    setThemeState(next);
  };
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Muster</span>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Overview
          </NavLink>
          <NavLink to="/systems">Systems</NavLink>
          <NavLink to="/alerts">Alerts</NavLink>
          {access.can('organizations:read', selected?.id) ? <NavLink to="/settings">Settings</NavLink> : null}
          <NavLink to="/members">Members</NavLink>
          {access.can('api-keys:manage', selected?.id) ? <NavLink to="/api-keys">API keys</NavLink> : null}
          <NavLink to="/heartbeat-daemon">Heartbeat daemon</NavLink>
          {/* Wherever the caller reads an audit log: the page narrows to the switcher's choice, or says whose it is. */}
          {access.can('audit:read') ? <NavLink to="/audit">Audit log</NavLink> : null}
          {access.globalAdmin ? <NavLink to="/jobs">Jobs</NavLink> : null}
          {current?.kind === 'user' ? <NavLink to="/account">My account</NavLink> : null}
        </nav>
        <span className="spacer" />
        <OrganizationSwitcher />
        <ZoneSwitch />
        <span className="muted" data-testid="signed-in-as">
          {current?.kind === 'user' ? current.user.email : 'admin token'}
        </span>
        <button type="button" className="button ghost" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        <button type="button" className="button ghost" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <ConnectionBanner />
        <Outlet />
      </main>
    </div>
  );
}

function OrganizationSwitcher() {
  const { organizations, selected, select } = useOrganization();
  const access = useAccess();
  if (organizations.length === 0) return null;
  return (
    <label className="org-switcher">
      <span>Organization</span>
      <select value={selected?.id ?? ''} onChange={(event) => select(event.target.value || null)} disabled={organizations.length === 1}>
        {organizations.length > 1 ? <option value="">All organizations</option> : null}
        {organizations.map((organization) => {
          const role = access.roleIn(organization.id);
          return (
            <option key={organization.id} value={organization.id}>
              {organization.name}
              {role ? ` (${role})` : ''}
            </option>
          );
        })}
      </select>
    </label>
  );
}

/** Every absolute time on every page in the browser's zone or in UTC; the choice is kept in this browser. */
function ZoneSwitch() {
  const choice = useZoneChoice();
  const local = zoneOf('local');
  return (
    <label className="org-switcher">
      <span>Times</span>
      <select value={choice} onChange={(event) => setZoneChoice(event.target.value as ZoneChoice)} data-testid="time-zone">
        <option value="local">Local ({local})</option>
        <option value="utc">UTC</option>
      </select>
    </label>
  );
}
