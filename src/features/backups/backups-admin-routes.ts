import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import type { SystemsService } from '../systems/index.ts';
import { BackupSchema, presentBackup, sendBackup } from './backups-routes.ts';
import type { BackupsService } from './backups-service.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const BackupParams = Type.Object({ id: IdParams.properties.id, backupId: Type.String({ maxLength: 100 }) });

/** Operators: any system's backups (list, download, delete) and storage usage. */
export function backupsAdminRoutes(service: BackupsService, systems: SystemsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['backups'];
    const errors = errorResponses(400, 401, 404);

    app.get(
      '/systems/:id/backups',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: "A system's backups, newest first, with their total size",
          params: IdParams,
          response: { 200: Type.Object({ items: Type.Array(BackupSchema), total: Type.Integer(), total_bytes: Type.Integer() }), ...errors },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const backups = await service.list(request.params.id);
        return { items: backups.map(presentBackup), total: backups.length, total_bytes: backups.reduce((sum, backup) => sum + backup.size, 0) };
      },
    );

    app.get(
      '/systems/:id/backups/:backupId',
      { config: access.system('backups:download'), schema: { tags, summary: 'Download a backup', params: BackupParams, response: errors } },
      async (request, reply) => sendBackup(reply, service, await service.get(request.params.id, request.params.backupId)),
    );

    app.delete(
      '/systems/:id/backups/:backupId',
      {
        config: access.system('systems:operate'),
        schema: { tags, summary: 'Delete a backup', params: BackupParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await service.delete(request.params.id, request.params.backupId);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/backups/usage',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags,
          summary: 'Backup storage used, per organization and per system, and the limits it counts against',
          querystring: Type.Object({ organization_id: Type.Optional(Type.String({ format: 'uuid' })) }),
          response: {
            200: Type.Object({
              limits: Type.Object({
                organization_quota_bytes: Type.Union([Type.Integer(), Type.Null()], {
                  description: 'BACKUP_MAX_SIZE_PER_ORG: an upload beyond it is refused with 413; null when there is no quota',
                }),
                system_max_bytes: Type.Integer({ description: 'BACKUP_MAX_SIZE_PER_SYSTEM: retention keeps each system within it (its newest backup always)' }),
                system_max_backups: Type.Integer({ description: 'BACKUP_MAX_PER_SYSTEM: backups kept per system' }),
              }),
              organizations: Type.Array(Type.Object({ organization_id: Type.String(), bytes: Type.Integer(), count: Type.Integer() })),
              systems: Type.Array(
                Type.Object({
                  system_id: Type.String(),
                  system_name: Type.String(),
                  organization_id: Type.String(),
                  bytes: Type.Integer(),
                  count: Type.Integer(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const usage = await service.usage(organizationScope(request.principal, 'systems:read', request.query.organization_id));
        const byOrganization = new Map<string, { bytes: number; count: number }>();
        for (const entry of usage.systems) {
          const total = byOrganization.get(entry.organizationId) ?? { bytes: 0, count: 0 };
          total.bytes += entry.bytes;
          total.count += entry.count;
          byOrganization.set(entry.organizationId, total);
        }
        return {
          limits: {
            organization_quota_bytes: usage.organizationQuotaBytes,
            system_max_bytes: usage.systemMaxBytes,
            system_max_backups: usage.systemMaxBackups,
          },
          organizations: [...byOrganization].map(([organizationId, total]) => ({ organization_id: organizationId, ...total })),
          systems: usage.systems.map((entry) => ({
            system_id: entry.systemId,
            system_name: entry.systemName,
            organization_id: entry.organizationId,
            bytes: entry.bytes,
            count: entry.count,
          })),
        };
      },
    );
  };
}
