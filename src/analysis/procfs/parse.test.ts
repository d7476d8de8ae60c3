import { describe, expect, it } from 'vitest';
import {
  cgroupLayout, parseDiskstats, parseKeyValues, parseLoadavg, parseMeminfo, parseNetDev, parsePidCgroup, parsePidIo, parsePidSched,
  parsePidSchedstat, parsePidStat, parsePidStatus, parsePressure, parseProcStat, parseSchedstat, parseSnmp,
} from './parse.js';

// Captured from a 2-core Debian bookworm guest (kernel 6.18).
const PROC_STAT = `cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0
cpu0 1393687 278532 1441139 20870839 11430 0 24935 0 0 0
cpu1 8738466 12164 1643580 25957644 5253 0 260 0 0 0
intr 199292853 35 10
ctxt 3000000
btime 1700000000
processes 120000
procs_running 3
procs_blocked 1
softirq 1 2 3`;

describe('procfs parsers', () => {
  it('parses /proc/stat cpu lines and counters', () => {
    const s = parseProcStat(PROC_STAT);
    expect(s.cpus.map((c) => c.name)).toEqual(['cpu', 'cpu0', 'cpu1']);
    expect(s.cpus[1]).toMatchObject({ user: 1393687, nice: 278532, system: 1441139, idle: 20870839, iowait: 11430, softirq: 24935 });
    expect(s).toMatchObject({ contextSwitches: 3000000, forks: 120000, procsRunning: 3, procsBlocked: 1, bootTimeS: 1700000000 });
  });

  it('parses loadavg, meminfo (kB → bytes) and PSI', () => {
    expect(parseLoadavg('2.85 1.20 0.50 4/312 9999\n')).toEqual({ load1: 2.85, load5: 1.2, load15: 0.5, runnable: 4, threads: 312 });
    const m = parseMeminfo('MemTotal:       24576000 kB\nMemAvailable:   12288000 kB\nHugePages_Total:       0\nSwapTotal:             0 kB\n');
    expect(m).toEqual({ MemTotal: 24576000 * 1024, MemAvailable: 12288000 * 1024, HugePages_Total: 0, SwapTotal: 0 });
    const p = parsePressure('some avg10=53.81 avg60=19.44 avg300=6.41 total=31548529\nfull avg10=1.50 avg60=0.00 avg300=0.00 total=42\n');
    expect(p.some).toEqual({ avg10: 53.81, avg60: 19.44, avg300: 6.41, totalUs: 31548529 });
    expect(p.full?.avg10).toBe(1.5);
    expect(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n').full).toBeUndefined();
    expect(() => parsePressure('garbage')).toThrow(/some/);
  });

  it('keeps whole disks only and parses their counters', () => {
    const text = ` 253       0 vda 5011 2046 401112 2107 9876 5432 987654 8765 2 12345 23456 0 0 0 0
 253       1 vda1 4900 2046 400000 2100 9800 5432 987000 8700 0 12000 23000 0 0 0 0
   7       0 loop0 10 0 20 0 0 0 0 0 0 4 0 0 0 0 0
 252       0 zram0 1 0 8 0 0 0 0 0 0 0 0 0 0 0 0
 259       0 nvme0n1 100 0 800 50 200 0 1600 70 0 90 120 0 0 0 0
 259       1 nvme0n1p1 100 0 800 50 200 0 1600 70 0 90 120 0 0 0 0`;
    const d = parseDiskstats(text);
    expect(d.map((x) => x.name)).toEqual(['vda', 'nvme0n1']);
    expect(d[0]).toMatchObject({ reads: 5011, sectorsRead: 401112, readMs: 2107, writes: 9876, sectorsWritten: 987654, writeMs: 8765, inFlight: 2, ioMs: 12345, weightedIoMs: 23456 });
  });

  it('parses /proc/net/dev and /proc/net/snmp', () => {
    const dev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
  eth0: 9999999   20000    3    7    0     0          0         0  5555555   15000    1    2    0     0       0          0`;
    const n = parseNetDev(dev);
    expect(n).toHaveLength(2);
    expect(n[1]).toEqual({ iface: 'eth0', rxBytes: 9999999, rxPackets: 20000, rxErrors: 3, rxDropped: 7, txBytes: 5555555, txPackets: 15000, txErrors: 1, txDropped: 2 });
    const snmp = parseSnmp('Ip: Forwarding DefaultTTL\nIp: 2 64\nTcp: RtoAlgorithm OutSegs RetransSegs\nTcp: 1 1000 12\n');
    expect(snmp).toMatchObject({ 'Ip.Forwarding': 2, 'Tcp.OutSegs': 1000, 'Tcp.RetransSegs': 12 });
  });

  it('parses per-process files, including a comm with spaces and parentheses', () => {
    const stat = '4242 (my (weird) proc) R 1 4242 4242 0 -1 4194560 1500 0 7 0 250 30 0 0 20 0 3 0 123456 10000000 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
    const p = parsePidStat(stat);
    expect(p).toMatchObject({ pid: 4242, comm: 'my (weird) proc', state: 'R', ppid: 1, minorFaults: 1500, majorFaults: 7, utime: 250, stime: 30, threads: 3, startTicks: 123456, rssPages: 2048, processor: 1 });
    expect(() => parsePidStat('nonsense')).toThrow();
    expect(parsePidSchedstat('154447 2000 11\n')).toEqual({ runNs: 154447, waitNs: 2000, timeslices: 11 });
    const status = parsePidStatus('Name:\tnode\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nThreads:\t11\nVmRSS:\t   51200 kB\nCpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t150\nnonvoluntary_ctxt_switches:\t545\n');
    expect(status).toEqual({ name: 'node', state: 'S (sleeping)', threads: 11, vmRssBytes: 51200 * 1024, voluntarySwitches: 150, involuntarySwitches: 545, cpusAllowed: '0-1', uid: 0 });
    const sched = parsePidSched('head (8697, #threads: 1)\n-----------\nse.exec_start                                :        894697.146185\nse.nr_migrations                             :                    3\nnr_switches                                  :                   10\npolicy                                       :                    0\n');
    expect(sched).toMatchObject({ 'se.exec_start': 894697.146185, 'se.nr_migrations': 3, nr_switches: 10, policy: 0 });
    expect(parsePidIo('rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n')).toEqual({ readBytes: 4096, writeBytes: 8192, rcharBytes: 100, wcharBytes: 200, readSyscalls: 3, writeSyscalls: 4 });
  });

  it('finds the cgroup path and the cgroup layout', () => {
    expect(parsePidCgroup('12:memory:/docker/abc\n0::/system.slice/ssh.service\n')).toBe('/system.slice/ssh.service');
    expect(parsePidCgroup('4:cpu,cpuacct:/user.slice\n')).toBe('/user.slice');
    const hybrid = cgroupLayout([{ type: 'tmpfs', path: '/sys/fs/cgroup' }, { type: 'cgroup', path: '/sys/fs/cgroup/cpu' }, { type: 'cgroup2', path: '/sys/fs/cgroup/unified' }]);
    expect(hybrid).toEqual({ layout: 'hybrid', v2Path: '/sys/fs/cgroup/unified', v1Controllers: ['cpu'] });
    expect(cgroupLayout([{ type: 'cgroup2', path: '/sys/fs/cgroup' }]).layout).toBe('v2');
    expect(cgroupLayout([{ type: 'cgroup', path: '/sys/fs/cgroup/memory' }]).layout).toBe('v1');
    expect(cgroupLayout([]).layout).toBe('none');
  });

  it('parses key/value files and /proc/schedstat', () => {
    expect(parseKeyValues('usage_usec 1000\nuser_usec 600\nbogus line here\n')).toEqual({ usage_usec: 1000, user_usec: 600 });
    const ss = parseSchedstat('version 17\ntimestamp 4295\ncpu0 0 0 0 0 0 0 1000000 250000 40\ndomain0 3 1 2\ncpu1 0 0 0 0 0 0 2000000 750000 60\n');
    expect(ss).toEqual([{ cpu: 'cpu0', runNs: 1000000, waitNs: 250000, timeslices: 40 }, { cpu: 'cpu1', runNs: 2000000, waitNs: 750000, timeslices: 60 }]);
  });
});
