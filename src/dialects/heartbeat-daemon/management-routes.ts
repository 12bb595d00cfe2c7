import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BadRequestError } from '../../errors/errors.ts';
import { access } from '../../http/access-control.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { PARAM_FIELDS, renderParams } from './params.ts';
import { patchParams, readParams, type ParamsOrganizations } from './params-settings.ts';

const ParamsSchema = Type.Object(
  Object.fromEntries(PARAM_FIELDS.map((field) => [field, Type.String()])) as Record<(typeof PARAM_FIELDS)[number], ReturnType<typeof Type.String>>,
  {
    additionalProperties: false,
    description:
      "The organization's heartbeat-daemon parameters as the daemon's /hmi/v1/params shows them; Warntime and Errtime are the organization's liveness thresholds in seconds",
  },
);
const ParamsPatch = Type.Partial(
  Type.Object(
    Object.fromEntries(PARAM_FIELDS.filter((field) => field !== 'Port').map((field) => [field, Type.String({ maxLength: 2048 })])) as Record<
      (typeof PARAM_FIELDS)[number],
      ReturnType<typeof Type.String>
    >,
  ),
  { additionalProperties: false, minProperties: 1 },
);

/** The organization's daemon parameters for operators (`/api/v1/organizations/:id/heartbeat-daemon/params`): the dialect's own rules. */
export function heartbeatDaemonManagementRoutes(organizations: ParamsOrganizations): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['heartbeat-daemon'];
    app.get(
      '/organizations/:id/heartbeat-daemon/params',
      {
        config: access.organization('organizations:read'),
        schema: { tags, summary: "The organization's heartbeat-daemon parameters", params: IdParams, response: { 200: ParamsSchema, ...errorResponses(404) } },
      },
      async (request) => renderParams(await readParams(organizations, request.params.id)),
    );
    app.patch(
      '/organizations/:id/heartbeat-daemon/params',
      {
        config: access.organization('organizations:manage'),
        schema: {
          tags,
          summary: 'Change heartbeat-daemon parameters: every value valid, or nothing changes (Warntime and Errtime set the thresholds, at once on every node)',
          params: IdParams,
          body: ParamsPatch,
          response: { 200: ParamsSchema, ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const result = await patchParams(organizations, request.params.id, JSON.stringify(request.body));
        if (!result.ok) throw new BadRequestError(result.detail.trim() || 'invalid parameters', { detail: result.detail });
        return renderParams(result.params);
      },
    );
  };
}
