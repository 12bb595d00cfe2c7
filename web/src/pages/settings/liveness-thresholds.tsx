import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type OrganizationDetails } from '../../api.ts';
import { ErrorBox } from '../../components/ui.tsx';
import { fieldErrors } from '../../explain-error.ts';
import { spelledSeconds } from '../../format.ts';
import { useLeaveGuard } from '../../leave-guard.ts';

type Threshold = 'heartbeat_timeout_seconds' | 'heartbeat_warning_seconds';

const THRESHOLDS: readonly { field: Threshold; label: string; inForce: keyof OrganizationDetails; meaning: string }[] = [
  {
    field: 'heartbeat_timeout_seconds',
    label: 'Timeout',
    inForce: 'effective_heartbeat_timeout_seconds',
    meaning: 'Without a heartbeat this long a system is inactive and LinkFailed fires.',
  },
  {
    field: 'heartbeat_warning_seconds',
    label: 'Warning',
    inForce: 'effective_heartbeat_warning_seconds',
    meaning: 'Without a heartbeat this long a system is in warning (HeartbeatWarning); 0 turns the warning off.',
  },
];

/** What a field holds: a whole number of seconds, empty for the global default, or text that is neither. */
function parse(text: string): number | null | 'invalid' {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : 'invalid';
}

const shown = (seconds: number | null) => (seconds === null ? '' : String(seconds));

function inForceText(organization: OrganizationDetails, field: Threshold, inForce: number): string {
  if (field === 'heartbeat_warning_seconds' && inForce === 0) {
    // The server turns a warning at or after the timeout off: it could never be seen.
    if (organization.heartbeat_warning_seconds === null) return 'off (the global default, or not below the timeout)';
    return organization.heartbeat_warning_seconds > 0 ? 'off (not below the timeout, so it could never be seen)' : 'off';
  }
  return `${spelledSeconds(inForce)} (${inForce} s)${organization[field] === null ? ', the global default' : ''}`;
}

/** The organization's liveness thresholds: admins and owners change them, everyone else reads them. */
export function LivenessThresholds({ organization, edit }: { organization: OrganizationDetails; edit: boolean }) {
  const queryClient = useQueryClient();
  // Only what the operator typed, and the stored values it was typed over (to tell of a change made meanwhile).
  const [draft, setDraft] = useState<Partial<Record<Threshold, string>>>({});
  const [typedOver, setTypedOver] = useState<Partial<Record<Threshold, number | null>>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const unsaved = THRESHOLDS.some(({ field }) => draft[field] !== undefined && draft[field] !== shown(organization[field]));
  useLeaveGuard(unsaved);

  const save = useMutation({
    mutationFn: (body: Record<Threshold, number | null>) => api.patch('organizations/{id}', { path: { id: organization.id }, body }),
    onSuccess: (answer) => {
      queryClient.setQueryData(['organization', answer.id], answer);
      void queryClient.invalidateQueries({ queryKey: ['organizations'] });
      setDraft({});
      setTypedOver({});
      setSaved(
        THRESHOLDS.map(({ field, label }) => `${label.toLowerCase()} ${answer[field] === null ? 'the global default' : spelledSeconds(answer[field])}`).join(
          ', ',
        ),
      );
    },
  });
  const refused = fieldErrors(save.error);
  const refusalOf = (field: Threshold) => {
    const kind = field.includes('timeout') ? 'timeout' : 'warning';
    // The API names both forms of a threshold (`_minutes`, `_seconds`); the form has one field for each.
    return refused
      .filter((error) => error.field.startsWith(`heartbeat_${kind}_`))
      .map((error) => error.message.replace(/heartbeat_(timeout|warning)_(minutes|seconds)/g, 'the $1'));
  };

  const values = Object.fromEntries(THRESHOLDS.map(({ field }) => [field, parse(draft[field] ?? shown(organization[field]))])) as Record<
    Threshold,
    number | null | 'invalid'
  >;
  const invalid = THRESHOLDS.some(({ field }) => values[field] === 'invalid');

  function change(field: Threshold, text: string) {
    setSaved(null);
    if (!(field in typedOver)) setTypedOver((held) => ({ ...held, [field]: organization[field] }));
    setDraft((held) => ({ ...held, [field]: text }));
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    if (invalid) return;
    // Both go together, so the server checks the warning against the timeout it will keep.
    save.mutate(values as Record<Threshold, number | null>);
  }
  function undo() {
    setDraft({});
    setTypedOver({});
    save.reset();
  }

  return (
    <section className="card" aria-labelledby="liveness-title">
      <h2 id="liveness-title">Liveness thresholds</h2>
      <p className="muted">Applied at once to every system of the organization. Empty: the global default (HEARTBEAT_*_MINUTES).</p>
      <form className="threshold-form" onSubmit={submit} noValidate>
        {THRESHOLDS.map(({ field, label, inForce, meaning }) => {
          const value = values[field];
          const messages = refusalOf(field);
          const id = `threshold-${field}`;
          const meanwhile = field in typedOver && typedOver[field] !== organization[field];
          return (
            <div key={field} className="threshold">
              {edit ? (
                <div className="field">
                  <label htmlFor={id}>{label} (seconds)</label>
                  <span className="threshold-input">
                    <input
                      id={id}
                      inputMode="numeric"
                      value={draft[field] ?? shown(organization[field])}
                      placeholder="global default"
                      aria-invalid={messages.length > 0 || value === 'invalid' || undefined}
                      aria-describedby={`${id}-help`}
                      onChange={(event) => change(field, event.target.value)}
                    />
                    <span className="muted" data-testid={`${field}-words`}>
                      {value === 'invalid' ? '' : value === null ? 'global default' : `= ${spelledSeconds(value)}`}
                    </span>
                  </span>
                </div>
              ) : (
                <h3>{label}</h3>
              )}
              <p id={`${id}-help`} className="muted">
                {meaning} In force: <span data-testid={`${field}-in-force`}>{inForceText(organization, field, organization[inForce] as number)}</span>.
              </p>
              {value === 'invalid' ? <p className="error-text">A whole number of seconds, or empty for the global default.</p> : null}
              {messages.map((message) => (
                <p key={message} className="error-text" data-testid={`${field}-error`}>
                  {label}: {message}
                </p>
              ))}
              {meanwhile ? (
                <p className="warning-text">
                  Changed meanwhile (by someone else) to {organization[field] === null ? 'the global default' : `${organization[field]} s`}; saving replaces it
                  with yours.
                </p>
              ) : null}
            </div>
          );
        })}
        {edit ? (
          <div className="form-row">
            <button type="submit" className="button primary" disabled={!unsaved || invalid || save.isPending}>
              Save thresholds
            </button>
            <button type="button" className="button" disabled={!unsaved || save.isPending} onClick={undo}>
              Undo threshold changes
            </button>
            {unsaved ? <span className="muted">Unsaved changes</span> : null}
          </div>
        ) : (
          <p className="muted">The organization&apos;s admins and owners change these.</p>
        )}
        <ErrorBox error={save.error} />
        {saved ? <p role="status">Saved: {saved}.</p> : null}
      </form>
    </section>
  );
}
