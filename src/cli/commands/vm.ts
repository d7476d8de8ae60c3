// `schedcp vm build|status|run`: build the sched_ext micro-VM kit, show it, and run a policy in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { SchedcpError, quote } from '../../errors.js';
import {
  buildKit, compilePolicy, getKit, kitStatus, runInVm, STRESS_NG_STRESSORS, type PolicySpec, type VmRunResult, type WorkloadSpec,
} from '../../vm/index.js';
import { EXIT, type CliCommand, type CliIo } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

const USAGE = `Usage:
  schedcp vm build [--force] [--jobs N] [--work-dir DIR]
      Build the micro-VM kit (6.12 kernel with sched_ext, libbpf, bpftool, vmlinux.h, guest loader,
      initramfs) into $cacheDir/vm-kit/<inputs-hash>/. Does nothing when the kit is current.
      --work-dir keeps the kernel tree there for fast rebuilds (default: a temp tree, deleted).
  schedcp vm status [--json]
      Is the kit present and current? Shows its manifest.
  schedcp vm run --policy FILE.bpf.c|FILE.bpf.o [--policy ...] [--workload SPEC ...]
                 [--timeout-ms MS] [--partial] [--baseline] [--timeout-seconds S] [--json]
      Compile (for .bpf.c) and run policies in the VM. Workload SPECs:
        hackbench[:GROUPS[:LOOPS]]   stress-ng:STRESSOR[:SECONDS]   forkexec[:COUNT]
        wakeup-latency[:ITERATIONS]  idle:SECONDS
      stress-ng stressors: ${STRESS_NG_STRESSORS.join(', ')}`;

function intPart(value: string | undefined, spec: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new SchedcpError('invalid_argument', `workload ${quote(spec)}: ${quote(value)} is not a whole number.`);
  return Number(value);
}

export function parseWorkloadArg(spec: string): WorkloadSpec {
  const [kind, a, b] = spec.split(':');
  switch (kind) {
    case 'hackbench': return { kind, groups: intPart(a, spec), loops: intPart(b, spec) } as WorkloadSpec;
    case 'stress-ng':
      if (!a) throw new SchedcpError('invalid_argument', `workload ${quote(spec)} needs a stressor: stress-ng:STRESSOR[:SECONDS].`);
      return { kind, stressor: a, seconds: intPart(b, spec) } as WorkloadSpec;
    case 'forkexec': return { kind, count: intPart(a, spec) } as WorkloadSpec;
    case 'wakeup-latency': return { kind, iterations: intPart(a, spec) } as WorkloadSpec;
    case 'idle': return { kind, seconds: intPart(a, spec) ?? 1 };
    default:
      throw new SchedcpError('invalid_argument', `workload ${quote(spec)} is unknown; use hackbench, stress-ng:STRESSOR, forkexec, wakeup-latency or idle:SECONDS.`);
  }
}

function printRun(result: VmRunResult, io: CliIo): void {
  io.out(`${result.status}: ${result.message}`);
  io.out(`accel ${result.accel}, kernel ${result.kernelRelease ?? '?'}, guest boot ${result.guestBootMs ?? '?'} ms, first output after ${result.bootMs ?? '?'} ms, total ${result.wallMs} ms`);
  for (const p of result.policies) {
    io.out(`\npolicy ${p.name}: ${p.outcome}`);
    for (const prog of p.load?.programs ?? []) {
      io.out(`  verifier ${prog.name}: ${prog.processedInsns ?? '?'} insns processed, peak_states ${prog.peakStates ?? '?'}, ${prog.verificationTimeUs ?? '?'} us${prog.loaded ? '' : ' (not loaded)'}`);
    }
    if (p.load?.error) io.out(`  load error: ${p.load.error}`);
    if (p.load?.verifierLog) io.out(`  verifier log (tail):\n${p.load.verifierLog.split('\n').slice(-15).map((l) => `    ${l}`).join('\n')}`);
    if (p.attach && !p.attach.ok) io.out(`  attach error: ${p.attach.error}`);
    for (const w of p.workloads) {
      io.out(`  workload ${w.name}: exit ${w.exitCode ?? `signal ${w.signal}`}${w.timedOut ? ' (timed out)' : ''}, ${w.wallMs} ms, ${JSON.stringify(w.metrics)}`);
    }
    if (p.eject) io.out(`  ejected after ${p.eject.afterMs} ms: ${p.eject.kindName ?? '?'} ${p.eject.reason ?? ''} ${p.eject.message ?? ''}`);
  }
  for (const w of result.baseline ?? []) io.out(`baseline ${w.name}: ${w.wallMs} ms, ${JSON.stringify(w.metrics)}`);
}

