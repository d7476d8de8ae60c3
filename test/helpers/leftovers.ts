// What a server may leave behind, for before/after comparisons: database rows per table, files in
// the data dir, descendant processes, BPF programs they own, and mounts.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';

/** sha256 of every row of every ordinary table (virtual tables are skipped: their shadow tables hold the data). */
export function tableDigests(dbPath: string, skip: ReadonlySet<string>): Record<string, string> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").all() as Array<{ name: string }>;
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      if (skip.has(name)) continue;
      const rows = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw().all();
      const h = createHash('sha256');
      for (const row of rows) h.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'bigint' ? String(v) : v)));
      out[name] = `${rows.length}:${h.digest('hex').slice(0, 16)}`;
    }
    return out;
  } finally { db.close(); }
}

/** Files under dir (path → size), except the SQLite files themselves. */
export function dataFiles(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (!/schedcp\.db(-wal|-shm|-journal)?$/.test(entry.name)) out[relative(dir, p)] = statSync(p).size;
    }
  };
  walk(dir);
  return out;
}

/** Every live descendant of pid, as "pid comm". */
export function descendants(pid: number): string[] {
  const children = new Map<number, number[]>();
  const comm = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      comm.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
    } catch { /* exited while we read */ }
  }
  const out: string[] = [];
  const visit = (p: number) => { for (const c of children.get(p) ?? []) { out.push(`${c} ${comm.get(c)}`); visit(c); } };
  visit(pid);
  return out;
}

/** BPF programs owned by any of these pids (bpftool's "pids" field). */
export function bpfProgramsOwnedBy(pids: ReadonlySet<number>): string[] {
  let progs: Array<{ id: number; name?: string; pids?: Array<{ pid: number }> }>;
  try { progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as typeof progs; } catch { return []; }
  return progs.filter((p) => p.pids?.some((o) => pids.has(o.pid))).map((p) => `${p.id} ${p.name ?? ''}`);
}

/** Mounts of the kinds a probe or sandbox makes (tracefs, debugfs, bpf, overlay) or under a path. */
export function suspectMounts(under: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => {
    const [pre, post] = l.split(' - ');
    const point = pre?.split(' ')[4] ?? '';
    const fstype = post?.split(' ')[0] ?? '';
    return ['tracefs', 'debugfs', 'bpf', 'overlay'].includes(fstype) || point.startsWith(under);
  }).map((l) => l.split(' ').slice(4, 5).join(' ') + ' ' + (l.split(' - ')[1]?.split(' ')[0] ?? ''));
}
