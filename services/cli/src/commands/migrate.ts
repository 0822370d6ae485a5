// `shadow migrate`: creates or upgrades the system's tables and views (SCHEMA_MIGRATIONS: the
// joiner's pair tables, the analysis layer's gate_runs and views) with @shadow/clickhouse's
// versioned, idempotent runner. Needs a writable connection: a server, or the embedded directory
// while no other process (a joiner) owns it; the joiner's read-only endpoint refuses it.
import type { MigrationReport, RetentionOptions } from '@shadow/clickhouse';
import { clusterFromEnv, formatMigrationReport, isClickHouseError, isMigrationError, MAX_RETENTION_DAYS, migrate, SCHEMA_MIGRATIONS } from '@shadow/clickhouse';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { integerIn } from '../options.js';
import type { ConnectionFlags } from './clickhouse-flags.js';
import { CONNECTION_HELP, debugMode, openClickHouse, resolveConnection, withConnectionOptions } from './clickhouse-flags.js';

interface MigrateFlags extends ConnectionFlags {
  dryRun?: boolean;
  allowChecksumChange?: boolean;
  json?: boolean;
  retentionDays?: number;
  bodyRetentionDays?: number;
  aggregateRetentionDays?: number;
  labelRetentionDays?: number;
}

/** The retention flags as migrate's `retention` option; a flag not given keeps the tables' value. */
function retentionOf(flags: MigrateFlags): RetentionOptions {
  const { retentionDays: rows, bodyRetentionDays: bodies, aggregateRetentionDays: aggregates, labelRetentionDays: labels } = flags;
  return {
    ...(rows === undefined ? {} : { rowsDays: rows }),
    ...(bodies === undefined ? {} : { bodiesDays: bodies }),
    ...(aggregates === undefined ? {} : { aggregatesDays: aggregates }),
    ...(labels === undefined ? {} : { labelsDays: labels }),
  };
}

async function run(flags: MigrateFlags, io: CliIo): Promise<number> {
  // On a ClickHouse cluster (CLICKHOUSE_CLUSTER), the migrations run as cluster DDL (docs/clickhouse.md, Cluster).
  let cluster: string | undefined;
  try {
    cluster = clusterFromEnv(io.env);
  } catch (error) {
    if (isClickHouseError(error)) throw new CliError(`migrate: ${error.message}`, EXIT.usage);
    throw error;
  }
  const ch = await openClickHouse(resolveConnection(flags, io), io, { createDatabase: true, debug: debugMode(flags, io) });
  let report: MigrationReport;
  try {
    report = await migrate(ch, SCHEMA_MIGRATIONS, {
      dryRun: flags.dryRun ?? false,
      allowChecksumChange: flags.allowChecksumChange ?? false,
      retention: retentionOf(flags),
      ...(cluster === undefined ? {} : { cluster }),
    });
  } catch (error) {
    // SCHEMA_MIGRATIONS are valid, so MIGRATE_INVALID here is a retention the flags asked for.
    if (isMigrationError(error) && error.code === 'MIGRATE_INVALID') throw new CliError(`migrate: ${error.message}`, EXIT.usage);
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
    .option('--json', 'print the report as JSON')
    .option(
      '--retention-days <days>',
      'keep rows of pairs, pair_diffs and unmatched this many days after they landed (default: unchanged; 30 on a new database)',
      integerIn(1, MAX_RETENTION_DAYS),
    )
    .option(
      '--body-retention-days <days>',
      'keep the stored bodies this many days after landing, at most --retention-days (default: unchanged; 7)',
      integerIn(1, MAX_RETENTION_DAYS),
    )
    .option(
      '--aggregate-retention-days <days>',
      'keep pair_minutes rows this many days after their latest landing (default: unchanged; 180)',
      integerIn(1, MAX_RETENTION_DAYS),
    )
    .option('--label-retention-days <days>', 'keep labels this many days after they landed (default: unchanged; 90)', integerIn(1, MAX_RETENTION_DAYS));
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
${CONNECTION_HELP}
Retention counts from when a row landed, never from its capture time, so a replay of old traffic
lands and stays. A --*-retention-days flag changes that table's TTL (idempotent: the same value
again changes nothing); one not given keeps the current value. The report ends with the retention.

The read-only endpoint cannot run migrations: stop the joiner (it also migrates at start-up) or
use the server.

Exit codes: 0 up to date (applied or already applied); 1 a statement failed, or an applied migration
changed (MIGRATE_CHECKSUM_MISMATCH); 2 ClickHouse cannot be opened (one line says why and the fix) or
a bad command line.`,
  );
  command.action(async (flags: MigrateFlags) => setExitCode(await run(flags, io)));
}
