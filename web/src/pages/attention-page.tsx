import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, LIVE_INTERVAL_MS } from '../api.ts';
import { AttentionList } from '../components/attention-list.tsx';
import { Empty, ErrorBox, Loading, Pagination } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { usePageTitle } from '../page-title.ts';

const PAGE_SIZE = 50;

/** Every system needing attention, worst first, paged (the page in the URL). */
export function AttentionPage() {
  usePageTitle('Needs attention');
  const organization_id = useOrganization().selected?.id;
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const attention = useQuery({
    queryKey: ['attention', organization_id ?? null, page],
    queryFn: () => api.get('attention', { query: { organization_id, page, page_size: PAGE_SIZE } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  return (
    <div className="page">
      <h1>Needs attention</h1>
      {attention.isPending ? <Loading /> : null}
      <ErrorBox error={attention.error} />
      {attention.data ? (
        <section className="card" aria-label="Systems needing attention">
          <AttentionTotals total={attention.data.total} byTier={attention.data.by_tier} />
          {attention.data.items.length === 0 ? (
            <Empty title="All quiet">No system is inactive or late, and no critical or high alert is firing.</Empty>
          ) : (
            <AttentionList items={attention.data.items} />
          )}
          <Pagination page={page} pageSize={PAGE_SIZE} total={attention.data.total} onPage={(next) => setParams({ page: String(next) })} />
        </section>
      ) : null}
    </div>
  );
}

/** "12 systems need attention: 3 critical · 4 high · 5 warning". */
export function AttentionTotals({ total, byTier }: { total: number; byTier: { critical: number; high: number; warning: number } }) {
  return (
    <p className="muted" data-testid="attention-totals">
      {total.toLocaleString()} {total === 1 ? 'system needs' : 'systems need'} attention: {byTier.critical.toLocaleString()} critical ·{' '}
      {byTier.high.toLocaleString()} high · {byTier.warning.toLocaleString()} warning
    </p>
  );
}
