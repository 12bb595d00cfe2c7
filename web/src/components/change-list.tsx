import { Link } from 'react-router';
import type { Diff } from '../api.ts';
import { showValue } from '../format.ts';
import { SeverityBadge, Time } from './ui.tsx';

const TYPE_MARK: Record<Diff['diff_type'], string> = { create: '+', update: '~', delete: '−' };

/** Changes as path, old → new, severity and category; with a link to the system when asked. */
export function ChangeList({ changes, showSystem = false }: { changes: Diff[]; showSystem?: boolean }) {
  return (
    <ul className="changes">
      {changes.map((change) => (
        <li key={change.id} className={`change change-${change.diff_type}`} data-severity={change.severity}>
          <span className={`diff-type diff-${change.diff_type}`} title={change.diff_type} aria-label={change.diff_type}>
            {TYPE_MARK[change.diff_type]}
          </span>
          <div className="change-body">
            <div className="change-head">
              <code className="path">{change.field_path}</code>
              <SeverityBadge severity={change.severity} />
              <span className="category">{change.category}</span>
            </div>
            <div className="change-values">
              {change.diff_type !== 'create' ? <span className="old">{showValue(change.previous_value)}</span> : null}
              {change.diff_type === 'update' ? <span aria-hidden="true"> → </span> : null}
              {change.diff_type !== 'delete' ? <span className="new">{showValue(change.current_value)}</span> : null}
            </div>
            <div className="change-meta muted">
              <Time iso={change.detected_at} />
              {showSystem ? (
                <>
                  {' · '}
                  <Link to={`/systems/${change.system_id}/changes`}>{change.system_name}</Link>
                </>
              ) : null}
            </div>
          </div>
        </li>
      ))}
    </ul>
  );
}
