import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Backup } from '../../api.ts';
import { Empty, ErrorBox, Loading, Time } from '../../components/ui.tsx';
import { bytes } from '../../format.ts';
import { useAccess } from '../../session.tsx';

export function BackupsTab({ systemId, organizationId }: { systemId: string; organizationId: string }) {
  const queryClient = useQueryClient();
  const access = useAccess();
  const mayDownload = access.can('backups:download', organizationId);
  const mayDelete = access.can('systems:operate', organizationId);
  const backups = useQuery({
    queryKey: ['backups', systemId],
    queryFn: () => api.get('systems/{id}/backups', { path: { id: systemId } }),
    refetchInterval: 10_000,
  });
  const remove = useMutation({
    mutationFn: (backup: Backup) => api.delete('systems/{id}/backups/{backupId}', { path: { id: systemId, backupId: backup.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['backups', systemId] }),
  });
  const download = useMutation({
    mutationFn: (backup: Backup) => api.download('systems/{id}/backups/{backupId}', { path: { id: systemId, backupId: backup.id } }, backup.filename),
  });

  return (
    <section className="card">
      <h2>Backups</h2>
      <ErrorBox error={backups.error ?? remove.error ?? download.error} />
      {backups.isPending ? <Loading /> : null}
      {backups.data ? (
        <p className="muted" data-testid="backup-usage">
          {backups.data.total} backup{backups.data.total === 1 ? '' : 's'}, {bytes(backups.data.total_bytes)} in all
        </p>
      ) : null}
      {backups.data?.items.length === 0 ? <Empty title="No backups">The appliance uploads them to POST /api/systems/backups.</Empty> : null}
      {backups.data && backups.data.items.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Uploaded</th>
              <th scope="col">SHA-256</th>
              {mayDownload || mayDelete ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {backups.data.items.map((backup) => (
              <tr key={backup.id}>
                <td>{backup.filename}</td>
                <td>{bytes(backup.size)}</td>
                <td>
                  <Time iso={backup.uploaded_at} />
                </td>
                <td>
                  <code title={backup.sha256}>{backup.sha256.slice(0, 12)}…</code>
                </td>
                {mayDownload || mayDelete ? (
                  <td className="actions">
                    {mayDownload ? (
                      <button type="button" className="button small" onClick={() => download.mutate(backup)}>
                        Download
                      </button>
                    ) : null}
                    {mayDelete ? (
                      <button
                        type="button"
                        className="button small danger"
                        onClick={() => {
                          if (window.confirm(`Delete ${backup.filename}? This cannot be undone.`)) remove.mutate(backup);
                        }}
                      >
                        Delete
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
