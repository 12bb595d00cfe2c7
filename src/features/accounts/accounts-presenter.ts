import { Type } from 'typebox';
import { Timestamp } from '../../http/schemas.ts';
import { ROLES, type Member } from './members-store.ts';
import type { User } from './users-store.ts';

export const RoleSchema = Type.Enum(ROLES, {
  description: 'owner: members and roles; admin: settings, webhooks, keys; operator: systems and alerts; viewer: reads',
});

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    name: Type.String(),
    global_admin: Type.Boolean(),
    password_set: Type.Boolean({ description: 'false until the user has accepted their invitation' }),
    disabled: Type.Boolean(),
    disabled_at: Timestamp,
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const InvitationSchema = Type.Object(
  {
    token: Type.String({ description: 'Shown once: the link token that lets the user set a password (POST /invitations/accept)' }),
    expires_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const MemberSchema = Type.Object(
  {
    organization_id: Type.String({ format: 'uuid' }),
    user_id: Type.String({ format: 'uuid' }),
    role: RoleSchema,
    email: Type.String(),
    name: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export function presentUser(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    global_admin: user.globalAdmin,
    password_set: user.passwordSet,
    disabled: user.disabledAt !== null,
    disabled_at: user.disabledAt?.toISOString() ?? null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

export function presentMember(member: Member) {
  return {
    organization_id: member.organizationId,
    user_id: member.userId,
    role: member.role,
    email: member.email,
    name: member.name,
    created_at: member.createdAt.toISOString(),
    updated_at: member.updatedAt.toISOString(),
  };
}
