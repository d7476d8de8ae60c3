export { run, type RunOptions, type RunResult } from './run.js';
export { which, requireBinary } from './which.js';
export { sandboxArgs, type SandboxSpec } from './sandbox.js';
