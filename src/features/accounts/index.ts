export { createAccounts, type Accounts, type AccountsDeps } from './create-accounts.ts';
export type { MembersService } from './members-service.ts';
export type { Member, Role } from './members-store.ts';
export type { UsersService } from './users-service.ts';
export type { User } from './users-store.ts';
export type { UserAccess, UserAccessReader } from './user-access.ts';
