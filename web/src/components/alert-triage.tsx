import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, type Alert } from '../api.ts';
import { useAccess } from '../session.tsx';
import { ErrorBox, SeverityBadge, Time } from './ui.tsx';

/** Durations offered for a silence, in minutes. */
const SILENCE_DURATIONS: readonly [number, string][] = [
  [15, '15 minutes'],
  [60, '1 hour'],
  [240, '4 hours'],
  [1440, '1 day'],
  [10080, '7 days'],
];

type Mode = 'acknowledge' | 'silence';

/** Alerts as rows: severity, rule and summary, system, since, its acknowledgement and silence, and what an operator may do. */
export function AlertRows({ alerts, showSystem = false }: { alerts: readonly Alert[]; showSystem?: boolean }) {
  return (
    <table className="table alerts-table">
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Alert</th>
          {showSystem ? <th scope="col">System</th> : null}
          <th scope="col">Started</th>
          <th scope="col">State</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr key={alert.id} data-alert-id={alert.id}>
            <td>
              <SeverityBadge severity={alert.severity} />
            </td>
            <td>
              <strong>{alert.name}</strong>
              <div className="alert-summary">{alert.summary}</div>
            </td>
            {showSystem ? (
              <td>{alert.system_id ? <Link to={`/systems/${alert.system_id}/alerts`}>{alert.labels.system_name ?? alert.system_id}</Link> : '—'}</td>
            ) : null}
            <td>
              <Time iso={alert.starts_at} />
            </td>
            <td>
              <AlertState alert={alert} />
            </td>
            <td>
              <AlertActions alert={alert} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AlertState({ alert }: { alert: Alert }) {
  return (
    <div className="alert-state">
      {alert.status === 'firing' ? (
        <span className="badge firing">firing</span>
      ) : (
        <span className="muted">
          ended <Time iso={alert.ends_at} />
        </span>
      )}
      {alert.acknowledgement ? (
        <div data-testid="acknowledgement">
          Acknowledged by {alert.acknowledgement.by} <Time iso={alert.acknowledgement.at} />
          {alert.acknowledgement.comment ? <q>{alert.acknowledgement.comment}</q> : null}
        </div>
      ) : null}
      {alert.silence ? (
        <div data-testid="silence">
          Silenced until <Time iso={alert.silence.ends_at} /> by {alert.silence.by}
          {alert.silence.alertmanager_silence_id ? ' (in Alertmanager)' : ''}
          {alert.silence.comment ? <q>{alert.silence.comment}</q> : null}
        </div>
      ) : null}
    </div>
  );
}

function AlertActions({ alert }: { alert: Alert }) {
  const access = useAccess();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode | null>(null);
  const path = { id: alert.system_id ?? '', alertId: alert.id };
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['alerts'] });
    void queryClient.invalidateQueries({ queryKey: ['attention'] });
  };
  const withdraw = useMutation({
    mutationFn: (what: 'acknowledgement' | 'silence') =>
      what === 'acknowledgement'
        ? api.delete('systems/{id}/alerts/{alertId}/acknowledgement', { path })
        : api.delete('systems/{id}/alerts/{alertId}/silence', { path }),
    onSuccess: refresh,
  });
  if (!alert.system_id || !access.can('systems:operate', alert.organization_id)) return null;
  return (
    <div className="row-actions">
      {alert.status === 'firing' && !alert.acknowledgement ? (
        <button type="button" className="button small" onClick={() => setMode('acknowledge')}>
          Acknowledge
        </button>
      ) : null}
      {alert.acknowledgement ? (
        <button type="button" className="button small" onClick={() => withdraw.mutate('acknowledgement')}>
          Withdraw acknowledgement
        </button>
      ) : null}
      {alert.silence ? (
        <button type="button" className="button small" onClick={() => withdraw.mutate('silence')}>
          End silence
        </button>
      ) : (
        <button type="button" className="button small" onClick={() => setMode('silence')}>
          Silence
        </button>
      )}
      <ErrorBox error={withdraw.error} />
      {mode ? (
        <TriageDialog
          alert={alert}
          mode={mode}
          onDone={() => {
            setMode(null);
            refresh();
          }}
          onClose={() => setMode(null)}
        />
      ) : null}
    </div>
  );
}

/** Asks for the comment (and for a silence, how long) before acknowledging or silencing. */
function TriageDialog({ alert, mode, onDone, onClose }: { alert: Alert; mode: Mode; onDone: () => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [comment, setComment] = useState('');
  const [minutes, setMinutes] = useState(60);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const path = { id: alert.system_id ?? '', alertId: alert.id };
  const save = useMutation({
    mutationFn: () =>
      mode === 'acknowledge'
        ? api.post('systems/{id}/alerts/{alertId}/acknowledge', { path, body: { comment } })
        : api.post('systems/{id}/alerts/{alertId}/silence', { path, body: { duration_minutes: minutes, comment } }),
    onSuccess: onDone,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const title = mode === 'acknowledge' ? 'Acknowledge alert' : 'Silence alert';
  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} aria-labelledby="triage-title">
      <form onSubmit={submit} className="form">
        <h2 id="triage-title">{title}</h2>
        <p>
          <SeverityBadge severity={alert.severity} /> <strong>{alert.name}</strong> on {alert.labels.system_name ?? alert.system_id}: {alert.summary}
        </p>
        {mode === 'silence' ? (
          <label>
            Silence for
            <select value={minutes} onChange={(event) => setMinutes(Number(event.target.value))}>
              {SILENCE_DURATIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {mode === 'silence' ? <p className="muted">No notification is sent for this rule on this system until the silence ends.</p> : null}
        <label>
          Comment (optional)
          <textarea value={comment} onChange={(event) => setComment(event.target.value)} maxLength={500} rows={3} />
        </label>
        <ErrorBox error={save.error} inDialog />
        <div className="actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={save.isPending}>
            {mode === 'acknowledge' ? 'Acknowledge' : 'Silence'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
