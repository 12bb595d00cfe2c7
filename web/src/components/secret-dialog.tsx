import { useEffect, useRef } from 'react';
import type { SystemWithSecret } from '../api.ts';
import { CopyButton } from './ui.tsx';

/** Shell-quotes for single-quoted curl arguments. */
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

export function applianceCommands(system: SystemWithSecret): { label: string; command: string }[] {
  const base = new URL('.', document.baseURI).toString();
  const credentials = quote(`${system.system_key}:${system.system_secret}`);
  return [
    {
      label: 'Register (once)',
      command: `curl -X POST ${base}api/systems/register -H 'Content-Type: application/json' -d ${quote(JSON.stringify({ system_secret: system.system_secret }))}`,
    },
    {
      label: 'Heartbeat (every 5 minutes)',
      command: `curl -X POST ${base}api/systems/heartbeat -u ${credentials} -H 'Content-Type: application/json' -d '{}'`,
    },
    { label: 'Inventory', command: `curl -X POST ${base}api/systems/inventory -u ${credentials} -H 'Content-Type: application/json' -d @inventory.json` },
  ];
}

/** The secret is shown once: here, right after creation or regeneration. */
export function SecretDialog({ system, onClose }: { system: SystemWithSecret; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} aria-labelledby="secret-title">
      <h2 id="secret-title">Credentials for {system.name}</h2>
      <p className="warning-text">Copy the secret now: Muster keeps only a hash of it and will not show it again.</p>
      <dl className="facts">
        <dt>System key</dt>
        <dd>
          <code data-testid="system-key">{system.system_key}</code> <CopyButton text={system.system_key} label="Copy key" />
        </dd>
        <dt>System secret</dt>
        <dd>
          <code data-testid="system-secret">{system.system_secret}</code> <CopyButton text={system.system_secret} label="Copy secret" />
        </dd>
      </dl>
      <h3>Ready to paste</h3>
      {applianceCommands(system).map(({ label, command }) => (
        <div key={label} className="command">
          <div className="command-head">
            <span>{label}</span>
            <CopyButton text={command} label={`Copy ${label.split(' ')[0]?.toLowerCase()} command`} />
          </div>
          <pre>
            <code>{command}</code>
          </pre>
        </div>
      ))}
      <form method="dialog">
        <button type="submit" className="button primary">
          Done
        </button>
      </form>
    </dialog>
  );
}
