// Pure rendering of a plan as a sysctl.d drop-in. Tunables that live only in debugfs cannot be
// set by systemd-sysctl, so they are written as comments with the exact command instead.
import type { CheckedChange } from './guardrails.js';
import type { Tunable } from './kb.js';

export function renderSysctlFile(options: {
  planId?: number;
  target: string;
  createdAt: string;
  changes: readonly CheckedChange[];
  kb: ReadonlyMap<string, Tunable>;
  /** Where each key lives on the target (procfs or debugfs path). */
  locations: ReadonlyMap<string, string | undefined>;
}): string {
  const lines = [
    `# schedcp tuning plan${options.planId !== undefined ? ` ${options.planId}` : ''} for ${options.target}, generated ${options.createdAt}`,
    '# Install as /etc/sysctl.d/99-schedcp.conf and run `sysctl --system`; previous values are noted for undo.',
  ];
  for (const c of options.changes) {
    if (c.unchanged) continue;
    const t = options.kb.get(c.key);
    const where = options.locations.get(c.key);
    lines.push('', `# ${t?.title ?? c.key}: was ${c.from}`);
    if (where && !where.startsWith('/proc/sys/')) {
      lines.push(`# ${c.key} lives in debugfs, which sysctl.d cannot set; apply with:`, `#   echo '${c.to}' > ${where}`);
    } else {
      lines.push(`${c.key} = ${c.to}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
