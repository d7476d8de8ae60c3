// The one way schedcp runs a subprocess: execa with an argument array (never a shell), a timeout,
// an output cap, optional bubblewrap sandbox, and cancellation through an AbortSignal.
import { execa, type ResultPromise } from 'execa';
import { SchedcpError, quote } from '../errors.js';

export interface RunOptions {
  /** Wall-clock limit; the process (and its group) gets SIGKILL after it. */
  timeoutMs?: number;
  /** Max bytes kept per stream; extra output is dropped and `truncated` set. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  /** Do not throw on a non-zero exit; the caller inspects `exitCode`. */
  allowFailure?: boolean;
  /** Called with each stdout line as it arrives (progress parsing, JSON-lines streams). */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

export interface RunResult {
  command: string;
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const started = performance.now();
  const command = [file, ...args].join(' ');
  let truncated = false;
  const collect = (onLine?: (line: string) => void) => {
    const chunks: string[] = [];
    let size = 0;
    let pending = '';
    return {
      push(text: string) {
        if (onLine) {
          pending += text;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            onLine(pending.slice(0, nl));
            pending = pending.slice(nl + 1);
          }
        }
        if (size >= maxBytes) { truncated = true; return; }
        const room = maxBytes - size;
        if (text.length > room) { truncated = true; text = text.slice(0, room); }
        chunks.push(text);
        size += text.length;
      },
      flush() { if (onLine && pending) onLine(pending); pending = ''; },
      text: () => chunks.join(''),
    };
  };
  const out = collect(options.onStdoutLine);
  const err = collect(options.onStderrLine);

  let child: ResultPromise;
  try {
    child = execa(file, args, {
      reject: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      cancelSignal: options.signal,
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      input: options.input,
      stdin: options.input === undefined ? 'ignore' : undefined,
      buffer: false,
      encoding: 'utf8',
      forceKillAfterDelay: 2000,
    });
  } catch (error) {
    throw new SchedcpError('subprocess_failed', `Could not start ${quote(file)}: ${(error as Error).message}`, { cause: error });
  }
  child.stdout?.on('data', (d: Buffer | string) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer | string) => err.push(d.toString()));
  const result = await child;
  out.flush();
  err.flush();
  const durationMs = performance.now() - started;

  if (result.isCanceled) {
    throw new SchedcpError('cancelled', `${quote(command)} was cancelled by the caller.`);
  }
  const failedToSpawn = result.exitCode === undefined && !result.timedOut && !result.signal;
  if (failedToSpawn) {
    const reason = (result as { originalMessage?: string }).originalMessage ?? result.message ?? 'unknown error';
    throw new SchedcpError('subprocess_failed', `Could not run ${quote(file)}: ${reason}. Is it installed? (run scripts/setup.sh)`);
  }
  const runResult: RunResult = {
    command,
    exitCode: result.exitCode,
    signal: result.signal ?? undefined,
    stdout: out.text(),
    stderr: err.text(),
    timedOut: result.timedOut,
    truncated,
    durationMs,
  };
  if (result.timedOut && !options.allowFailure) {
    throw new SchedcpError('timeout', `${quote(command)} did not finish within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms and was killed.`, { details: { stderr: runResult.stderr.slice(-2000) } });
  }
  if (!options.allowFailure && result.exitCode !== 0) {
    throw new SchedcpError('subprocess_failed', `${quote(command, 200)} exited with ${result.exitCode ?? result.signal}: ${runResult.stderr.trim().slice(-1500) || runResult.stdout.trim().slice(-1500)}`, { details: { exitCode: result.exitCode } });
  }
  return runResult;
}

