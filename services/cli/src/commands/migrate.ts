// `shadow migrate`: creates or upgrades the system's tables and views (SCHEMA_MIGRATIONS: the
// joiner's pair tables, the analysis layer's gate_runs and views) with @shadow/clickhouse's
// versioned, idempotent runner. Needs a writable connection: a server, or the embedded directory
// while no other process (a joiner) owns it; the joiner's read-only endpoint refuses it.
import type { MigrationReport } from '@shadow/clickhouse';
import { formatMigrationReport, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import type { ConnectionFlags } from './clickhouse-flags.js';
import { CONNECTION_HELP, debugMode, openClickHouse, resolveConnection, withConnectionOptions } from './clickhouse-flags.js';

interface MigrateFlags extends ConnectionFlags {
  dryRun?: boolean;
  allowChecksumChange?: boolean;
  json?: boolean;
}

async function run(flags: MigrateFlags, io: CliIo): Promise<number> {
  const ch = await openClickHouse(resolveConnection(flags, io), io, { createDatabase: true, debug: debugMode(flags, io) });
  let report: MigrationReport;
  try {
    report = await migrate(ch, SCHEMA_MIGRATIONS, { dryRun: flags.dryRun ?? false, allowChecksumChange: flags.allowChecksumChange ?? false });
  } catch (error) {
    throw new CliError(`migrate: ${error instanceof Error ? error.message : String(error)}`, EXIT.problems);
  } finally {
    await ch.close();
  }
  io.out(flags.json === true ? JSON.stringify(report, null, 2) : formatMigrationReport(report));
  return EXIT.ok;
}

/** Adds `migrate` to the program. */
export function registerMigrateCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('migrate')
    .description('create or upgrade the tables and views (pairs, pair_diffs, unmatched, per-minute aggregates, gate_runs, v_* views); idempotent')
    .option('--dry-run', 'list what would be applied; change nothing')
    .option('--allow-checksum-change', 'accept applied versions whose statements changed since (recorded, not re-run)')
    .option('--json', 'print the report as JSON');
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
${CONNECTION_HELP}
The read-only endpoint cannot run migrations: stop the joiner (it also migrates at start-up) or
use the server.

Exit codes: 0 up to date (applied or already applied); 1 a statement failed, or an applied migration
changed (MIGRATE_CHECKSUM_MISMATCH); 2 ClickHouse cannot be opened (one line says why and the fix) or
a bad command line.`,
  );
  command.action(async (flags: MigrateFlags) => setExitCode(await run(flags, io)));
}
