// verification://{id}: the stored evidence of one verify_policy run (verdict, stages, evidence).
import { repositoryOf } from '../repository/index.js';
import { SchedcpError } from '../errors.js';
import type { TemplateResourceSpec } from '../server/resource.js';
import { getVerification } from '../verifier/index.js';
import { narrow } from './completion-sources.js';
import type { App } from '../app.js';

/** The verification ids the repository cites (its public record); any verify_policy id can be read. */
async function citedVerifications(app: App): Promise<Array<{ id: string; policy: string; verdict: string }>> {
  const repo = repositoryOf(app);
  await repo.ready();
  const out = new Map<string, { id: string; policy: string; verdict: string }>();
  for (const p of repo.list()) {
    for (const v of repo.store.verifications(p.id)) out.set(v.verificationId, { id: v.verificationId, policy: `${p.name} v${p.version}`, verdict: v.verdict });
  }
  return [...out.values()].filter((v) => /^[1-9][0-9]*$/.test(v.id));
}

export const verificationResource: TemplateResourceSpec = {
  name: 'verification',
  uriTemplate: 'verification://{id}',
  title: 'Verification evidence',
  description: 'The evidence of one verify_policy run by id: verdict, the stage that failed and why, and each stage\'s evidence (kernel verifier, dynamic suite, performance check) without raw logs (get_verification detail "full" has those). Lists the runs the repository cites; any id returned by verify_policy can be read.',
  mimeType: 'application/json',
  scope: 'read',
  async list(app) {
    return (await citedVerifications(app)).map((v) => ({
      uri: `verification://${v.id}`, name: `verification ${v.id}`, mimeType: 'application/json', description: `${v.verdict}: ${v.policy}`,
    }));
  },
  complete: { id: async (app, typed) => narrow((await citedVerifications(app)).map((v) => v.id), typed) },
  async read(app, variables) {
    const raw = variables.id ?? '';
    if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw new SchedcpError('invalid_argument', `Verification id ${JSON.stringify(raw.slice(0, 40))} is not a positive integer; ids come from verify_policy results.`);
    return { text: JSON.stringify(getVerification(app, Number(raw), 'stages'), null, 2) };
  },
};
