// tune_sysctls: signals → recommend → validate → advise or stage (live only when enabled).
import { tunableKeys } from '../resources/completion-sources.js';
import { definePrompt, quoted } from './prompt.js';

export const tuneSysctlsPrompt = definePrompt({
  name: 'tune_sysctls',
  title: 'Tune kernel parameters (sysctls) within the guardrails',
  description: 'A guided plan to change sched, vm and net sysctls safely: read the signals, get rule-based recommendations, validate them against the guardrails, then advise or stage a sysctl.d file (live writes only where the operator enabled them). Names each tool with its cost and when to stop.',
  arguments: {
    focus: { description: 'Optional: the tunable (or area: sched, vm, net) to focus on.', required: false, maxLength: 128, complete: async (app) => ['sched', 'vm', 'net', ...await tunableKeys(app)] },
    problem: { description: 'Optional: the symptom in a sentence (e.g. "swap storms under memory pressure").', required: false, maxLength: 500 },
  },
  render(app, a) {
    const live = app.config.tuning.liveApply;
    const focus = a.focus ? (['sched', 'vm', 'net'].includes(a.focus) ? `area ${quoted(a.focus)}` : `explain_tunable key ${quoted(a.focus)}`) : undefined;
    return [
      `Tune kernel parameters${a.problem ? ` for: ${quoted(a.problem)}` : ''}${a.focus ? ` (focus: ${quoted(a.focus)})` : ''}.`,
      '',
      '1. system_signals — 1 s, ~300 tokens, read-only. The recommender reasons from these; none above "low" means leave the defaults (stop and say so).',
      `2. ${focus?.startsWith('explain') ? `${focus} — ~5 ms, ~400 tokens: current value, safe range, risks, related keys.` : `list_tunables${focus ? ` ${focus}` : ''}${a.problem ? ` query ${quoted(a.problem)}` : ''} — ~20 ms, ~100 tokens per tunable: current values and safe ranges.`}`,
      '3. recommend_tunings — ~1 s (reads signals), ~200 tokens per recommendation, writes nothing. Each has the rule that fired, rationale, expected effect and confidence; drop those whose rationale does not match what you saw.',
      '4. validate_tuning_plan with the changes you keep — ~10 ms, writes nothing. Each denial names the guardrail and what would be allowed; adjust and validate again, at most twice.',
      '5. apply_tuning_plan mode "advise" — the sysctl.d text to hand to the operator; writes nothing. mode "stage" writes that file into schedcp\'s data dir (not /etc), low risk.',
      live
        ? '6. Live apply is enabled here: apply_tuning_plan mode "live" with a guard workload (rollout "one_by_one") backs up, writes, reads back and rolls back on a regression. Risk: it changes the running kernel. Do it only with the operator\'s agreement; tuning_history and rollback_tunings undo it.'
        : '6. Live apply is disabled on this server (config tuning.liveApply is false): mode "live" is refused with that reason. Stop at "stage" and give the operator the staged path and text.',
      '',
      'Stop when: no signal is above "low"; every recommendation is denied by a guardrail (report the denials); or the plan is staged. Give a justification on every apply.',
    ].join('\n');
  },
});
