import { describe, expect, it } from 'vitest';
import { GuestRunAssembler, parseGuestLine, parseVerifierStats, type GuestEvent } from './guest-output.js';

// Lines as the guest printed them in a real run (trimmed).
const lines = [
  '[    0.553703] ACPI Error: AE_BAD_PARAMETER, During Region initialization (20240827/tbxfload-52)',
  '@@SCHEDCP {"type":"boot","uptime_ms":1010.000,"kernel_release":"6.12.117","cpus":2,"sched_ext":{"state":"disabled","ops":"","nr_rejected":"0","enable_seq":"0","switch_all":"0"}}\r',
  '@@SCHEDCP {"type":"load","policy":"fifo","struct_ops_maps":1,"struct_ops_map":"fifo_ops","ops_name":"fifo_ok","timeout_ms":0,"flags":0,"has_uei":true,"programs":[{"name":"fifo_enqueue","section":"struct_ops/fifo_enqueue","insns":7,"loaded":true,"verifier_stats":"verification time 491 usec\\nstack depth 0\\nprocessed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\\n"}],"ok":true,"error":null,"duration_ms":408.632}',
  '@@SCHEDCP {"type":"attach","policy":"fifo","ok":true,"error":null,"duration_ms":60.75,"sched_ext":{"state":"enabled","ops":"fifo_ok","nr_rejected":"0","enable_seq":"1","switch_all":"1"}}',
  '@@SCHEDCP {"type":"workload","policy":"fifo","name":"hb","argv":["hackbench","-g","2","-l","50"],"exit_code":0,"signal":null,"timed_out":false,"wall_ms":299.614,"user_ms":123.652,"sys_ms":396.823,"voluntary_ctxsw":1039,"involuntary_ctxsw":2,"scheduler_enabled_after":true,"output":"Running in process mode\\nTime: 0.204\\n"}',
  '@@SCHEDCP {"type":"detach","policy":"fifo","was_ejected":false,"ok":true,"duration_ms":54.839,"exit_kind":64,"sched_ext":{"state":"disabled","ops":"","nr_rejected":"0","enable_seq":"1","switch_all":"0"}}',
  '@@SCHEDCP {"type":"dmesg","policy":"fifo","lines":["[    2.65] <6> sched_ext: BPF scheduler \\"fifo_ok\\" enabled"]}',
  '@@SCHEDCP {"type":"loader_exit","policy":"fifo","status":0}',
  '@@SCHEDCP {"type":"load","policy":"nd","has_uei":false,"programs":[],"ok":true,"ops_name":"never_dispatch","duration_ms":1}',
  '@@SCHEDCP {"type":"attach","policy":"nd","ok":true,"duration_ms":2,"sched_ext":{"state":"enabled","ops":"never_dispatch","nr_rejected":"0","enable_seq":"2","switch_all":"1"}}',
  '@@SCHEDCP {"type":"eject","policy":"nd","source":"sysfs","after_ms":1500.5,"during_workload":"hb","sched_ext":{"state":"disabled","ops":"","nr_rejected":"0","enable_seq":"2","switch_all":"0"}}',
  '@@SCHEDCP {"type":"detach","policy":"nd","was_ejected":true,"ok":true,"duration_ms":2,"sched_ext":{"state":"disabled"}}',
  '@@SCHEDCP {"type":"dmesg","policy":"nd","lines":["[ 5.53] <3> sched_ext: BPF scheduler \\"never_dispatch\\" disabled (runnable task stall)","[ 5.53] <3> sched_ext: never_dispatch: watchdog failed to check in for 1.504s"]}',
  '@@SCHEDCP {"type":"load","policy":"vr","has_uei":true,"programs":[{"name":"vr_enqueue","section":"struct_ops/vr_enqueue","insns":19,"loaded":false,"verifier_stats":"R0 invalid mem access \'map_value_or_null\'\\nprocessed 9 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\\n"}],"failed_program":"vr_enqueue","errno":13,"libbpf_log":"libbpf: prog \'vr_enqueue\': failed to load: -13\\n","verifier_log":"9: (79) r1 = *(u64 *)(r0 +0)\\nR0 invalid mem access \'map_value_or_null\'\\n","verifier_log_truncated":false,"ok":false,"error":"the kernel refused to load /schedcp/p2.bpf.o, program vr_enqueue: Permission denied","duration_ms":173.9}',
  '@@SCHEDCP {"type":"done"}',
];

function assemble(expected: string[] = []) {
  const a = new GuestRunAssembler(expected);
  const progress = [];
  for (const line of lines) {
    const parsed = parseGuestLine(line);
    if (parsed.kind === 'event') progress.push(a.push(parsed.event));
  }
  return { a, progress: progress.filter(Boolean) };
}

