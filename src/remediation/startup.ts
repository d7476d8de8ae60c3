// Checked at every start (createApp): when an earlier schedcp left actions open, load the
// component, which reverts those whose owner is gone. Cheap when there is nothing to repair.
import type { App } from '../app.js';

export function repairOnStart(app: App): void {
  const table = app.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'remediation_actions'").get();
  if (!table || !app.db.prepare("SELECT 1 FROM remediation_actions WHERE state IN ('pending', 'active', 'revert_failed') LIMIT 1").get()) return;
  void import('./index.js').then((m) => { if (app.db.open) return m.remediationOf(app).ready; })
    .catch((error: unknown) => app.logger.log('error', 'repair of actions left by an earlier schedcp failed', { error: String(error) }));
}
