// The `shadow` CLI: one commander program, one file per command group under commands/. A group
// registers itself with `register<Group>Commands(program, io, setExitCode)`; add the next one to
// COMMAND_GROUPS below.
//
// Exit codes (EXIT in io.ts): 0 ok, 1 the command found problems (gate: fail; topics, stack: also
// Kafka unreachable), 2 the command line is wrong (unknown command or option, bad value: commander's
// own errors) or an analysis command could not measure. Failures are one line on stderr; stacks only
// in debug mode (--verbose, SHADOW_DEBUG=1).
import { Command, CommanderError } from 'commander';
import { registerCapturesCommands } from './commands/captures.js';
import { registerControlCommands, registerSampleCommands } from './commands/control.js';
import { registerDashboardCommands } from './commands/dashboard.js';
import { registerGateCommands } from './commands/gate.js';
import { registerMigrateCommands } from './commands/migrate.js';
import { registerQueryCommands } from './commands/query.js';
import { registerReplayCommands } from './commands/replay.js';
import { registerReportCommands } from './commands/report.js';
import { registerServiceCommands } from './commands/service.js';
import { registerShowCommands } from './commands/show.js';
import { registerStackCommands } from './commands/stack.js';
import { registerStatusCommands } from './commands/status.js';
import { registerTopicsCommands } from './commands/topics.js';
import type { CliIo } from './io.js';
import { CliError, debugFromEnv, EXIT } from './io.js';
import { versionText } from './version.js';

type RegisterCommands = (program: Command, io: CliIo, setExitCode: (code: number) => void) => void;

const COMMAND_GROUPS: readonly RegisterCommands[] = [
  registerStackCommands,
  registerTopicsCommands,
  registerServiceCommands,
  registerReplayCommands,
  registerControlCommands,
  registerSampleCommands,
  registerStatusCommands,
  registerCapturesCommands,
  registerMigrateCommands,
  registerReportCommands,
  registerGateCommands,
  registerQueryCommands,
  registerShowCommands,
  registerDashboardCommands,
];

/** Builds the program without running it; `setExitCode` receives each command's result. */
export function createProgram(io: CliIo, setExitCode: (code: number) => void = () => undefined): Command {
  const program = new Command('shadow')
    .description('shadow deployment: capture live traffic, replay it to challengers, compare, gate')
    // Listed in the help; answered by runCli before parsing (the git commit is asked only then).
    .option('-V, --version', 'print the version (package version and git commit) and exit')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
    });
  for (const register of COMMAND_GROUPS) register(program, io, setExitCode);
  // Sub-commands inherit neither exitOverride nor output: set them on every command.
  const apply = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
    });
    command.showHelpAfterError();
    command.commands.forEach(apply);
  };
  program.commands.forEach(apply);
  return program;
}

/** Runs `argv` (as process.argv: node, script, args...) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    io.out(`shadow ${versionText()}`);
    return EXIT.ok;
  }
  let code: number = EXIT.ok;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are "errors" to commander's exitOverride
      if (error.exitCode === 0) return EXIT.ok;
      // `shadow` or `shadow topics` alone prints help to stderr: still a usage error
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`shadow: ${error.message}`);
      if (error.details !== undefined) io.err(error.details);
      return error.exitCode;
    }
    const debug = debugFromEnv(io.env) || argv.includes('--verbose');
    const message = error instanceof Error ? error.message : String(error);
    io.err(
      `shadow: unexpected error: ${debug && error instanceof Error ? (error.stack ?? message) : `${message.split('\n')[0] ?? message} (SHADOW_DEBUG=1 prints the stack)`}`,
    );
    return EXIT.problems;
  }
}
