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
  // `shadow show X | head`: the reader went away; stop quietly as other tools do, not with a stack.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Process exit codes of every `shadow` command. The analysis commands (report, gate, query,
 * migrate) give 1 only for what they found (gate: fail); whatever keeps them from measuring is 2,
 * so a CI job never reads "cannot reach ClickHouse" as "the candidate failed".
 */
export const EXIT = Object.freeze({
  /** Done, nothing wrong. */
  ok: 0,
  /** The command ran and found problems (gate: fail; topics, stack: also could not reach Kafka). */
  problems: 1,
  /** The command line itself is wrong: unknown command or option, bad value. */
  usage: 2,
  /** report, gate, query, migrate: nothing measured (no ClickHouse, a failed query, no pairs): not a verdict. */
  notMeasured: 2,
});

/**
 * Thrown by a command to end with one line and an exit code; anything else is a crash (exit 1).
 * `details` (a stack, the client's own message) is printed after the line only in debug mode
 * (`--verbose` or SHADOW_DEBUG=1): by default a failure is the one line that says what to do.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details?: string,
  ) {
    super(message);
  }
}

/** SHADOW_DEBUG=1 (or true/yes/on): every command prints stacks and its clients' logs. */
export function debugFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  return /^(1|true|yes|on)$/i.test(env['SHADOW_DEBUG'] ?? '');
}
