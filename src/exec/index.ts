export { run, type RunOptions, type RunResult } from './run.js';
export { which } from './which.js';
export { sandboxArgs, type SandboxSpec } from './sandbox.js';
