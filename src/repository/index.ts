// The repository component's public API: policy store, curation, search engine, built-in library.
export { repositoryOf, searchPolicies, getPolicy, submitPolicy, recordOutcome, policyHistory, seedPolicies, MAX_QUERY_CHARS, type SeedOptions, type SearchInput, type SubmitInput, type OutcomeInput } from './operations.js';
export { Repository, SYSTEM_ACTOR, policyDoc, type Actor, type PolicyRef, type SeedReport } from './repository.js';
export { repositoryMigrations } from './migrations.js';
export { parseMetadata, policyMetadataSchema, STATUSES, PROVENANCES, type PolicyMetadata, type PolicyStatus, type Provenance, type Tunable } from './metadata.js';
export { workloadScores, nextStatus, type WorkloadScore, type CurationRules } from './curation.js';
export { loadBuiltinPolicies, builtinPoliciesDir } from './builtins.js';
export type { Policy } from './store.js';
export * from './search/index.js';

import type { App } from '../app.js';
import { repositoryOf } from './operations.js';
import type { Policy } from './store.js';

export function getPolicyByName(app: App, name: string, version?: number): Policy {
  return repositoryOf(app).get({ name, version });
}

export function getPolicyById(app: App, id: number): Policy {
  return repositoryOf(app).get({ id });
}
export { pendingApprovals, approvePolicy, type PendingApproval } from './approval.js';
