import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { access } from '../../http/access-control.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { MAX_STALE_THRESHOLD_SECONDS, readSettings, saveSettings, type MonitoringSettings, type SettingsOrganizations } from './monitoring-settings.ts';

const Settings = Type.Object({
  stale_threshold_seconds: Type.Integer({ description: 'Seconds without a report after which the views show a server down (default 300)' }),
  public_views: Type.Boolean({ description: 'Whether the views (`GET /monitoring/…`) answer without an API key (default false)' }),
});
const SettingsPatch = Type.Object(
  {
    stale_threshold_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STALE_THRESHOLD_SECONDS })),
    public_views: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const present = (settings: MonitoringSettings) => ({ stale_threshold_seconds: settings.staleThresholdSeconds, public_views: settings.publicViews });

/** The organization's monitoring-agent settings for operators (`/api/v1/organizations/:id/monitoring/settings`). */
export function monitoringManagementRoutes(organizations: SettingsOrganizations): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['monitoring'];
    app.get(
      '/organizations/:id/monitoring/settings',
      {
        config: access.organization('organizations:read'),
        schema: { tags, summary: "The organization's monitoring-agent settings", params: IdParams, response: { 200: Settings, ...errorResponses(404) } },
      },
      async (request) => present(await readSettings(organizations, request.params.id)),
    );
    app.patch(
      '/organizations/:id/monitoring/settings',
      {
        config: access.organization('organizations:manage'),
        schema: {
          tags,
          summary: 'Change monitoring-agent settings',
          params: IdParams,
          body: SettingsPatch,
          response: { 200: Settings, ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const change: Partial<MonitoringSettings> = {};
        if (request.body.stale_threshold_seconds !== undefined) change.staleThresholdSeconds = request.body.stale_threshold_seconds;
        if (request.body.public_views !== undefined) change.publicViews = request.body.public_views;
        return present(await saveSettings(organizations, request.params.id, change));
      },
    );
  };
}
