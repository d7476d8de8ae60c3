// Public API of the sched_ext micro-VM. The verifier and the policy library call only this file.
//
//   getKit(config)                           → Kit     (throws precondition_failed "VM kit missing or stale: run `schedcp vm build`")
//   kitStatus(cacheDir)                      → KitStatus (present?, manifest, stale kits)
//   buildKit(config, {force, onProgress, signal, jobs, workDir}) → {kit, built, buildSeconds}
//   compilePolicy(kit, {sourcePath | sourceText+name, outDir, signal}) → {objectPath, diagnostics, warningCount, durationMs}
//                                            (throws compile_failed with clang's errors and 6.12 API hints)
//   vmShape(kit, vm?)                        → {cpus, memoryMiB, accel} the next runInVm would boot
//   runInVm(kit, {policies, workloads, baseline, timeoutSeconds, signal, onProgress, vm}) → VmRunResult
//                                            (guest hang/panic → a result with status 'hang'/'guest_crashed';
//                                             bad input → invalid_argument/not_found; abort → cancelled)
//   assertSchedExtObject(buffer, label)      → host-side check that a file is a BPF object with struct_ops
import { addCapabilityContributor } from '../host/index.js';
import { kitStatus, KIT_MISSING_MESSAGE } from './kit.js';

export { getKit, kitStatus, kitInputs, sandboxVmDir, KIT_MISSING_MESSAGE, KIT_PACKAGES, type KitStatus } from './kit.js';
export { buildKit, type BuildKitOptions, type BuildKitResult } from './kit-build.js';
export { compilePolicy, compileFlags, CLANG, type CompileInput, type CompileResult } from './compile.js';
export { runInVm, vmShape, DEFAULT_VM_SETTINGS } from './run.js';
export { liveVmCount, chooseAccel } from './qemu.js';
export { inspectBpfObject, assertSchedExtObject, type BpfObjectInfo } from './bpf-object.js';
export { STRESS_NG_STRESSORS } from './workloads.js';
export { EXIT_KIND_NAMES } from './guest-output.js';
export type * from './types.js';

// host_capabilities reports whether the micro-VM kit for the current inputs is built.
addCapabilityContributor(async ({ cacheDir }) => {
  if (!cacheDir) return {};
  const status = await kitStatus(cacheDir);
  return {
    kit: status.present && status.manifest
      ? { present: true, detail: `kit for Linux ${status.manifest.versions.kernelRelease} (sched_ext) at ${status.dir}` }
      : { present: false, detail: `${KIT_MISSING_MESSAGE}: ${status.problem ?? 'not built'}` },
  };
});
