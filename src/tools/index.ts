// Every MCP tool, one file each (resources: src/resources/, prompts: src/prompts/). Each component
// keeps its own section; add a line to yours only. The server registers exactly this list, and the
// HTTP gate reads scopes from it.
import type { AnyToolSpec } from '../server/tool.js';

// foundation
import { hostCapabilitiesTool } from './host-capabilities.js';
import { auditLogTool } from './audit-log.js';
import { whoamiTool } from './whoami.js';
// analysis
import { systemSummaryTool } from './system-summary.js'; import { systemSignalsTool } from './system-signals.js'; import { listProbesTool } from './list-probes.js'; import { runProbeTool } from './run-probe.js'; import { perfProfileTool } from './perf-profile.js'; import { straceProfileTool } from './strace-profile.js'; import { runWorkloadTool } from './run-workload.js'; import { compareToBaselineTool } from './compare-to-baseline.js';
// repository
import { searchPoliciesTool } from './search-policies.js';
import { getPolicyTool } from './get-policy.js';
import { submitPolicyTool } from './submit-policy.js';
import { recordOutcomeTool } from './record-outcome.js';
import { policyHistoryTool } from './policy-history.js';
import { listApprovalsTool } from './list-approvals.js';
import { approvePolicyTool } from './approve-policy.js';
// verifier
import { verifyPolicyTool } from './verify-policy.js';
import { getVerificationTool } from './get-verification.js';
import { verifyTokenTool } from './verify-token.js';
// tuning
import { listTunablesTool } from './list-tunables.js';
import { explainTunableTool } from './explain-tunable.js';
import { recommendTuningsTool } from './recommend-tunings.js';
import { validateTuningPlanTool } from './validate-tuning-plan.js';
import { applyTuningPlanTool } from './apply-tuning-plan.js';
import { rollbackTuningsTool } from './rollback-tunings.js';
import { tuningHistoryTool } from './tuning-history.js';
// remediation
import { adjustProcessTool } from './adjust-process.js';
import { adjustCgroupTool } from './adjust-cgroup.js';
import { listAdjustmentsTool } from './list-adjustments.js';
import { revertAdjustmentTool } from './revert-adjustment.js';
import { recommendActionsTool } from './recommend-actions.js';
// deployer
import { deployPolicyTool } from './deploy-policy.js'; import { deploymentStatusTool } from './deployment-status.js'; import { promoteDeploymentTool } from './promote-deployment.js'; import { rollbackDeploymentTool } from './rollback-deployment.js'; import { pauseDeploymentTool } from './pause-deployment.js'; import { listDeploymentsTool } from './list-deployments.js'; import { listNodesTool } from './list-nodes.js'; import { startNodeTool } from './start-node.js'; import { stopNodeTool } from './stop-node.js';

export const tools: AnyToolSpec[] = [
  // foundation
  hostCapabilitiesTool,
  auditLogTool, whoamiTool,
  // analysis
  systemSummaryTool, systemSignalsTool, listProbesTool, runProbeTool, perfProfileTool, straceProfileTool, runWorkloadTool, compareToBaselineTool,
  // repository
  searchPoliciesTool, getPolicyTool, submitPolicyTool, recordOutcomeTool, policyHistoryTool, listApprovalsTool, approvePolicyTool,
  // verifier
  verifyPolicyTool, getVerificationTool, verifyTokenTool,
  // tuning
  listTunablesTool, explainTunableTool, recommendTuningsTool, validateTuningPlanTool, applyTuningPlanTool, rollbackTuningsTool, tuningHistoryTool,
  // remediation
  adjustProcessTool, adjustCgroupTool, listAdjustmentsTool, revertAdjustmentTool, recommendActionsTool,
  // deployer
  deployPolicyTool, deploymentStatusTool, promoteDeploymentTool, pauseDeploymentTool, rollbackDeploymentTool, listDeploymentsTool, listNodesTool, startNodeTool, stopNodeTool,
];

export function findTool(name: string): AnyToolSpec | undefined {
  return tools.find((t) => t.name === name);
}
