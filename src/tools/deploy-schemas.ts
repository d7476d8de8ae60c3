// Output shapes shared by the deployer's tools (deployment_status, deploy_policy, promote/rollback).
import { z } from 'zod';

const json = z.record(z.string(), z.unknown());
const kpis = {
  sched_ext: z.unknown(), wake_p50_us: z.unknown(), wake_p99_us: z.unknown(), req_p50_us: z.unknown(), req_p99_us: z.unknown(),
  batch_ops_per_s: z.unknown(), max_not_run_ms: z.unknown(), agent_cpu_us: z.unknown(), interval_ms: z.unknown(),
};

export const deploymentStatusOutput = z.object({
  id: z.number(), node: z.string(),
  policy: z.object({ name: z.string(), repositoryPolicyId: z.number().nullable(), sha256: z.string(), shippedSha256: z.string(), verificationId: z.number() }),
  tokenModes: z.array(z.string()), stage: z.string(), live: z.boolean(), paused: z.boolean(), breaker: z.enum(['closed', 'open', 'half_open']),
  createdAt: z.string(), stageStartedAt: z.string(), endedAt: z.string().nullable(), plan: json, baseline: json.nullable(), connected: z.boolean(),
  gates: z.array(z.object({ kpi: z.string(), current: z.number().nullable(), baseline: z.number(), threshold: z.number(), ok: z.boolean() })),
  current: z.object({ at: z.string(), ...kpis }).nullable(),
  trip: json.nullable(),
  events: z.array(z.object({ at: z.string(), kind: z.string(), detail: json })),
  samples: z.array(z.object({ at: z.string(), stage: z.string(), ...kpis })).optional(),
});

export const planInput = z.object({
  baseline_seconds: z.number().min(1).max(60).optional().describe('Baseline window before the deploy (default 3 s).'),
  canary_seconds: z.number().min(1).max(3600).optional().describe('Minimum canary observation time (default 10 s).'),
  known_good_seconds: z.number().min(1).max(86400).optional().describe('Time at full with green gates before the policy becomes the node\'s known-good (default 30 s).'),
  require_approval: z.boolean().optional().describe('Stop after the canary until promote_deployment (default false: automatic when gates pass).'),
  stall_ms: z.number().min(200).max(30000).optional().describe('Hard trip: a task runnable without running this long (default 1000).'),
  deadman_ms: z.number().min(2000).max(600000).optional().describe('The agent rolls back after this long without a heartbeat (default 10000).'),
  max_wake_p99_ratio: z.number().min(1.05).max(100).optional().describe('Soft gate: wakeup-latency p99 ≤ ratio × baseline (default 2).'),
  max_req_p99_ratio: z.number().min(1.05).max(100).optional().describe('Soft gate: request p99 ≤ ratio × baseline (default 1.5).'),
  soft_checks: z.number().int().min(1).max(100).optional().describe('Consecutive bad checks that trip (default 3).'),
}).strict();

export function planFromInput(p: z.infer<typeof planInput> | undefined) {
  if (!p) return {};
  const out: Record<string, number | boolean> = {};
  const map: Record<string, string> = {
    baseline_seconds: 'baselineSeconds', canary_seconds: 'canarySeconds', known_good_seconds: 'knownGoodSeconds', require_approval: 'requireApproval',
    stall_ms: 'stallMs', deadman_ms: 'deadmanMs', max_wake_p99_ratio: 'maxWakeP99Ratio', max_req_p99_ratio: 'maxReqP99Ratio', soft_checks: 'softChecks',
  };
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[map[k]!] = v;
  return out;
}

export const nodeOutput = z.object({
  name: z.string(), target: z.string(), running: z.boolean(), pid: z.number().nullable(), kernelRelease: z.string(), accel: z.string(),
  cpus: z.number(), memoryMiB: z.number(), startedAt: z.string(), consoleLog: z.string(),
  activeDeployment: z.object({ id: z.number(), policy: z.string(), stage: z.string() }).nullable(),
  knownGood: z.object({ policy: z.string(), deploymentId: z.number(), since: z.string() }).nullable(),
});