async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    policy: { type: 'string', multiple: true }, workload: { type: 'string', multiple: true },
    'timeout-ms': { type: 'string' }, partial: { type: 'boolean' }, baseline: { type: 'boolean' },
    'timeout-seconds': { type: 'string' }, json: { type: 'boolean' },
  });
  if (!values.policy?.length && !values.baseline) throw new SchedcpError('invalid_argument', 'vm run needs --policy FILE (or --baseline).');
  const config = loadConfig();
  const kit = await getKit(config);
  const outDir = mkdtempSync(join(tmpdir(), 'schedcp-vm-cli-'));
  try {
    const policies: PolicySpec[] = [];
    for (const [i, file] of (values.policy ?? []).entries()) {
      const objectPath = file.endsWith('.c') ? (await compilePolicy(kit, { sourcePath: file, outDir })).objectPath : file;
      const stem = file.split('/').pop()!.replace(/\.bpf\.[co]$|\.[co]$/, '').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 56) || 'policy';
      policies.push({
        name: policies.some((p) => p.name === stem) ? `${stem}_${i}` : stem, objectPath,
        ...(values['timeout-ms'] && { timeoutMs: Number(values['timeout-ms']) }),
        ...(values.partial && { partial: true }),
      });
    }
    const result = await runInVm(kit, {
      policies,
      workloads: (values.workload ?? []).map(parseWorkloadArg),
      baseline: values.baseline ?? false,
      timeoutSeconds: values['timeout-seconds'] ? Number(values['timeout-seconds']) : config.vm.timeoutSeconds,
      vm: config.vm,
      onProgress: (e) => { if (!values.json) io.err(`[vm] ${JSON.stringify(e)}`); },
    });
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else printRun(result, io);
    return result.status === 'completed' && result.policies.every((p) => p.outcome === 'ok') ? EXIT.ok : EXIT.failure;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export const vmCommand: CliCommand = {
  name: 'vm',
  summary: 'Build and inspect the sched_ext micro-VM kit; run a policy in a VM',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const config = loadConfig();
    if (sub === 'build') {
      const { values } = parseCommandArgs(rest, { force: { type: 'boolean' }, jobs: { type: 'string' }, 'work-dir': { type: 'string' } });
      const result = await buildKit(config, {
        force: values.force ?? false,
        ...(values.jobs && { jobs: Number(values.jobs) }),
        ...(values['work-dir'] && { workDir: values['work-dir'] }),
        onProgress: (e) => io.err(e.kind === 'step' ? `[${e.step}/${e.total}] ${e.message}` : `      ${e.message}`),
      });
      io.out(result.built ? `built kit in ${result.buildSeconds} s: ${result.kit.dir}` : `kit is current: ${result.kit.dir}`);
      return EXIT.ok;
    }
    if (sub === 'status') {
      const { values } = parseCommandArgs(rest, { json: { type: 'boolean' } });
      const status = await kitStatus(config.cacheDir);
      if (values.json) { io.out(JSON.stringify(status, null, 2)); return status.present ? EXIT.ok : EXIT.failure; }
      if (!status.present) {
        io.out(`VM kit missing or stale (${status.problem}): run \`schedcp vm build\`\n  expected ${status.dir}`);
        return EXIT.failure;
      }
      const m = status.manifest!;
      io.out(`VM kit ${m.inputsHash} at ${status.dir}\n  built ${m.builtAt} in ${m.buildSeconds} s; KVM usable: ${m.kvmUsable}`);
      io.out(`  kernel ${m.versions.kernelRelease} (linux-source ${m.versions.linuxSource}), libbpf ${m.versions.libbpf}, bpftool ${m.versions.bpftool}`);
      io.out(`  ${m.versions.clang}; gcc ${m.versions.gcc}`);
      return EXIT.ok;
    }
    if (sub === 'run') return runCommand(rest, io);
    throw new SchedcpError('invalid_argument', `vm subcommand ${quote(sub ?? '')} is unknown; use build, status or run.`);
  },
};
