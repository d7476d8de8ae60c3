// Human approval of repository decisions (config approval.requireHumanFor): a promotion the
// evidence calls for (verified → promoted) and a release from quarantine (→ candidate). When an
// action is reserved to a human, only a caller holding scope "approve" (the operator console, the
// CLI) may take it; agents get permission_denied naming the console. Promotion still needs evidence.
import type { App } from '../app.js';
import type { ApprovalAction, Scope } from '../config/index.js';
import { SchedcpError } from '../errors.js';
import type { PolicyStatus } from './metadata.js';
import { repositoryOf } from './operations.js';
import type { Actor, PolicyRef } from './repository.js';

export interface PendingApproval {
  policy: { id: number; name: string; version: number; status: PolicyStatus };
  action: ApprovalAction;
  /** Why it is waiting: the curation rule's evidence, or the quarantine's reason. */
  reason: string;
  humanRequired: boolean;
}

/** Decisions waiting for someone: verified policies whose evidence calls for promotion, and quarantined ones. */
export async function pendingApprovals(app: App): Promise<PendingApproval[]> {
  const repo = repositoryOf(app);
  await repo.ready();
  const required = app.config.approval.requireHumanFor;
  const out: PendingApproval[] = [];
  for (const p of repo.list({ status: ['verified', 'quarantined'] })) {
    const policy = { id: p.id, name: p.name, version: p.version, status: p.status };
    if (p.status === 'verified') {
      const t = repo.evidenceTransition(p);
      if (t?.to === 'promoted') out.push({ policy, action: 'promote_policy', reason: t.reason, humanRequired: required.includes('promote_policy') });
    } else {
      const last = repo.store.statusChanges(p.id).at(-1);
      out.push({ policy, action: 'release_quarantine', reason: last?.reason ?? 'quarantined', humanRequired: required.includes('release_quarantine') });
    }
  }
  return out;
}

export async function approvePolicy(app: App, input: { policy: PolicyRef; action: ApprovalAction; reason: string }, actor: Actor & { scopes: ReadonlySet<Scope> }) {
  const repo = repositoryOf(app);
  await repo.ready();
  const p = repo.get(input.policy);
  const label = `${p.name} v${p.version}`;
  if (!input.reason.trim()) throw new SchedcpError('invalid_argument', 'An approval needs a non-empty reason (it is stored with the status change).');
  if (app.config.approval.requireHumanFor.includes(input.action) && !actor.scopes.has('approve')) {
    throw new SchedcpError('permission_denied', `${input.action === 'promote_policy' ? 'Promoting' : 'Releasing from quarantine'} ${label} needs a human: an operator approves it in the console (/console/#/policies/${p.name}) with a token holding scope "approve", which agent tokens do not hold (config approval.requireHumanFor: [${app.config.approval.requireHumanFor.join(', ')}]).`);
  }
  let to: PolicyStatus;
  let reason: string;
  if (input.action === 'promote_policy') {
    if (p.status !== 'verified') throw new SchedcpError('precondition_failed', `${label} is ${p.status}; only a verified policy can be promoted.`);
    const t = repo.evidenceTransition(p);
    if (t?.to !== 'promoted') {
      throw new SchedcpError('precondition_failed', `${label} has no evidence that calls for promotion yet: it needs ${app.config.repository.promoteAfterTrials} trials beating the baseline on a target workload (${p.metadata.targetWorkloads.join(', ')}); record_outcome adds them.`);
    }
    to = 'promoted';
    reason = `approved by ${actor.caller}: ${input.reason.trim()} (evidence: ${t.reason})`;
  } else {
    if (p.status !== 'quarantined') throw new SchedcpError('precondition_failed', `${label} is ${p.status}, not quarantined; there is nothing to release.`);
    to = 'candidate';
    reason = `released from quarantine by ${actor.caller}: ${input.reason.trim()}`;
  }
  const from = p.status;
  const after = repo.approvedChange(p, to, reason, actor);
  return { policy: { id: after.id, name: after.name, version: after.version, status: after.status }, change: { from, to, reason } };
}

