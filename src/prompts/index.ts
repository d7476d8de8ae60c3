// Every MCP prompt, one file each. The server registers exactly this list.
import type { PromptSpec } from './prompt.js';
import { tuneSchedulerPrompt } from './tune-scheduler.js';
import { diagnoseLatencyPrompt } from './diagnose-latency.js';
import { tuneSysctlsPrompt } from './tune-sysctls.js';

export const prompts: PromptSpec[] = [tuneSchedulerPrompt, diagnoseLatencyPrompt, tuneSysctlsPrompt];
