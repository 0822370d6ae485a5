// Entry point: `node dist/main.js`. Configuration errors exit with status 2 naming every bad field;
// SIGTERM/SIGINT stop consuming, land what was joined, commit and exit (open entries are re-read).
import { runService } from '@shadow/service-admin';
import { joinerService } from './service.js';

await runService(joinerService);
