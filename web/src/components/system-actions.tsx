import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type ReactNode } from 'react';
import { api, type System, type SystemWithSecret } from '../api.ts';
import { explainError } from '../explain-error.ts';
import { useAccess } from '../session.tsx';
import { SecretDialog } from './secret-dialog.tsx';
import { useToast } from './toasts.tsx';
import { useClosedFromOutside } from './ui.tsx';

/** Regenerate secret, suspend/reactivate, delete/restore: each asks first when it cuts an appliance off. */
export function SystemActions({ system, compact = false }: { system: System; compact?: boolean }) {
  // Not shown to roles that may not use them (viewers).
  if (!useAccess().can('systems:operate', system.organization_id)) return null;
  return <Actions system={system} compact={compact} />;
}

function Actions({ system, compact }: { system: System; compact: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [secret, setSecret] = useState<SystemWithSecret | null>(null);
  const [error, setError] = useState<string | null>(null);
  const action = useMutation({
    // Annotated: an inferred union would fold SystemWithSecret into System, its supertype.
    mutationFn: async (name: 'regenerate-secret' | 'suspend' | 'reactivate' | 'restore' | 'delete'): Promise<System | SystemWithSecret | void> => {
      if (name === 'delete') return api.delete('systems/{id}', { path: { id: system.id } });
      return api.post(`systems/{id}/${name}`, { path: { id: system.id } });
    },
    onSuccess: (result, name) => {
      setError(null);
      if (result && 'system_secret' in result) setSecret(result);
      refresh();
      // Both cut the appliance off and both are reversible: say so, with the way back.
      if (name === 'delete' || name === 'suspend') {
        const reverse = name === 'delete' ? 'restore' : 'reactivate';
        toast({
          message: `${name === 'delete' ? 'Deleted' : 'Suspended'} ${system.name}.`,
          undo: {
            run: async () => {
              await api.post(`systems/{id}/${reverse}`, { path: { id: system.id } });
              refresh();
            },
            done: `${name === 'delete' ? 'Restored' : 'Reactivated'} ${system.name}.`,
          },
        });
      }
    },
    onError: (caught) => setError(explainError(caught)),
  });
  function refresh() {
    void queryClient.invalidateQueries({ queryKey: ['systems'] });
    void queryClient.invalidateQueries({ queryKey: ['system', system.id] });
    void queryClient.invalidateQueries({ queryKey: ['summary'] });
  }
  const run = (name: Parameters<typeof action.mutate>[0], question?: string) => {
    if (question && !window.confirm(question)) return;
    action.mutate(name);
  };
  const size = compact ? 'button small' : 'button';
  const Wrapper = compact ? RowMenu : Plain;

  return (
    <Wrapper label={`Actions for ${system.name}`}>
      {system.deleted ? (
        <button type="button" className={size} onClick={() => run('restore')}>
          Restore
        </button>
      ) : (
        <>
          <button
            type="button"
            className={size}
            onClick={() => run('regenerate-secret', `Issue a new secret for ${system.name}? The current one stops working at once.`)}
          >
            Regenerate secret
          </button>
          {system.suspended ? (
            <button type="button" className={size} onClick={() => run('reactivate')}>
              Reactivate
            </button>
          ) : (
            <button type="button" className={size} onClick={() => run('suspend', `Suspend ${system.name}? Its heartbeats and inventories will be refused.`)}>
              Suspend
            </button>
          )}
          <button type="button" className={`${size} danger`} onClick={() => run('delete', `Delete ${system.name}? It can be restored later.`)}>
            Delete
          </button>
        </>
      )}
      {error ? (
        <span className="error-text" role="alert">
          {error}
        </span>
      ) : null}
      {secret ? <SecretDialog system={secret} onClose={() => setSecret(null)} /> : null}
    </Wrapper>
  );
}

function Plain({ children }: { label: string; children: ReactNode }) {
  return <div className="actions">{children}</div>;
}

/** A list row's actions behind one button: a row stays one line, with one tab stop. */
function RowMenu({ label, children }: { label: string; children: ReactNode }) {
  const menu = useRef<HTMLDetailsElement>(null);
  useClosedFromOutside(menu);
  return (
    <details className="row-menu" ref={menu}>
      <summary className="button small" aria-label={label} title={label}>
        <span aria-hidden="true">⋯</span>
      </summary>
      <div className="row-menu-items">{children}</div>
    </details>
  );
}
