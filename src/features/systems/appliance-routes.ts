import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BadRequestError } from '../../errors/errors.ts';
import { requireSystem } from './require-system.ts';
import { envelope, errorResponses, Timestamp } from '../../http/schemas.ts';
import type { SystemAuthenticator } from './system-authenticator.ts';
import { iso } from './systems-presenter.ts';
import { LIVENESS_STATUSES } from './system-status.ts';
import type { SystemsService } from './systems-service.ts';

const tags = ['appliance'];

const RegisterAnswer = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  data: Type.Object({ system_key: Type.String(), registered_at: Type.String({ format: 'date-time' }) }),
});

const InfoAnswer = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  data: Type.Object({
    system_id: Type.String(),
    system_key: Type.String(),
    name: Type.String(),
    type: Type.Union([Type.String(), Type.Null()]),
    fqdn: Type.Union([Type.String(), Type.Null()]),
    status: Type.Enum(LIVENESS_STATUSES),
    suspended: Type.Boolean(),
    suspended_at: Timestamp,
    deleted: Type.Boolean(),
    deleted_at: Timestamp,
    registered: Type.Boolean(),
    registered_at: Timestamp,
    created_at: Type.String({ format: 'date-time' }),
    organization: Type.Object({ id: Type.String(), name: Type.String() }),
  }),
});

/** `POST /api/systems/register` and `GET /api/systems/info`, as appliances call them. */
export function applianceSystemsRoutes(service: SystemsService, authenticator: SystemAuthenticator, registerPerMinute: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/systems/register',
      {
        attachValidation: true,
        bodyLimit: 64 * 1024,
        // Per client address: secrets cannot be guessed, but nobody should get to try at speed.
        config: { rateLimit: { max: registerPerMinute, timeWindow: 60_000 } },
        schema: {
          tags,
          summary: 'Register an appliance with the secret its operator gave it; answers its system key',
          body: Type.Object({ system_secret: Type.String({ minLength: 1 }) }),
          response: { 200: RegisterAnswer, ...errorResponses(400, 401, 403, 409, 429) },
        },
      },
      async (request) => {
        if (request.validationError) {
          // The validation answer appliances already parse.
          throw new BadRequestError('validation failed', {
            type: 'validation_error',
            errors: [{ key: 'system_secret', message: 'required' }],
          });
        }
        const registered = await service.register(request.body.system_secret);
        return envelope(200, 'system registered successfully', {
          system_key: registered.systemKey,
          registered_at: registered.registeredAt.toISOString(),
        });
      },
    );

    app.get(
      '/api/systems/info',
      {
        onRequest: requireSystem(authenticator),
        schema: {
          tags,
          summary: "The authenticated system's own record and organization",
          security: [{ systemCredentials: [] }],
          response: { 200: InfoAnswer, ...errorResponses(401) },
        },
      },
      async (request) => {
        const system = await service.get(request.system.id);
        return envelope(200, 'system info retrieved successfully', {
          system_id: system.id,
          system_key: system.systemKey,
          name: system.name,
          type: system.type,
          fqdn: system.fqdn,
          status: system.status,
          suspended: system.suspendedAt !== null,
          suspended_at: iso(system.suspendedAt),
          deleted: system.deletedAt !== null,
          deleted_at: iso(system.deletedAt),
          registered: system.registeredAt !== null,
          registered_at: iso(system.registeredAt),
          created_at: system.createdAt.toISOString(),
          organization: { id: system.organizationId, name: system.organizationName },
        });
      },
    );
  };
}
