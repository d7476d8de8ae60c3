// Every `schedcp <command>`. Each component adds one import and one entry in its own section.
import type { CliCommand } from '../command.js';
// foundation
import { serveCommand } from './serve.js';
import { capabilitiesCommand } from './capabilities.js';
import { auditCommand } from './audit.js';
import { configCommand } from './config.js';
// vm
// analysis
// repository
import { policiesCommand } from './policies.js';
// verifier
import { verifyCommand } from './verify.js';
// tuning

export const commands: CliCommand[] = [
  // foundation
  serveCommand,
  capabilitiesCommand,
  auditCommand,
  configCommand,
  // vm
  // analysis
  // repository
  policiesCommand,
  // verifier
  verifyCommand,
  // tuning
];
