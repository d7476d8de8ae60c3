export { AuditLog, auditMigrations, type AuditEntry, type AuditRow, type AuditOutcome, type AuditQuery } from './log.js';
export { canonicalJson, digestArguments, redactArguments, sha256Hex } from './redact.js';
