// `shadow replay`: one historical window replayed to challengers, mounted as the replayer exports
// it (`replayCommand` of @shadow/replayer: the same options, configuration, challenger syntax,
// progress bar, resume and summary as `node services/replayer/dist/main.js replay`). Commander
// parses the flags with each option's own parser (a bad one: exit 2 naming it); the CLI adds the
// local stack's Kafka and registry as the last fallback, and the terminal for the progress bar.
// The replayer is imported inside the handler (it loads the replay engine, undici and the sandbox).
import { REPLAY_OPTIONS, REPLAY_HELP_EXAMPLES } from '@shadow/replayer/options';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../io.js';
import { localStack, onTerminal } from './runtime.js';

/** Exit code of an interrupted replay (128 + SIGINT): resumable with the same --run-id. */
export const EXIT_INTERRUPTED = 130;

/** Commander's parser for one option: its own parse, its error as commander's; repeatable options collect. */
function commanderParser(parse: ((text: string) => unknown) | undefined, multiple: boolean): ((value: string, previous: unknown) => unknown) | undefined {
  if (parse === undefined && !multiple) return undefined;
  return (value, previous) => {
    let parsed: unknown = value;
    if (parse !== undefined) {
      try {
        parsed = parse(value);
      } catch (error) {
        throw new InvalidArgumentError(`${(error as Error).message.replace(/\.$/, '')}.`);
      }
    }
    return multiple ? [...((previous as unknown[] | undefined) ?? []), parsed] : parsed;
  };
}

/** Adds `replay` (a historical window) to the program. */
export function registerReplayCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program.command('replay').description('replay the exchanges captured in a time window to challengers (a one-off run, resumable by --run-id)');
  // Commander names an option's value after its flag (`--challenger` -> challenger); the command's options after `name`.
  const attributes: [string, string][] = [];
  for (const o of REPLAY_OPTIONS) {
    const option = new Option(o.value === undefined ? o.flag : `${o.flag} <${o.value}>`, o.description);
    if (o.hidden === true) option.hideHelp();
    const parser = commanderParser(o.parse, o.multiple === true);
    if (parser !== undefined) option.argParser(parser);
    if (o.required === true) option.makeOptionMandatory();
    if (o.default !== undefined) option.default(typeof o.default === 'string' && o.parse !== undefined ? o.parse(o.default) : o.default, String(o.default));
    command.addOption(option);
    attributes.push([option.attributeName(), o.name]);
  }
  command.addHelpText('after', REPLAY_HELP_EXAMPLES);
  command.action(async (parsed: Record<string, unknown>) => {
    const options: Record<string, unknown> = {};
    for (const [attribute, name] of attributes) if (parsed[attribute] !== undefined) options[name] = parsed[attribute];
    const { replayCommand } = await import('@shadow/replayer');
    const local = localStack(io);
    const defaults =
      local === undefined
        ? undefined
        : { values: { 'kafka.brokers': local.endpoints.kafkaBrokers, 'schemaRegistry.url': local.endpoints.schemaRegistryUrl }, from: local.from };
    const tty = onTerminal(io) && options['json'] !== true ? process.stdout : undefined;
    const code = await replayCommand.run(
      { ...(options as unknown as Parameters<typeof replayCommand.run>[0]), ...(defaults === undefined ? {} : { defaults }) },
      { ...io, tty },
    );
    setExitCode(code);
  });
}
