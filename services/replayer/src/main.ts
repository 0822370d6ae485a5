// Entry point.
//   node dist/main.js [serve]      live shadowing (config: REPLAYER_CONFIG file + env, see docs/replayer.md)
//   node dist/main.js replay ...   one historical window (replayCommand; `shadow replay` runs the same)
// Configuration errors exit with status 2 naming every bad field; SIGTERM/SIGINT drain the
// requests in flight, produce and commit their results, then exit 0.
import { processIo, runService } from '@shadow/service-admin';
import { replayFromArgv } from './commands/replay-command.js';
import { replayerService } from './service.js';

const [command = 'serve', ...rest] = process.argv.slice(2);
if (command === 'serve') await runService(replayerService);
else if (command === 'replay') {
  const io = processIo();
  process.exit(await replayFromArgv(rest, { ...io, tty: process.stdout.isTTY ? process.stdout : undefined }));
} else {
  process.stderr.write(
    `unknown command ${JSON.stringify(command)}\nusage: main.js [serve] | main.js replay --from <time> --to <time> [options] (main.js replay --help)\n`,
  );
  process.exit(2);
}
