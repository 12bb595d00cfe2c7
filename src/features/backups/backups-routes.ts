import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { envelope, errorResponses } from '../../http/schemas.ts';
import { requireSystem, type SystemAuthenticator } from '../systems/index.ts';
import type { Backup } from './backups-store.ts';
import type { BackupsService } from './backups-service.ts';

export const BackupSchema = Type.Object({
  id: Type.String({ description: 'UUIDv7 and the extension of the filename' }),
  filename: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  mimetype: Type.String(),
  uploaded_at: Type.String({ format: 'date-time' }),
});

export function presentBackup(backup: Backup) {
  return {
    id: backup.id,
    filename: backup.filename,
    size: backup.size,
    sha256: backup.sha256,
    mimetype: backup.mimetype,
    uploaded_at: backup.uploadedAt.toISOString(),
  };
}

/** Streams a stored backup as an attachment. */
export async function sendBackup(reply: FastifyReply, service: BackupsService, backup: Backup) {
  const object = await service.open(backup);
  return reply
    .header('content-type', 'application/octet-stream')
    .header('x-content-type-options', 'nosniff')
    .header('content-length', String(object.size))
    .header('content-disposition', `attachment; filename="${backup.filename}"`)
    .send(object.stream);
}

const BackupIdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

/** The appliance's own backups: upload (streamed), list, download, delete. */
export function backupsRoutes(service: BackupsService, authenticator: SystemAuthenticator): FastifyPluginAsyncTypebox {
  return async (app) => {
    // The body is the backup: handed over as a stream, never parsed or buffered.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    app.addHook('onRequest', requireSystem(authenticator));
    const tags = ['appliance'];
    const security = [{ systemCredentials: [] }];
    const errors = errorResponses(400, 401, 404);

    app.post(
      '/api/systems/backups',
      {
        // Streamed to the store, never held in memory.
        config: { bodyBudget: 'exempt' },
        schema: {
          tags,
          security,
          summary: 'Upload a backup (streamed; Content-Length required; X-Filename names it)',
          response: {
            201: Type.Object({ code: Type.Integer(), message: Type.String(), data: BackupSchema }),
            ...errors,
            ...errorResponses(411, 413, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const lengthHeader = request.headers['content-length'];
        const filename = request.headers['x-filename'];
        const backup = await service.upload(
          { systemId: request.system.id, organizationId: request.system.organizationId, systemKey: request.system.systemKey, ip: request.ip },
          request.raw,
          {
            contentLength: request.headers['transfer-encoding'] ? undefined : lengthHeader === undefined ? undefined : Number(lengthHeader),
            filename: Array.isArray(filename) ? filename[0] : filename,
            contentType: request.headers['content-type'],
          },
        );
        return reply.code(201).send(envelope(201, 'backup stored', presentBackup(backup)));
      },
    );

    app.get(
      '/api/systems/backups',
      {
        schema: {
          tags,
          security,
          summary: "This system's backups, newest first",
          response: {
            200: Type.Object({ code: Type.Integer(), message: Type.String(), data: Type.Object({ backups: Type.Array(BackupSchema) }) }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => envelope(200, 'backups listed', { backups: (await service.list(request.system.id)).map(presentBackup) }),
    );

    app.get(
      '/api/systems/backups/:id',
      { schema: { tags, security, summary: "Download one of this system's backups", params: BackupIdParams, response: errors } },
      async (request, reply) => sendBackup(reply, service, await service.get(request.system.id, request.params.id)),
    );

    app.delete(
      '/api/systems/backups/:id',
      {
        schema: {
          tags,
          security,
          summary: "Delete one of this system's backups",
          params: BackupIdParams,
          response: { 200: Type.Object({ code: Type.Integer(), message: Type.String(), data: Type.Object({ id: Type.String() }) }), ...errors },
        },
      },
      async (request) => {
        await service.delete(request.system.id, request.params.id);
        return envelope(200, 'backup deleted', { id: request.params.id });
      },
    );
  };
}
