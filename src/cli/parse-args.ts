// A thin wrapper over node:util parseArgs that turns its errors into usage errors naming the flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SchedcpError } from '../errors.js';

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new SchedcpError('invalid_argument', `${(error as Error).message}. Allowed options: ${Object.keys(options).map((o) => `--${o}`).join(', ')}.`);
  }
}
