import { Type } from 'typebox';
import { Timestamp } from '../../http/schemas.ts';
import { LIVENESS_STATUSES, stateOf, SYSTEM_STATES } from './system-status.ts';
import type { System } from './systems-store.ts';

export const SystemSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    organization_id: Type.String({ format: 'uuid' }),
    organization_name: Type.String(),
    name: Type.String(),
    type: Type.Union([Type.String(), Type.Null()]),
    source: Type.Union([Type.String(), Type.Null()], {
      description: 'The dialect that created the system for a component of its peer (`heartbeat-daemon`), or null',
    }),
    external_id: Type.Union([Type.String(), Type.Null()], { description: "The component's name in that dialect (an xname), or null" }),
    system_key: Type.String(),
    status: Type.Enum(LIVENESS_STATUSES),
    state: Type.Enum(SYSTEM_STATES, {
      description:
        'Where the system stands, its lifecycle first: deleted, suspended, never_registered, awaiting_first_heartbeat, or its liveness status (inactive: silent past the threshold)',
    }),
    last_heartbeat: Timestamp,
    status_changed_at: Timestamp,
    registered: Type.Boolean(),
    registered_at: Timestamp,
    suspended: Type.Boolean(),
    suspended_at: Timestamp,
    deleted: Type.Boolean(),
    deleted_at: Timestamp,
    last_inventory_at: Timestamp,
    fqdn: Type.Union([Type.String(), Type.Null()]),
    ipv4_address: Type.Union([Type.String(), Type.Null()]),
    ipv6_address: Type.Union([Type.String(), Type.Null()]),
    version: Type.Union([Type.String(), Type.Null()]),
    os: Type.Union([Type.String(), Type.Null()]),
    agent_version: Type.Union([Type.String(), Type.Null()], {
      description: 'The Muster agent version its requests name in their User-Agent (`muster-agent/1.2.3 (linux; x64)`), or null when no Muster agent was seen',
    }),
    agent_version_changed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the current agent version was first recorded',
    }),
    labels: Type.Record(Type.String(), Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const SystemWithSecretSchema = Type.Object(
  { ...SystemSchema.properties, system_secret: Type.String({ description: 'Shown only in this answer; store it on the appliance' }) },
  { additionalProperties: false },
);

export function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function presentSystem(system: System) {
  return {
    id: system.id,
    organization_id: system.organizationId,
    organization_name: system.organizationName,
    name: system.name,
    type: system.type,
    source: system.source,
    external_id: system.externalId,
    system_key: system.systemKey,
    status: system.status,
    state: stateOf(system),
    last_heartbeat: iso(system.lastHeartbeat),
    status_changed_at: iso(system.statusChangedAt),
    registered: system.registeredAt !== null,
    registered_at: iso(system.registeredAt),
    suspended: system.suspendedAt !== null,
    suspended_at: iso(system.suspendedAt),
    deleted: system.deletedAt !== null,
    deleted_at: iso(system.deletedAt),
    last_inventory_at: iso(system.lastInventoryAt),
    fqdn: system.fqdn,
    ipv4_address: system.ipv4Address,
    ipv6_address: system.ipv6Address,
    version: system.version,
    os: system.os,
    agent_version: system.agentVersion,
    agent_version_changed_at: iso(system.agentVersionChangedAt),
    labels: system.labels,
    created_at: system.createdAt.toISOString(),
    updated_at: system.updatedAt.toISOString(),
  };
}
