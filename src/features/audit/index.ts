export { createAudit, type Audit, type AuditDeps } from './create-audit.ts';
export type { AuditService } from './audit-service.ts';
