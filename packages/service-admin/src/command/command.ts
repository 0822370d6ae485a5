// A service's commands as typed values: options object in, exit code out, an `io` for output and
// signals. The service's own bin parses argv into the options (parseCommandArgv); the `shadow` CLI
// mounts the same options on commander and calls the same `run`: neither rebuilds argv or
// environment variables for the other.

export type Env = Readonly<Record<string, string | undefined>>;

/** What a command may touch of the outside world; tests pass their own. The CLI's io is one. */
export interface ServiceIo {
  /** Lines of normal output (a service's JSON log lines, a summary). */
  out(line: string): void;
  /** Lines of diagnostics (problems, progress). */
  err(line: string): void;
  readonly env: Env;
  readonly cwd: string;
  /** Stops a serving command when aborted (tests, a caller that hands over); SIGINT/SIGTERM always do. */
  readonly signal?: AbortSignal | undefined;
}

/** One option of a command, as its bin and the CLI both offer it. */
export interface CommandOption {
  /** `--from` */
  readonly flag: string;
  /** The property of the options object it sets: `from`. */
  readonly name: string;
  /** The value's placeholder in help (`<time>`); absent: a switch (true when given). */
  readonly value?: string;
  readonly description: string;
  readonly required?: boolean;
  /** May be given more than once: the values in order. */
  readonly multiple?: boolean;
  /** The value when the option is not given. */
  readonly default?: string | boolean;
  /** Text -> value; throws an Error saying what is expected (`expected a number in [0, 1]`). */
  readonly parse?: (text: string) => unknown;
  /** Accepted but left out of help (an old spelling). */
  readonly hidden?: boolean;
}

export interface ServiceCommand<O> {
  readonly name: string;
  readonly description: string;
  readonly options: readonly CommandOption[];
  /** Text after the options in help: examples, exit codes. */
  readonly help?: string;
  run(options: O, io: ServiceIo): Promise<number>;
}

/** The process as a ServiceIo (a service's bin). */
export function processIo(): ServiceIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * argv (`--flag value`, `--flag=value`, switches) as the command's options, with every problem
 * (unknown option, missing value, a value its parser refuses, a missing required option) named.
 */
export function parseCommandArgv(
  command: Pick<ServiceCommand<unknown>, 'options'>,
  argv: readonly string[],
): { options: Record<string, unknown>; problems: string[] } {
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  const given = new Set<string>();
  const byFlag = new Map(command.options.map((o) => [o.flag, o]));
  const accepted = command.options
    .filter((o) => o.hidden !== true)
    .map((o) => o.flag)
    .join(', ');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      problems.push(`${JSON.stringify(arg)}: unexpected argument (every setting is a --flag)`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const option = byFlag.get(flag);
    if (option === undefined) {
      problems.push(`${flag}: unknown option (accepted: ${accepted})`);
      // Its value, if it has one, belongs to it: not an argument of its own.
      if (eq < 0 && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) i++;
      continue;
    }
    given.add(option.name);
    let text: string | undefined;
    if (option.value === undefined) {
      if (eq >= 0) problems.push(`${flag}: takes no value`);
      else options[option.name] = true;
      continue;
    }
    if (eq >= 0) text = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) text = argv[++i];
    if (text === undefined) {
      problems.push(`${flag}: needs a value (${option.value})`);
      continue;
    }
    let value: unknown = text;
    if (option.parse !== undefined) {
      try {
        value = option.parse(text);
      } catch (error) {
        problems.push(`${flag}: ${(error as Error).message.replace(/\.$/, '')}, got ${JSON.stringify(text)}`);
        continue;
      }
    }
    options[option.name] = option.multiple === true ? [...((options[option.name] as unknown[] | undefined) ?? []), value] : value;
  }
  for (const o of command.options) {
    if (options[o.name] !== undefined || given.has(o.name)) continue;
    if (o.default !== undefined) options[o.name] = typeof o.default === 'string' && o.parse !== undefined ? o.parse(o.default) : o.default;
    else if (o.required === true) problems.push(`${o.flag} is required`);
  }
  return { options, problems };
}

/** `usage: <name> [options]` and one line per option, for a bin's --help. */
export function commandHelp(command: ServiceCommand<unknown>, usage: string): string {
  const shown = command.options.filter((o) => o.hidden !== true);
  const left = (o: CommandOption): string => (o.value === undefined ? o.flag : `${o.flag} <${o.value}>`);
  const width = Math.max(...shown.map((o) => left(o).length));
  return `usage: ${usage}\n\n${command.description}\n\n${shown.map((o) => `  ${left(o).padEnd(width)}  ${o.description}`).join('\n')}\n${command.help === undefined ? '' : `${command.help}\n`}`;
}

/** Resolves on the first SIGTERM/SIGINT or when `signal` aborts; `cancel` stops listening. */
export function stopRequested(signal: AbortSignal | undefined): { promise: Promise<string>; cancel(): void } {
  let cancel = (): void => undefined;
  const promise = new Promise<string>((resolve) => {
    const done = (why: string) => (): void => {
      cancel();
      resolve(why);
    };
    const term = done('SIGTERM');
    const int = done('SIGINT');
    const aborted = done('abort');
    cancel = () => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      signal?.removeEventListener('abort', aborted);
    };
    process.on('SIGTERM', term);
    process.on('SIGINT', int);
    if (signal?.aborted === true) aborted();
    else signal?.addEventListener('abort', aborted, { once: true });
  });
  return { promise, cancel: () => cancel() };
}
