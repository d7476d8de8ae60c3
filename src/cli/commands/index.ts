// Every `schedcp <command>`. Each component adds one line in its own section. A command's module is
// imported only when it runs: importing all of them (the server, every component, the console's
// assets) cost ~0.4 s of every `schedcp verify`.
import type { CliCommand } from '../command.js';

export interface CommandEntry { name: string; load(): Promise<CliCommand> }

export const commands: CommandEntry[] = [
  // foundation
  { name: 'serve', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'capabilities', load: async () => (await import('./capabilities.js')).capabilitiesCommand },
  { name: 'audit', load: async () => (await import('./audit.js')).auditCommand },
  { name: 'config', load: async () => (await import('./config.js')).configCommand },
  // vm
  { name: 'vm', load: async () => (await import('./vm.js')).vmCommand },
  // analysis
  { name: 'analyze', load: async () => (await import('./analyze.js')).analyzeCommand },
  // repository
  { name: 'policies', load: async () => (await import('./policies.js')).policiesCommand },
  // verifier
  { name: 'verify', load: async () => (await import('./verify.js')).verifyCommand },
  // tuning
  { name: 'tune', load: async () => (await import('./tune.js')).tuneCommand },
  { name: 'eval', load: async () => (await import('./eval.js')).evalCommand },
  // remediation
  { name: 'act', load: async () => (await import('./act.js')).actCommand },
  // deployer
  { name: 'deploy', load: async () => (await import('./deploy.js')).deployCommand },
  { name: 'node', load: async () => (await import('./node.js')).nodeCommand },
];
