// Entry point: `node dist/main.js`. Configuration errors exit with status 2 and a message naming
// every bad field; SIGTERM/SIGINT drain in-flight exchanges and flush the tap before exiting.
import { runService } from '@shadow/service-admin';
import { tapProxyService } from './service.js';

await runService(tapProxyService);
