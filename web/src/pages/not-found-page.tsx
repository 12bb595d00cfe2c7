import { Link, useLocation } from 'react-router';
import { usePageTitle } from '../page-title.ts';

/** Where the router has no route for the address: said plainly, with the ways back. */
export function NotFoundPage() {
  usePageTitle('Page not found');
  const { pathname } = useLocation();
  return (
    <div className="page explained-error">
      <h1>Page not found</h1>
      <p>
        The dashboard has no page at <code>{pathname}</code>. The link may be mistyped, or it points to a page of another version of Muster.
      </p>
      <p>
        <Link to="/">Go to the fleet overview</Link> · <Link to="/systems">Go to the systems list</Link>
      </p>
    </div>
  );
}

/**
 * A system address that leads nowhere: the id is malformed, or no system has it that the
 * signed-in user may see (Muster answers the same for a system of another organization, so as
 * not to tell that it exists).
 */
export function SystemNotFoundPage({ id, malformed }: { id: string; malformed: boolean }) {
  usePageTitle('System not found');
  return (
    <div className="page explained-error" data-testid="system-not-found">
      <p className="breadcrumbs">
        <Link to="/systems">Systems</Link> / not found
      </p>
      <h1>System not found</h1>
      {malformed ? (
        <p>
          <code>{id}</code> is not a system id: a system's address holds its id (a UUID), as in the links of the systems list. The link may have been cut short
          or mistyped.
        </p>
      ) : (
        <>
          <p>
            No system with the id <code>{id}</code> exists that you can see. Either it never existed, or it was destroyed (a deleted system stays among the
            deleted systems, where it can be restored, until it is destroyed), or it belongs to an organization you cannot see.
          </p>
          <p className="muted">If a colleague sent you this link, ask them which organization it is in, and an owner of that organization for access.</p>
        </>
      )}
      <p>
        <Link to="/systems">Back to the systems list</Link> · <Link to="/systems?deleted=only">Deleted systems</Link>
      </p>
    </div>
  );
}
