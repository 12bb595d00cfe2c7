import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, LIVE_INTERVAL_MS } from '../../api.ts';
import { Empty, ErrorBox, Loading, Pagination, Time } from '../../components/ui.tsx';
import { bytes } from '../../format.ts';
import { useTimeFormat } from '../../time-zone.ts';

export function InventoryTab({ systemId }: { systemId: string }) {
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<string[]>([]);
  const records = useQuery({
    queryKey: ['inventory', systemId, page],
    queryFn: () => api.get('systems/{id}/inventory', { path: { id: systemId }, query: { page, page_size: 20 } }),
    refetchInterval: LIVE_INTERVAL_MS,
    placeholderData: keepPreviousData,
  });
  const latest = useQuery({
    queryKey: ['inventory', systemId, 'latest'],
    queryFn: () => api.get('systems/{id}/inventory/latest', { path: { id: systemId } }).catch(() => null),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const time = useTimeFormat();
  const toggle = (id: string) => setSelected((current) => (current.includes(id) ? current.filter((item) => item !== id) : [...current.slice(-1), id]));

  if (records.isPending) return <Loading />;
  if (records.error && !records.data) return <ErrorBox error={records.error} />;
  if (records.data.total === 0) return <Empty title="No inventory yet">The appliance sends it to POST /api/systems/inventory.</Empty>;

  return (
    <div className="stack">
      <section className="card">
        <h2>History</h2>
        <p className="muted">Pick two records to compare them side by side.</p>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Received</th>
              <th scope="col">Last seen</th>
              <th scope="col">Size</th>
              <th scope="col">Changes</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {records.data.items.map((record) => (
              <tr key={record.id}>
                <td>
                  <input
                    type="checkbox"
                    checked={selected.includes(record.id)}
                    onChange={() => toggle(record.id)}
                    aria-label={`Compare the record of ${time.dateTime(record.received_at)}`}
                  />
                </td>
                <td>
                  <Time iso={record.received_at} absolute />
                </td>
                <td>
                  <Time iso={record.last_seen_at} absolute />
                </td>
                <td>{bytes(record.size)}</td>
                <td>{record.change_count}</td>
                <td>
                  <code>{record.hash.slice(0, 12)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pagination page={page} pageSize={20} total={records.data.total} onPage={setPage} />
      </section>
      {selected.length === 2 ? <Comparison systemId={systemId} ids={selected as [string, string]} /> : null}
      <section className="card">
        <h2>Latest snapshot</h2>
        {latest.data ? <JsonTree data={latest.data.data} /> : <Loading />}
      </section>
    </div>
  );
}

/** Dotted paths to leaf values, as the diff engine names them. */
function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    if (entries.length === 0) into.set(prefix || '(root)', Array.isArray(value) ? '[]' : '{}');
    for (const [key, item] of entries) flatten(item, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix || '(root)', JSON.stringify(value));
  }
  return into;
}

function Comparison({ systemId, ids }: { systemId: string; ids: [string, string] }) {
  const [onlyDifferences, setOnlyDifferences] = useState(true);
  const time = useTimeFormat();
  const records = useQuery({
    queryKey: ['inventory-pair', systemId, ids],
    queryFn: async () => {
      const pair = await Promise.all(ids.map((id) => api.get('systems/{id}/inventory/{recordId}', { path: { id: systemId, recordId: id } })));
      return pair.sort((a, b) => a.received_at.localeCompare(b.received_at));
    },
  });
  const rows = useMemo(() => {
    if (!records.data) return [];
    const [older, newer] = records.data.map((record) => flatten(record.data));
    const paths = [...new Set([...older!.keys(), ...newer!.keys()])].sort();
    return paths.map((path) => ({ path, left: older!.get(path), right: newer!.get(path) })).filter((row) => !onlyDifferences || row.left !== row.right);
  }, [records.data, onlyDifferences]);

  return (
    <section className="card">
      <div className="page-head">
        <h2>Comparison</h2>
        <span className="spacer" />
        <label className="inline">
          <input type="checkbox" checked={onlyDifferences} onChange={(event) => setOnlyDifferences(event.target.checked)} /> Only differences
        </label>
      </div>
      <ErrorBox error={records.error} />
      {records.data ? (
        <table className="table compare">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">{time.dateTime(records.data[0]!.received_at)}</th>
              <th scope="col">{time.dateTime(records.data[1]!.received_at)}</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">
                  The two records are identical.
                </td>
              </tr>
            ) : null}
            {rows.slice(0, 2000).map((row) => (
              <tr
                key={row.path}
                className={row.left === row.right ? undefined : row.left === undefined ? 'added' : row.right === undefined ? 'removed' : 'changed'}
              >
                <td>
                  <code>{row.path}</code>
                </td>
                <td>{row.left ?? <span className="muted">absent</span>}</td>
                <td>{row.right ?? <span className="muted">absent</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Loading />
      )}
    </section>
  );
}

function matches(value: unknown, key: string, needle: string): boolean {
  if (key.toLowerCase().includes(needle)) return true;
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([childKey, child]) => matches(child, childKey, needle));
  return String(value).toLowerCase().includes(needle);
}

export function JsonTree({ data }: { data: unknown }) {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  return (
    <div className="tree">
      <label>
        Search the snapshot
        <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Key or value" />
      </label>
      <TreeNode name="inventory" value={data} needle={needle} depth={0} />
    </div>
  );
}

function TreeNode({ name, value, needle, depth }: { name: string; value: unknown; needle: string; depth: number }) {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    const visible: (readonly [string, unknown])[] = needle ? entries.filter(([key, child]) => matches(child, key, needle)) : entries;
    const hit = needle !== '' && name.toLowerCase().includes(needle);
    return (
      <details open={depth < 1 || needle !== ''}>
        <summary className={hit ? 'hit' : undefined}>
          <span className="key">{name}</span> <span className="muted">{Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}</span>
        </summary>
        <ul>
          {visible.map(([key, child]) => (
            <li key={key}>
              <TreeNode name={key} value={child} needle={needle} depth={depth + 1} />
            </li>
          ))}
        </ul>
      </details>
    );
  }
  const text = JSON.stringify(value);
  const hit = needle !== '' && (name.toLowerCase().includes(needle) || text.toLowerCase().includes(needle));
  return (
    <span className={hit ? 'leaf hit' : 'leaf'}>
      <span className="key">{name}</span>: <span className="value">{text}</span>
    </span>
  );
}
