import { CopyButton } from './ui.tsx';

/** A secret (key, token, invitation link) shown right after it was made: Muster keeps only a hash and cannot show it again. */
export function ShownOnce({
  title,
  value,
  testId,
  copyLabel,
  onDismiss,
}: {
  title: string;
  value: string;
  testId: string;
  copyLabel: string;
  onDismiss: () => void;
}) {
  return (
    <div className="card shown-once" role="status">
      <h3>{title}</h3>
      <p className="warning-text">Copy it now: it is shown only once.</p>
      <p className="once">
        <code data-testid={testId}>{value}</code>
        <CopyButton text={value} label={copyLabel} />
        <button type="button" className="button small" onClick={onDismiss}>
          Done
        </button>
      </p>
    </div>
  );
}

/** Shown in place of a page the signed-in role may not open. */
export function NoOrganization() {
  return <p className="muted">Choose an organization in the switcher at the top.</p>;
}
