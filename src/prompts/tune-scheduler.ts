// tune_scheduler: observe → search → adapt or write → verify → canary → promote or roll back → record.
import { findTool } from '../tools/index.js';
import { baselineNames, nodeNames, policyNames, workloadNames } from '../resources/completion-sources.js';
import { definePrompt, quoted } from './prompt.js';

const GOALS = ['throughput', 'tail_latency', 'fairness'] as const;

export const tuneSchedulerPrompt = definePrompt({
  name: 'tune_scheduler',
  title: 'Find, verify and roll out a sched_ext policy for a workload',
  description: 'A guided plan for choosing a sched_ext scheduler for one workload: observe, search the repository, adapt or write a policy, verify it in the micro-VM, roll it out as a canary where deployment is enabled, and record the outcome. Names each tool in order with its cost in time, tokens and risk, and when to stop.',
  arguments: {
    workload: { description: 'The workload, in a few words or a workload name (e.g. "parallel kernel compile", hackbench, interactive).', required: true, maxLength: 500, complete: workloadNames },
    goal: { description: `What to improve: ${GOALS.join(', ')}.`, required: false, maxLength: 32, complete: async () => [...GOALS] },
    pid: { description: 'Optional: the process (tgid) the workload runs as.', required: false, maxLength: 10 },
    cgroup: { description: 'Optional: the cgroup v2 directory it runs in (absolute path under /sys/fs/cgroup).', required: false, maxLength: 512 },
    policy: { description: 'Optional: a repository policy to start from instead of searching.', required: false, maxLength: 64, complete: policyNames },
    baseline: { description: 'Optional: a saved baseline (run_workload save_as_baseline) to compare against.', required: false, maxLength: 64, complete: baselineNames },
    node: { description: 'Optional: the deploy node for the canary (list_nodes).', required: false, maxLength: 32, complete: nodeNames },
  },
  render(_app, a) {
    const goal = a.goal && (GOALS as readonly string[]).includes(a.goal) ? a.goal : 'throughput';
    const filter = [a.pid && `pid ${quoted(a.pid)}`, a.cgroup && `cgroup ${quoted(a.cgroup)}`].filter(Boolean).join(', ');
    const canDeploy = findTool('deploy_policy') !== undefined;
    const steps = [
      `1. system_summary (level 0${filter ? `, then level 2 with ${filter}` : ''}) — ~10 ms, ~150 tokens, read-only. Confirm the workload is running and what the machine is short of.`,
      `2. system_signals — 1 s sampling window, ~300 tokens, read-only (records a history sample). Stop here if no scheduling signal (run-queue wait, CPU saturation, migrations) is above "low": a scheduler will not help; say so.`,
      `3. run_probe name "runqlat"${filter ? ` with ${filter}` : ''}, duration_s 5–10 — that long plus ~20 ms start-up, ~400 tokens, low risk (BPF attach, measured overhead ~100–300 ns per event, removed on exit). The latency histogram is the number the policy must move.`,
      a.policy
        ? `4. get_policy name ${quoted(a.policy)} — ~5 ms; the source costs 2k–8k tokens, so read detail "metadata" first and detail "source" only if you will adapt it.`
        : `4. search_policies query ${quoted(`${a.workload ?? ''} ${goal.replace('_', ' ')}`.trim())} (limit 3–5) — ~50 ms, ~150 tokens per hit, read-only. Each hit says why it matched and its status; prefer "promoted" or "verified", and never pick a "quarantined" one without reading why (policy_history). Then get_policy on the best hit (detail "metadata" first; "source" costs 2k–8k tokens).`,
      `5. Only if no policy fits: adapt the closest one, or write one for Linux 6.12 sched_ext. submit_policy (metadata + source, parent = the policy adapted) — a few seconds (compile + static rules), writes a candidate row; the static verdict comes back at once. Fix and resubmit until it passes; stop after three failed attempts and report the findings.`,
      `6. verify_policy policy_id <id> — static only: seconds; full (kernel verifier, dynamic suite, performance check in the micro-VM): minutes under TCG emulation, progress notifications as it goes; no risk to this host (it runs in the VM). A "fail" names the stage: read it with get_verification (detail "stages"; "full" adds logs, 5k+ tokens) and go back to 5. A pass returns a deployment token.`,
      `7. record_outcome source "verify_run" verification_id <id> — moves the candidate to "verified". Writes one evidence row.`,
      canDeploy
        ? `8. ${a.node ? `deploy_policy with the token on node ${quoted(a.node)}` : 'list_nodes, then deploy_policy with the token on one node'} (plan require_approval true; the token alone names the verified object) — the canary runs part of the load under the policy for canary_seconds (default 10 s) after a baseline; risk: the node's scheduling, bounded by the breaker (stall, scx_bpf_error, KPI gates roll back on their own). deployment_status (or the deployment://{id} resource) until it reaches awaiting_approval, pause_deployment to hold it longer; promote_deployment only when the canary's ${goal} is better than the baseline, else rollback_deployment. Outcomes of repository policies are recorded for you; a policy that trips twice is quarantined.`
        : '8. Deployment is not available on this server (no deploy tools): stop at a verified policy and hand the token and the evidence to the operator.',
      `9. Measure: run_workload (${a.baseline ? `the workload of baseline ${quoted(a.baseline)}` : 'the closest built-in workload, save_as_baseline first'}) — seconds to minutes of real CPU, contends with the host's work; compare_to_baseline${a.baseline ? ` baseline ${quoted(a.baseline)}` : ''} gives a verdict with a confidence interval. Record it with record_outcome source "benchmark"; "within_noise" is not a win.`,
      `10. policy_history name <policy> — confirms what was recorded (statuses, verifications, deployments).`,
    ];
    return [
      `Tune the CPU scheduler for the workload ${quoted(a.workload ?? '')}, goal: ${goal}.`,
      '',
      'Work through these steps in order; each names its cost (time, tokens, risk). Quote numbers from tool results, never from memory.',
      '',
      ...steps,
      '',
      'Stop early and report when: the signals show no scheduling problem; no policy passes verification after three attempts; the measured change is within noise. Every tool that changes something takes a justification: give one.',
    ].join('\n');
  },
});
