// Public API of the sched_ext micro-VM: build/locate the kit, compile policies against it, and run
// policies + workloads in a TCG/KVM guest. The verifier and the policy library call only this file.
export { getKit, kitStatus, kitInputs, sandboxVmDir, KIT_MISSING_MESSAGE, KIT_PACKAGES, type KitStatus } from './kit.js';
export { buildKit, type BuildKitOptions, type BuildKitResult } from './kit-build.js';
export { compilePolicy, compileFlags, CLANG, type CompileInput, type CompileResult } from './compile.js';
export { runInVm, DEFAULT_VM_SETTINGS } from './run.js';
export { liveVmCount, chooseAccel } from './qemu.js';
export { inspectBpfObject, assertSchedExtObject, type BpfObjectInfo } from './bpf-object.js';
export { STRESS_NG_STRESSORS } from './workloads.js';
export { EXIT_KIND_NAMES } from './guest-output.js';
export type * from './types.js';
