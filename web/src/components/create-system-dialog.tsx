import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, type Organization, type SystemWithSecret } from '../api.ts';
import { ErrorBox } from './ui.tsx';
// The rules the API's schema applies to `labels`, from the same source.
import { LABEL_KEY, MAX_LABEL_VALUE_LENGTH as MAX_LABEL_VALUE, MAX_LABELS } from '../../../src/domain/labels.ts';

const LABEL_KEY_PATTERN = new RegExp(`^${LABEL_KEY}$`);

interface LabelRow {
  id: number;
  key: string;
  value: string;
}

/** What is wrong with a label row, in words, or null; a row left empty is simply not sent. */
function labelProblem(row: LabelRow, rows: readonly LabelRow[]): string | null {
  const key = row.key.trim();
  if (key === '' && row.value === '') return null;
  if (key === '') return 'A label needs a key.';
  if (!LABEL_KEY_PATTERN.test(key)) return 'Keys are 1 to 63 letters, digits or the characters _ . - /.';
  if (row.value.length > MAX_LABEL_VALUE) return `Values are at most ${MAX_LABEL_VALUE} characters.`;
  if (rows.some((other) => other.id < row.id && other.key.trim() === key)) return `The key ${key} is given twice.`;
  return null;
}

export function CreateSystemDialog({
  organizations,
  preselected,
  offerDefault,
  onClose,
  onCreated,
}: {
  organizations: Organization[];
  preselected: string | null;
  offerDefault: boolean;
  onClose: () => void;
  onCreated: (system: SystemWithSecret) => void;
}) {
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState('');
  const [type, setType] = useState('');
  const [labels, setLabels] = useState<LabelRow[]>([]);
  const nextRow = useRef(0);
  const [organizationId, setOrganizationId] = useState(
    () => organizations.find((organization) => organization.id === preselected)?.id ?? (offerDefault ? '' : (organizations[0]?.id ?? '')),
  );
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const filled = labels.filter((row) => row.key.trim() !== '' || row.value !== '');
  const problems = labels.map((row) => labelProblem(row, labels));
  const valid = problems.every((problem) => problem === null) && filled.length <= MAX_LABELS;
  const create = useMutation({
    mutationFn: () =>
      api.post('systems', {
        body: {
          name: name.trim(),
          ...(type ? { type } : {}),
          ...(organizationId ? { organization_id: organizationId } : {}),
          ...(filled.length ? { labels: Object.fromEntries(filled.map((row) => [row.key.trim(), row.value])) } : {}),
        },
      }),
    onSuccess: (system) => {
      void queryClient.invalidateQueries({ queryKey: ['systems'] });
      void queryClient.invalidateQueries({ queryKey: ['summary'] });
      onCreated(system);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) create.mutate();
  };
  const edit = (id: number, change: Partial<LabelRow>) => setLabels((rows) => rows.map((row) => (row.id === id ? { ...row, ...change } : row)));
  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} aria-labelledby="create-title">
      <form onSubmit={submit} className="form">
        <h2 id="create-title">Create a system</h2>
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={255} autoFocus />
        </label>
        <label>
          Type (optional)
          <input
            value={type}
            onChange={(event) => setType(event.target.value)}
            placeholder="ns8, nsec, linux…"
            pattern="[a-z0-9][a-z0-9_.\-]*"
            maxLength={32}
          />
        </label>
        <label>
          Organization
          <select value={organizationId} onChange={(event) => setOrganizationId(event.target.value)}>
            {offerDefault ? <option value="">Default organization</option> : null}
            {organizations.map((organization) => (
              <option key={organization.id} value={organization.id}>
                {organization.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="label-rows">
          <legend>Labels (optional)</legend>
          {labels.map((row, index) => (
            <div key={row.id} className="label-row">
              <label>
                <span className="sr-only">Key of label {index + 1}</span>
                <input
                  value={row.key}
                  placeholder="key"
                  maxLength={63}
                  aria-invalid={problems[index] ? true : undefined}
                  aria-describedby={problems[index] ? `label-problem-${row.id}` : undefined}
                  onChange={(event) => edit(row.id, { key: event.target.value })}
                />
              </label>
              <span aria-hidden="true">=</span>
              <label>
                <span className="sr-only">Value of label {index + 1}</span>
                <input value={row.value} placeholder="value" maxLength={MAX_LABEL_VALUE} onChange={(event) => edit(row.id, { value: event.target.value })} />
              </label>
              <button
                type="button"
                className="button small"
                aria-label={`Remove label ${index + 1}`}
                onClick={() => setLabels((rows) => rows.filter((other) => other.id !== row.id))}
              >
                Remove
              </button>
              {problems[index] ? (
                <span id={`label-problem-${row.id}`} className="error-text label-problem">
                  {problems[index]}
                </span>
              ) : null}
            </div>
          ))}
          {labels.length < MAX_LABELS ? (
            <button type="button" className="button small" onClick={() => setLabels((rows) => [...rows, { id: nextRow.current++, key: '', value: '' }])}>
              Add label
            </button>
          ) : null}
        </fieldset>
        <ErrorBox error={create.error} inDialog />
        <div className="actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={create.isPending || name.trim() === '' || !valid}>
            {create.isPending ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
