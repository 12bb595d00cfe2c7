import { useEffect, useRef, useState, type MouseEvent, type SyntheticEvent } from 'react';
import type { SystemWithSecret } from '../api.ts';
import { spellSeconds, suggestedHeartbeatSeconds, useHeartbeatTimeout } from '../heartbeat-interval.ts';
import { CopyButton } from './ui.tsx';

/** Shell-quotes for single-quoted curl arguments. */
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** The appliance's three calls, ready to paste; the heartbeat's interval fits the organization's timeout once known. */
export function applianceCommands(system: SystemWithSecret, timeoutSeconds?: number): { label: string; command: string }[] {
  const base = new URL('.', document.baseURI).toString();
  const credentials = quote(`${system.system_key}:${system.system_secret}`);
  return [
    {
      label: 'Register (once)',
      command: `curl -X POST ${base}api/systems/register -H 'Content-Type: application/json' -d ${quote(JSON.stringify({ system_secret: system.system_secret }))}`,
    },
    {
      label:
        timeoutSeconds === undefined
          ? 'Heartbeat (regularly, well within the heartbeat timeout)'
          : `Heartbeat (every ${spellSeconds(suggestedHeartbeatSeconds(timeoutSeconds))}: the organization's timeout is ${spellSeconds(timeoutSeconds)})`,
      command: `curl -X POST ${base}api/systems/heartbeat -u ${credentials} -H 'Content-Type: application/json' -d '{}'`,
    },
    { label: 'Inventory', command: `curl -X POST ${base}api/systems/inventory -u ${credentials} -H 'Content-Type: application/json' -d @inventory.json` },
  ];
}

/**
 * The secret is shown once: here, right after creation or regeneration. Closing it (Done, Escape,
 * a click on the backdrop) before the secret was copied asks first, inside the dialog.
 */
export function SecretDialog({ system, onClose }: { system: SystemWithSecret; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Copied: the secret itself, or a command holding it (any but the key's).
  const [copied, setCopied] = useState(false);
  const [asking, setAsking] = useState(false);
  const timeout = useHeartbeatTimeout(system.organization_id);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const requestClose = () => {
    if (copied) dialog.current?.close();
    else setAsking(true);
  };
  const onCancel = (event: SyntheticEvent) => {
    // Escape. Chromium lets a page refuse it only once per user action: a second Escape in a row closes the dialog all the same.
    if (copied) return;
    event.preventDefault();
    setAsking(true);
  };
  const onBackdrop = (event: MouseEvent<HTMLDialogElement>) => {
    if (event.target !== dialog.current) return;
    const box = dialog.current.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) requestClose();
  };
  const copiedIt = () => {
    setCopied(true);
    setAsking(false);
  };
  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} onCancel={onCancel} onClick={onBackdrop} aria-labelledby="secret-title">
      <h2 id="secret-title">Credentials for {system.name}</h2>
      <p className="warning-text">Copy the secret now: Muster keeps only a hash of it and will not show it again.</p>
      <dl className="facts">
        <dt>System key</dt>
        <dd>
          <code data-testid="system-key">{system.system_key}</code> <CopyButton text={system.system_key} label="Copy key" />
        </dd>
        <dt>System secret</dt>
        <dd>
          <code data-testid="system-secret">{system.system_secret}</code> <CopyButton text={system.system_secret} label="Copy secret" onCopied={copiedIt} />
        </dd>
      </dl>
      <h3>Ready to paste</h3>
      {applianceCommands(system, timeout).map(({ label, command }) => (
        <div key={label} className="command">
          <div className="command-head">
            <span>{label}</span>
            <CopyButton text={command} label={`Copy ${label.split(' ')[0]?.toLowerCase()} command`} onCopied={copiedIt} />
          </div>
          <pre>
            <code>{command}</code>
          </pre>
        </div>
      ))}
      {asking ? (
        <div className="confirm-close" role="alertdialog" aria-labelledby="confirm-close-title" aria-describedby="confirm-close-text">
          <strong id="confirm-close-title">Close without copying the secret?</strong>
          <p id="confirm-close-text">
            You have not copied the secret. Muster cannot show it again: without it the appliance cannot register, and you would have to regenerate it.
          </p>
          <div className="actions">
            <button type="button" className="button primary" autoFocus onClick={() => setAsking(false)}>
              Go back to the secret
            </button>
            <button type="button" className="button danger" onClick={() => dialog.current?.close()}>
              Close without copying
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="button primary" onClick={requestClose}>
            Done
          </button>
        </div>
      )}
    </dialog>
  );
}