describe('parseGuestLine', () => {
  it('separates protocol lines from console noise, even mid-line', () => {
    expect(parseGuestLine('[ 1.0] random kernel text').kind).toBe('console');
    const mid = parseGuestLine('garbage@@SCHEDCP {"type":"done"}\r');
    expect(mid).toEqual({ kind: 'event', event: { type: 'done' } });
    expect(parseGuestLine('@@SCHEDCP {"type":"load","trunc').kind).toBe('malformed');
    expect(parseGuestLine('@@SCHEDCP [1,2]').kind).toBe('malformed');
  });
});

describe('parseVerifierStats', () => {
  it('reads the log-level-4 summary', () => {
    expect(parseVerifierStats('verification time 37015 usec\nstack depth 8+16\nprocessed 20 insns (limit 1000000) max_states_per_insn 1 total_states 3 peak_states 2 mark_read 1\n')).toEqual({
      processedInsns: 20, insnLimit: 1000000, maxStatesPerInsn: 1, totalStates: 3, peakStates: 2, markRead: 1, verificationTimeUs: 37015, stackDepth: [8, 16],
    });
    expect(parseVerifierStats('')).toEqual({});
  });
});

describe('GuestRunAssembler', () => {
  it('builds per-policy results from a real run', () => {
    const { a, progress } = assemble(['fifo', 'nd', 'vr', 'never_reached']);
    expect(a.done).toBe(true);
    expect(a.kernelRelease).toBe('6.12.117');
    expect(a.guestCpus).toBe(2);
    expect(a.guestBootMs).toBe(1010);
    const [fifo, nd, vr, missing] = a.results();
    expect(fifo!.outcome).toBe('ok');
    expect(fifo!.load!.programs[0]).toMatchObject({ name: 'fifo_enqueue', processedInsns: 6, verificationTimeUs: 491, stackDepth: [0] });
    expect(fifo!.attach!.sched_ext).toEqual({ state: 'enabled', ops: 'fifo_ok', nrRejected: 0, enableSeq: 1, switchAll: true });
    expect(fifo!.workloads[0]).toMatchObject({ name: 'hb', exitCode: 0, wallMs: 299.614, metrics: { seconds: 0.204 } });
    expect(fifo!.detach).toMatchObject({ ok: true, exitKind: 64, exitKindName: 'UNREG' });
    expect(fifo!.loaderExitStatus).toBe(0);

    expect(nd!.outcome).toBe('ejected');
    // Without UEI the kind and reason are recovered from the kernel log.
    expect(nd!.eject).toMatchObject({ source: 'sysfs', kind: 1026, kindName: 'ERROR_STALL', reason: 'runnable task stall', message: 'watchdog failed to check in for 1.504s', duringWorkload: 'hb' });

    expect(vr!.outcome).toBe('verifier_rejected');
    expect(vr!.load).toMatchObject({ ok: false, failure: 'verifier_rejected', failedProgram: 'vr_enqueue', errno: 13 });
    expect(vr!.load!.verifierLog).toContain("invalid mem access 'map_value_or_null'");
    expect(vr!.load!.programs[0]!.processedInsns).toBe(9);

    expect(missing).toMatchObject({ name: 'never_reached', outcome: 'incomplete' });
    expect(progress).toContainEqual({ kind: 'policy', policy: 'nd', stage: 'ejected' });
    expect(progress).toContainEqual({ kind: 'workload', policy: 'fifo', workload: 'hb', wallMs: 299.614 });
  });

  it('classifies early load failures and libbpf-side failures', () => {
    const a = new GuestRunAssembler();
    const ev = (e: Record<string, unknown>) => a.push({ type: 'load', programs: [], duration_ms: 1, ok: false, ...e } as GuestEvent);
    ev({ policy: 'a', failure: 'no_struct_ops', error: 'x has no sched_ext struct_ops map' });
    ev({ policy: 'b', failed_program: 'p', verifier_log: '' , error: 'extern scx_bpf_dsq_insert not found' });
    ev({ policy: 'c', failure: 'not_bpf_object', error: 'not an ELF' });
    expect(a.results().map((p) => p.outcome)).toEqual(['no_struct_ops', 'load_failed', 'not_bpf_object']);
  });

  it('collects baseline workloads separately', () => {
    const a = new GuestRunAssembler();
    a.push({ type: 'workload', name: 'w', argv: ['schedcp-probe', 'wake'], output: '{"probe":"wake","samples":8,"p99_us":385.5}\n', wall_ms: 5 });
    expect(a.baseline?.[0]?.metrics).toEqual({ samples: 8, p99Us: 385.5 });
  });
});
