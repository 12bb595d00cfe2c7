import { NavLink } from 'react-router';
import { useAccess } from '../session.tsx';

/** The organization's settings pages, each shown to whoever may open it. */
export function SettingsNav({ organizationId }: { organizationId: string }) {
  const access = useAccess();
  return (
    <nav className="sub-nav" aria-label="Organization settings">
      <NavLink to="/settings" end>
        Settings
      </NavLink>
      <NavLink to="/members">Members</NavLink>
      {access.can('api-keys:manage', organizationId) ? <NavLink to="/api-keys">API keys</NavLink> : null}
      {access.can('webhooks:manage', organizationId) ? <NavLink to="/webhooks">Webhooks</NavLink> : null}
      <NavLink to="/heartbeat-daemon">Heartbeat daemon</NavLink>
    </nav>
  );
}
