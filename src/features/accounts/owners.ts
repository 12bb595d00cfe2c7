import { ConflictError } from '../../errors/errors.ts';

/** Refuses (409) a change that would leave an organization among `owners` with none but `leaving`. */
export function assertAnotherOwnerRemains(owners: { organizationId: string; userId: string }[], leaving: string): void {
  const ownedByLeaving = owners.filter((owner) => owner.userId === leaving).map((owner) => owner.organizationId);
  const orphaned = ownedByLeaving.filter((organizationId) => !owners.some((owner) => owner.organizationId === organizationId && owner.userId !== leaving));
  if (orphaned.length > 0) {
    throw new ConflictError(`user ${leaving} is the last owner of organization ${orphaned.join(', ')}: make another member owner first`, {
      organization_ids: orphaned,
    });
  }
}
