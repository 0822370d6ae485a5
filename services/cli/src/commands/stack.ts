// `shadow stack up|down|status|logs`: the local development stack (Kafka + schema registry as JVM
// processes, chDB's data directory), a thin wrapper over `infra/local/stack` of the checkout the
// command runs in. The script stays the single implementation (CI and `npm run stack` call it
// directly); this only finds it, forwards its output line by line and maps its exit status onto the
// CLI's codes (its `status` exits 3 when something is down: here that is 1, like every problem).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';

/** The repo root holding `infra/local/stack`: $SHADOW_REPO_ROOT, else the nearest pnpm workspace above the working directory. */
export function findStackScript(io: CliIo): string {
  const explicit = io.env['SHADOW_REPO_ROOT'];
  const candidates: string[] = [];
  if (explicit !== undefined && explicit !== '') {
    candidates.push(resolve(io.cwd, explicit));
  } else {
    let dir = resolve(io.cwd);
    for (;;) {
      if (existsSync(join(dir, 'pnpm-workspace.yaml'))) candidates.push(dir);
      const parent = resolve(dir, '..');
      if (parent === dir) break;
      dir = parent;
    }
  }
  for (const root of candidates) {
    const script = join(root, 'infra', 'local', 'stack');
    if (existsSync(script)) return script;
  }
  const where =
    explicit !== undefined && explicit !== ''
      ? `SHADOW_REPO_ROOT=${explicit} has no infra/local/stack`
      : `no checkout of the shadow repository (a pnpm workspace with infra/local/stack) above ${io.cwd}`;
  throw new CliError(`stack: ${where}; run shadow stack inside the repository, or set SHADOW_REPO_ROOT to its root`, EXIT.usage);
}

/** Runs the script with `args`, forwarding stdout/stderr lines to io; resolves with the CLI exit code. */
function runScript(script: string, args: readonly string[], io: CliIo): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script, ...args], { cwd: resolve(script, '..', '..', '..'), env: { ...io.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (stream: NodeJS.ReadableStream, line: (text: string) => void): Promise<void> =>
      new Promise((done) => {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          const parts = (rest + chunk).split('\n');
          rest = parts.pop() ?? '';
          for (const part of parts) line(part);
        });
        stream.on('end', () => {
          if (rest !== '') line(rest);
          done();
        });
      });
    const outputs = Promise.all([forward(child.stdout, (l) => io.out(l)), forward(child.stderr, (l) => io.err(l))]);
    child.on('error', (error) => reject(new CliError(`stack: cannot run bash ${script}: ${error.message}`, EXIT.problems)));
    child.on('close', (code) => {
      void outputs.then(() => resolvePromise(code === 0 ? EXIT.ok : EXIT.problems));
    });
  });
}

function lineCount(value: string): string {
  if (!/^\d{1,7}$/.test(value)) throw new InvalidArgumentError('expected a number of lines.');
  return value;
}

/** Adds `stack up|down|status|logs` to the program. */
export function registerStackCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const stack = program
    .command('stack')
    .description('the local development stack (infra/local/stack): Kafka, schema registry, chDB data directory')
    .addHelpText(
      'after',
      `
State lives in $STACK_DIR (default <repo>/.stack); ports KAFKA_PORT, REGISTRY_PORT, ... as in
docs/local-stack.md. Exit codes: 0 ok, 1 the script failed (or status: something is down), 2 usage
or not inside a checkout.`,
    );
  const run = async (args: string[]): Promise<void> => setExitCode(await runScript(findStackScript(io), args, io));
  stack
    .command('up')
    .description('install if needed, start Kafka and the registry (or reuse running ones), wait until both answer, ensure the topics, write $STACK_DIR/env')
    .action(() => run(['up']));
  stack
    .command('down')
    .description('stop Kafka and the registry and verify nothing is left')
    .option('--purge', 'also delete their data (downloads are kept)')
    .action((flags: { purge?: boolean }) => run(['down', ...(flags.purge === true ? ['--purge'] : [])]));
  stack
    .command('status')
    .description('one line per component; exit 0 only if all are running and answering, else 1')
    .action(() => run(['status']));
  stack
    .command('logs')
    .description('print the last lines of the component logs')
    .argument('[component]', 'kafka or registry (default: both)')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many lines', lineCount, '100')
    .action((component: string | undefined, flags: { follow?: boolean; lines: string }) => {
      if (component !== undefined && component !== 'kafka' && component !== 'registry') {
        throw new CliError(`stack logs: unknown component "${component}" (kafka or registry)`, EXIT.usage);
      }
      return run(['logs', '-n', flags.lines, ...(flags.follow === true ? ['-f'] : []), ...(component === undefined ? [] : [component])]);
    });
}
