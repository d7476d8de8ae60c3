// Every `schedcp <command>`. Each component adds one import and one entry in its own section.
import type { CliCommand } from '../command.js';
// foundation
import { serveCommand } from './serve.js';
import { capabilitiesCommand } from './capabilities.js';
import { auditCommand } from './audit.js';
import { configCommand } from './config.js';
// vm
import { vmCommand } from './vm.js';
// analysis
import { analyzeCommand } from './analyze.js';
// repository
import { policiesCommand } from './policies.js';
// verifier
import { verifyCommand } from './verify.js';
// tuning
import { tuneCommand } from './tune.js';
import { evalCommand } from './eval.js';
// remediation
import { actCommand } from './act.js';
// deployer
import { deployCommand } from './deploy.js';
import { nodeCommand } from './node.js';

export const commands: CliCommand[] = [
  // foundation
  serveCommand,
  capabilitiesCommand,
  auditCommand,
  configCommand,
  // vm
  vmCommand,
  // analysis
  analyzeCommand,
  // repository
  policiesCommand,
  // verifier
  verifyCommand,
  // tuning
  tuneCommand,
  evalCommand,
  // remediation
  actCommand,
  // deployer
  deployCommand,
  nodeCommand,
];
