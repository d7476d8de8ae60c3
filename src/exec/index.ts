export { run, which, type RunOptions, type RunResult } from './run.js';
export { sandboxArgs, type SandboxSpec } from './sandbox.js';
