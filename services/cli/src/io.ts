/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  /** Lines of normal output (what the command did). */
  out(line: string): void;
  /** Lines of diagnostics (problems, errors, usage). */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Process exit codes of every `shadow` command. */
export const EXIT = Object.freeze({
  /** Done, nothing wrong. */
  ok: 0,
  /** The command ran and found problems (or could not reach what it needs). */
  problems: 1,
  /** The command line itself is wrong: unknown command or option, bad value. */
  usage: 2,
});

/** Thrown by a command to end with a message and an exit code; anything else is a crash (exit 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}
