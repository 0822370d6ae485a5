// Entry point.
//   node dist/main.js [serve]      live shadowing (config: REPLAYER_CONFIG file + env, see docs/replayer.md)
//   node dist/main.js replay ...   one historical window (see commands/replay-command.ts)
// Configuration errors exit with status 2 naming every bad field; SIGTERM/SIGINT drain the
// requests in flight, produce and commit their results, then exit 0.
import { pino } from 'pino';
import { runService } from '@shadow/service-admin';
import { ConfigError, loadConfig } from './config/config.js';
import { REPLAY_USAGE, runReplayCommand } from './commands/replay-command.js';
import { startReplayer } from './replayer.js';
import { createServiceSandbox } from './sandbox/create-sandbox.js';

function serve(): Promise<void> {
  return runService({
    name: 'replayer',
    load: () => loadConfig(process.env),
    isConfigError: (err) => err instanceof ConfigError,
    logLevel: (config) => config.logLevel,
    start: (config, logger) => startReplayer(config, logger, createServiceSandbox),
  });
}

async function main(): Promise<void> {
  const [command = 'serve', ...rest] = process.argv.slice(2);
  if (command === 'serve') return serve();
  if (command === 'replay') {
    const logger = pino({ name: 'replay', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
    const code = await runReplayCommand(rest, { env: process.env, stdout: process.stdout, logger, sandboxFactory: createServiceSandbox });
    process.exit(code);
  }
  process.stderr.write(`unknown command ${JSON.stringify(command)}\nusage: main.js [serve] | main.js replay ...\n${REPLAY_USAGE}\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  process.stderr.write(`replayer failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
