import { Link } from 'react-router';

type VersionCount = { type: string | null; version: string | null; count: number };

/** Versions shown per type; the rest are summed as "other versions". */
const VERSIONS_PER_TYPE = 6;

/** Per type, how many systems run each version: a bar per version, its count and share written out. */
export function VersionDistribution({ versions }: { versions: readonly VersionCount[] }) {
  const byType = new Map<string, VersionCount[]>();
  for (const entry of versions) {
    const type = entry.type ?? '';
    byType.set(type, [...(byType.get(type) ?? []), entry]);
  }
  return (
    <section className="card" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions by type</h2>
      {byType.size === 0 ? <p className="muted">No systems yet.</p> : null}
      <div className="version-types">
        {[...byType].map(([type, entries]) => {
          const total = entries.reduce((sum, entry) => sum + entry.count, 0);
          const shown = entries.slice(0, VERSIONS_PER_TYPE);
          const rest = entries.slice(VERSIONS_PER_TYPE).reduce((sum, entry) => sum + entry.count, 0);
          const rows = [
            ...shown.map((entry) => ({ label: entry.version ?? 'not reported', count: entry.count })),
            ...(rest ? [{ label: 'other versions', count: rest }] : []),
          ];
          const headingId = `versions-${type || 'untyped'}`;
          return (
            <div key={type} className="version-type" data-testid={`versions-${type || 'untyped'}`}>
              <h3 id={headingId}>
                {type ? <Link to={`/systems?type=${encodeURIComponent(type)}`}>{type}</Link> : 'No type'}{' '}
                <span className="muted">· {total.toLocaleString()}</span>
              </h3>
              <ul className="version-bars" aria-labelledby={headingId}>
                {rows.map((row) => {
                  const share = Math.round((row.count / total) * 100);
                  return (
                    <li key={row.label}>
                      <span className="version-label">{row.label}</span>
                      <span className="version-bar" aria-hidden="true">
                        <span style={{ width: `${Math.max(share, 1)}%` }} />
                      </span>
                      <span className="version-count">
                        {row.count.toLocaleString()} <span className="muted">({share} %)</span>
                      </span>
                    </li>
                  );
                })}
              </ul>
            </div>
          );
        })}
      </div>
    </section>
  );
}
