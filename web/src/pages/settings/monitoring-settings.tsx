import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type MonitoringSettings } from '../../api.ts';
import { ErrorBox, Loading } from '../../components/ui.tsx';
import { fieldErrors } from '../../explain-error.ts';
import { spelledSeconds } from '../../format.ts';
import { useLeaveGuard } from '../../leave-guard.ts';

/** The monitoring agents' settings (`/monitoring` dialect): when a silent server shows down, and whether the views are public. */
export function MonitoringSettingsCard({ organizationId, edit }: { organizationId: string; edit: boolean }) {
  const settings = useQuery({
    queryKey: ['monitoring-settings', organizationId],
    queryFn: () => api.get('organizations/{id}/monitoring/settings', { path: { id: organizationId } }),
  });
  return (
    <section className="card" aria-labelledby="monitoring-title">
      <h2 id="monitoring-title">Monitoring agents</h2>
      <p className="muted">
        For agents reporting to <code>/monitoring</code>: their views show a server down after this long without a report.
      </p>
      <ErrorBox error={settings.error} />
      {settings.isPending ? <Loading /> : null}
      {settings.data ? <MonitoringForm organizationId={organizationId} stored={settings.data} edit={edit} /> : null}
    </section>
  );
}

function MonitoringForm({ organizationId, stored, edit }: { organizationId: string; stored: MonitoringSettings; edit: boolean }) {
  const queryClient = useQueryClient();
  const [staleText, setStaleText] = useState<string | null>(null);
  const [publicViews, setPublicViews] = useState<boolean | null>(null);
  const [saved, setSaved] = useState(false);
  const stale = (staleText ?? String(stored.stale_threshold_seconds)).trim();
  const staleValid = /^\d+$/.test(stale);
  const changes: Partial<MonitoringSettings> = {
    ...(staleValid && Number(stale) !== stored.stale_threshold_seconds ? { stale_threshold_seconds: Number(stale) } : {}),
    ...(publicViews !== null && publicViews !== stored.public_views ? { public_views: publicViews } : {}),
  };
  const unsaved = Object.keys(changes).length > 0 || !staleValid;
  useLeaveGuard(unsaved);
  const save = useMutation({
    mutationFn: (body: Partial<MonitoringSettings>) => api.patch('organizations/{id}/monitoring/settings', { path: { id: organizationId }, body }),
    onSuccess: (answer) => {
      queryClient.setQueryData(['monitoring-settings', organizationId], answer);
      setStaleText(null);
      setPublicViews(null);
      setSaved(true);
    },
  });
  const refused = fieldErrors(save.error).filter((error) => error.field === 'stale_threshold_seconds');
  function submit(event: FormEvent) {
    event.preventDefault();
    if (staleValid && Object.keys(changes).length > 0) save.mutate(changes);
  }

  if (!edit)
    return (
      <dl className="facts">
        <dt>Down after</dt>
        <dd data-testid="stale-threshold">
          {spelledSeconds(stored.stale_threshold_seconds)} ({stored.stale_threshold_seconds} s)
        </dd>
        <dt>Public views</dt>
        <dd>{stored.public_views ? 'yes: the views answer without an API key' : 'no: the views take an API key'}</dd>
      </dl>
    );
  return (
    <form className="threshold-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="stale-threshold">Down after (seconds)</label>
        <span className="threshold-input">
          <input
            id="stale-threshold"
            inputMode="numeric"
            value={staleText ?? String(stored.stale_threshold_seconds)}
            aria-invalid={!staleValid || refused.length > 0 || undefined}
            onChange={(event) => {
              setSaved(false);
              setStaleText(event.target.value);
            }}
          />
          <span className="muted">{staleValid ? `= ${spelledSeconds(Number(stale))}` : ''}</span>
        </span>
      </div>
      {!staleValid ? <p className="error-text">A whole number of seconds.</p> : null}
      {refused.map((error) => (
        <p key={error.message} className="error-text">
          Down after: {error.message}
        </p>
      ))}
      <label className="inline">
        <input
          type="checkbox"
          checked={publicViews ?? stored.public_views}
          onChange={(event) => {
            setSaved(false);
            setPublicViews(event.target.checked);
          }}
        />
        Public views (answer without an API key)
      </label>
      <div className="form-row">
        <button type="submit" className="button primary" disabled={!unsaved || !staleValid || save.isPending}>
          Save monitoring settings
        </button>
        <button
          type="button"
          className="button"
          disabled={!unsaved || save.isPending}
          onClick={() => {
            setStaleText(null);
            setPublicViews(null);
            save.reset();
          }}
        >
          Undo monitoring changes
        </button>
        {unsaved ? <span className="muted">Unsaved changes</span> : null}
      </div>
      <ErrorBox error={save.error} />
      {saved ? <p role="status">Monitoring settings saved.</p> : null}
    </form>
  );
}
